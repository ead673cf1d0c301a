import { readFileSync } from 'node:fs'
import { keyRing } from '../encryption/key-material.js'
import { deleteSalts } from '../encryption/subject-keys.js'
import { commandArgs, usageError } from './command-args.js'

export const ERASE_USAGE = `usage: ringlog erase --key-file <file> --key-store <dir> <subject>...
  Crypto-shredding: deletes each subject's salt from the key store, under every key in the key
  file, so the values sealed for it (perSubject) can no longer be opened. No log file changes.
`

/** `ringlog erase`: the exit code (1 when a subject had no salt). */
export function erase(args: string[]): number {
  const parsed = commandArgs('erase', ERASE_USAGE, args, ['key-file', 'key-store'])
  if (typeof parsed === 'number') return parsed
  const { flags, operands } = parsed
  const keyFile = flags['key-file'] as string | undefined
  const store = flags['key-store'] as string | undefined
  if (keyFile === undefined || store === undefined || operands.length === 0) {
    return usageError('erase', ERASE_USAGE, `${keyFile === undefined ? '--key-file' : store === undefined ? '--key-store' : 'a subject'} is needed`)
  }
  try {
    const masters = [...keyRing(`key file ${keyFile}`, readFileSync(keyFile, 'utf8')).values()]
    let missing = 0
    for (const subject of operands) {
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
