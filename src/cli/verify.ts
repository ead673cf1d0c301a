import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { keyRing } from '../encryption/key-material.js'
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

function verifyKeys(values: { 'key-file'?: string; 'public-key'?: string }): VerifyKeys {
  const keys: VerifyKeys = {}
  if (values['key-file'] !== undefined) keys.hmac = keyRing(`key file ${values['key-file']}`, readFileSync(values['key-file'], 'utf8'))
  if (values['public-key'] !== undefined) {
    let key: KeyObject
    try {
      key = createPublicKey(readFileSync(values['public-key'], 'utf8'))
    } catch (error) {
      throw new Error(`--public-key ${values['public-key']}: not a public key in PEM (${(error as Error).message})`)
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`--public-key ${values['public-key']}: an ${key.asymmetricKeyType} key; an Ed25519 one is needed`)
    keys.publicKey = key
  }
  return keys
}

/** `ringlog verify`: the exit code. */
export async function verifyCommand(args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'key-file': { type: 'string' }, 'public-key': { type: 'string' }, open: { type: 'boolean' }, help: { type: 'boolean' } } })
  } catch (error) {
    process.stderr.write(`ringlog verify: ${(error as Error).message}\n${VERIFY_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(VERIFY_USAGE)
    return 0
  }
  if ((values['key-file'] === undefined && values['public-key'] === undefined) || positionals.length === 0) {
    process.stderr.write(`ringlog verify: ${positionals.length === 0 ? 'no file given' : '--key-file or --public-key is needed'}\n${VERIFY_USAGE}`)
    return 2
  }
  let verified: Verified
  try {
    verified = await verifyFiles(positionals, verifyKeys(values), values.open === true)
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
