import { createPrivateKey } from 'node:crypto'
import { keyBytes, keyId } from '../encryption/key-material.js'
import { parseDuration } from '../units.js'
import { invalid, optionFields, type Where } from '../validate.js'

/** `integrity` of a file sink: tamper evidence by checkpoints (see docs/security.md). */
export interface IntegrityOption {
  /** An HMAC-SHA-256 key, 32 bytes: a Uint8Array, base64 or hex. */
  key?: string | Uint8Array
  /** Or an Ed25519 private key (PEM): checkpoints are signed, and verified with the public key. */
  privateKey?: string
  /** Written in each checkpoint, so a key file with several keys verifies each with its own. @default 'k1' */
  keyId?: string
  /** A checkpoint after this many lines at most. @default 10000 */
  checkpointLines?: number
  /** A checkpoint at the first write this long after the block's first line. @default '10s' */
  checkpointInterval?: number | string
}

/** As the worker takes it. */
export interface IntegrityConfig {
  kid: string
  alg: 'hmac-sha256' | 'ed25519'
  /** base64 of the HMAC key, or the private key's PEM. */
  key: string
  lines: number
  intervalMs: number
}

const KEYS = ['key', 'privateKey', 'keyId', 'checkpointLines', 'checkpointInterval']

export function integrityOption(where: Where, value: unknown): IntegrityConfig | undefined {
  if (value === undefined) return undefined
  // A key given where the object goes, or under a misspelt name, is never shown.
  const fields = optionFields(where, typeof value === 'string' ? '(hidden)' : value, KEYS, '{ key } (HMAC) or { privateKey } (Ed25519)', true)
  const kid = fields.keyId === undefined ? 'k1' : keyId(`${where}.keyId`, fields.keyId)
  const lines = fields.checkpointLines ?? 10_000
  if (!Number.isSafeInteger(lines) || (lines as number) < 1) invalid(`${where}.checkpointLines`, lines, 'a whole number of lines, 1 or more')
  const intervalMs = fields.checkpointInterval === undefined ? 10_000 : parseDuration(`${where}.checkpointInterval`, fields.checkpointInterval)
  const common = { kid, lines: lines as number, intervalMs }
  if (fields.key !== undefined && fields.privateKey !== undefined) invalid(`${where}.privateKey`, '(hidden)', 'either key or privateKey, not both')
  if (fields.key !== undefined) return { ...common, alg: 'hmac-sha256', key: keyBytes(`${where}.key`, fields.key).toString('base64') }
  if (fields.privateKey === undefined) return invalid(`${where}.key`, undefined, 'an HMAC key (32 bytes), or privateKey: an Ed25519 private key in PEM')
  const pem = fields.privateKey
  let type: string | undefined
  try {
    type = typeof pem === 'string' ? createPrivateKey(pem).asymmetricKeyType : undefined
  } catch {
    type = undefined
  }
  if (type !== 'ed25519') return invalid(`${where}.privateKey`, '(hidden)', `an Ed25519 private key in PEM${type === undefined ? '' : ` (this one is ${type})`}`)
  return { ...common, alg: 'ed25519', key: pem as string }
}
