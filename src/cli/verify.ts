import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { keyRing } from '../encryption/key-material.js'
import { commandArgs, usageError } from './command-args.js'
import type { VerifyKeys } from '../integrity/checkpoint.js'
import { verifyFiles, type Verified } from '../integrity/verify-files.js'

export const VERIFY_USAGE = `usage: ringlog verify (--key-file <file> | --public-key <pem>) [--open] <file>...
  Checks the checkpoints a file sink with integrity wrote, through the file and the files it
  rotated into (gzip read as it is), in the chain's order whatever the order given. Prints the
  first line that was changed, removed, inserted or reordered, or a missing file, and exits 1;
  exits 0 when everything holds. The key file holds the HMAC keys by id (a JSON object or lines
  <key id>:<key>); --public-key is the Ed25519 public key of a privateKey. --open accepts lines
  after the last checkpoint of the newest file (a file still being written).
`

function verifyKeys(keyFile: string | undefined, publicKey: string | undefined): VerifyKeys {
  const keys: VerifyKeys = {}
  if (keyFile !== undefined) keys.hmac = keyRing(`key file ${keyFile}`, readFileSync(keyFile, 'utf8'))
  if (publicKey !== undefined) {
    let key: KeyObject
    try {
      key = createPublicKey(readFileSync(publicKey, 'utf8'))
    } catch (error) {
      throw new Error(`--public-key ${publicKey}: not a public key in PEM (${(error as Error).message})`)
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`--public-key ${publicKey}: an ${key.asymmetricKeyType} key; an Ed25519 one is needed`)
    keys.publicKey = key
  }
  return keys
}

/** `ringlog verify`: the exit code. */
export async function verifyCommand(args: string[]): Promise<number> {
  const parsed = commandArgs('verify', VERIFY_USAGE, args, ['key-file', 'public-key'], ['open'])
  if (typeof parsed === 'number') return parsed
  const { flags, operands } = parsed
  const keyFile = flags['key-file'] as string | undefined
  const publicKey = flags['public-key'] as string | undefined
  if ((keyFile === undefined && publicKey === undefined) || operands.length === 0) {
    return usageError('verify', VERIFY_USAGE, operands.length === 0 ? 'no file given' : '--key-file or --public-key is needed')
  }
  let verified: Verified
  try {
    verified = await verifyFiles(operands, verifyKeys(keyFile, publicKey), flags.open === true)
  } catch (error) {
    process.stderr.write(`ringlog verify: ${(error as Error).message.replace(/^ringlog: /, '')}\n`)
    return 2
  }
  if (!verified.ok) {
    process.stdout.write(`${verified.file}:${verified.line}: ${verified.message}\n`)
    return 1
  }
  const { lines, checkpoints, files } = verified
  process.stdout.write(`verified: ${lines} lines, ${checkpoints} checkpoints, ${files.length} ${files.length === 1 ? 'file' : 'files'} (${files.join(', ')})\n`)
  return 0
}
