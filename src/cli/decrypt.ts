import { readFileSync } from 'node:fs'
import { SEALED_PREFIX } from '../encryption/field-cipher.js'
import { keyRing } from '../encryption/key-material.js'
import { SealedText } from '../encryption/sealed-text.js'
import { commandArgs, usageError } from './command-args.js'
import { inputLines } from './input-lines.js'

const LINE_FEED = Buffer.from('\n')

export const DECRYPT_USAGE = `usage: ringlog decrypt --key-file <file> [--key-store <dir>] [<file>...]
  Writes the log (the files, gzip read as it is, or stdin) with every value the encrypt option
  sealed opened again. The key file holds the keys by id: a JSON object {"k1": "<base64>", ...}
  or lines <key id>:<key>. --key-store is the directory of the subjects' salts (perSubject).
  A value that cannot be opened stays as it is and is named on stderr (exit 1); a value of an
  erased subject stays sealed and is counted.
`

/** Says which record a line is: its number, and its time and message when it is JSON. */
function recordName(file: string, number: number, text: string): string {
  let detail = ''
  try {
    const record = JSON.parse(text) as Record<string, unknown>
    const time = record.time ?? record['@timestamp'] ?? record.timestamp
    const message = record.msg ?? record.message
    detail = [time === undefined ? '' : `time ${JSON.stringify(time)}`, message === undefined ? '' : `msg ${JSON.stringify(message).slice(0, 80)}`].filter(Boolean).join(', ')
  } catch {
    // Not JSON: the line number says it.
  }
  return `${file} line ${number}${detail === '' ? '' : ` (${detail})`}`
}

/** `ringlog decrypt`: the exit code. */
export async function decrypt(args: string[]): Promise<number> {
  const parsed = commandArgs('decrypt', DECRYPT_USAGE, args, ['key-file', 'key-store'])
  if (typeof parsed === 'number') return parsed
  const { flags, operands } = parsed
  const keyFile = flags['key-file'] as string | undefined
  if (keyFile === undefined) return usageError('decrypt', DECRYPT_USAGE, '--key-file is needed')
  let keys: Map<string, Buffer>
  try {
    keys = keyRing(`key file ${keyFile}`, readFileSync(keyFile, 'utf8'))
  } catch (error) {
    process.stderr.write(`ringlog decrypt: ${(error as Error).message.replace(/^ringlog: /, '')}\n`)
    return 2
  }
  const opener = new SealedText(keys, flags['key-store'] as string | undefined, { keys: 'the key file', store: '--key-store' })
  let failed = 0
  for (const file of operands.length === 0 ? [undefined] : operands) {
    const name = file ?? 'stdin'
    try {
      for await (const line of inputLines(file)) {
        // A line without a sealed value goes out as its bytes, whatever they are.
        let out: string | Buffer = line.ended ? Buffer.concat([line.bytes, LINE_FEED]) : line.bytes
        if (line.bytes.includes(SEALED_PREFIX)) {
          const text = line.bytes.toString('utf8')
          const opened = opener.line(text, (sealed, error) => {
            failed++
            process.stderr.write(`ringlog decrypt: ${recordName(name, line.number, text)}: ${sealed.slice(0, 40)}...: ${error.message}\n`)
          })
          out = line.ended ? `${opened}\n` : opened
        }
        if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once('drain', resolve))
      }
    } catch (error) {
      process.stderr.write(`ringlog decrypt: ${name}: ${(error as Error).message}\n`)
      return 2
    }
  }
  const { erased } = opener
  if (erased > 0) process.stderr.write(`ringlog decrypt: ${erased} ${erased === 1 ? 'value' : 'values'} of erased subjects left sealed\n`)
  return failed > 0 ? 1 : 0
}
