import { createPublicKey, type KeyObject } from 'node:crypto'
import { keyBytes, keyId } from '../encryption/key-material.js'
import { invalid } from '../validate.js'
import type { VerifyKeys } from './checkpoint.js'
import { verifyFiles, type Verified } from './verify-files.js'

/** What verifyLogs() checks with. */
export interface VerifyOptions {
  /** The HMAC keys by id (`integrity.key` under `integrity.keyId`, 'k1' by default). */
  keys?: Record<string, string | Uint8Array>
  /** The Ed25519 public key of `integrity.privateKey`: PEM, or a KeyObject. */
  publicKey?: string | KeyObject
  /** The newest file may end with lines no checkpoint seals yet (it is still being written). @default false */
  open?: boolean
}

export type { Verified }

/**
 * Checks the checkpoints of a file sink with `integrity` through its files, rotated and gzipped
 * ones too, in the chain's order (`ringlog verify`): `{ ok: true, lines, checkpoints, files }`, or
 * the first problem: `{ ok: false, file, line, message }`. Throws for a file that cannot be read.
 */
export function verifyLogs(files: readonly string[], options: VerifyOptions): Promise<Verified> {
  if (!Array.isArray(files) || files.length === 0 || files.some((file) => typeof file !== 'string')) invalid('verifyLogs files', files, 'a non-empty array of paths')
  const keys: VerifyKeys = {}
  if (options?.keys !== undefined) keys.hmac = new Map(Object.entries(options.keys).map(([id, key]) => [keyId(`verifyLogs keys.${id}`, id), keyBytes(`verifyLogs keys.${id}`, key)]))
  if (options?.publicKey !== undefined) {
    const key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey
    if (key.asymmetricKeyType !== 'ed25519') invalid('verifyLogs publicKey', key.asymmetricKeyType, 'an Ed25519 public key')
    keys.publicKey = key
  }
  if (keys.hmac === undefined && keys.publicKey === undefined) invalid('verifyLogs options', `(hidden: ${Object.keys(options ?? {}).join(', ') || 'no keys'})`, '{ keys } or { publicKey }')
  return verifyFiles(files, keys, options.open === true)
}
