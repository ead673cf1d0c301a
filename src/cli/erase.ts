import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { keyRing } from '../encryption/key-material.js'
import { deleteSalts } from '../encryption/subject-keys.js'

export const ERASE_USAGE = `usage: ringlog erase --key-file <file> --key-store <dir> <subject>...
  Crypto-shredding: deletes each subject's salt from the key store, under every key in the key
  file, so the values sealed for it (perSubject) can no longer be opened. No log file changes.
`

/** `ringlog erase`: the exit code (1 when a subject had no salt). */
export function erase(args: string[]): number {
  let parsed
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'key-file': { type: 'string' }, 'key-store': { type: 'string' }, help: { type: 'boolean' } } })
  } catch (error) {
    process.stderr.write(`ringlog erase: ${(error as Error).message}\n${ERASE_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(ERASE_USAGE)
    return 0
  }
  const keyFile = values['key-file']
  const store = values['key-store']
  if (keyFile === undefined || store === undefined || positionals.length === 0) {
    process.stderr.write(`ringlog erase: ${keyFile === undefined ? '--key-file' : store === undefined ? '--key-store' : 'a subject'} is needed\n${ERASE_USAGE}`)
    return 2
  }
  try {
    const masters = [...keyRing(`key file ${keyFile}`, readFileSync(keyFile, 'utf8')).values()]
    let missing = 0
    for (const subject of positionals) {
      const erased = deleteSalts(store, masters, subject)
      if (!erased) missing++
      process.stdout.write(`${erased ? 'erased' : 'no salt for'} ${JSON.stringify(subject)}\n`)
    }
    return missing > 0 ? 1 : 0
  } catch (error) {
    process.stderr.write(`ringlog erase: ${(error as Error).message.replace(/^ringlog: /, '')}\n`)
    return 2
  }
}
