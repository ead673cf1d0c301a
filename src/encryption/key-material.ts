import { invalid, type Where } from '../validate.js'
import { KEY_BYTES, KEY_ID } from './field-cipher.js'

const A_KEY = `${KEY_BYTES} bytes: a Uint8Array, base64 (44 characters) or hex (64 characters)`

/** An AES-256 key from options, a variable or a key file: its bytes. A bad one is shown by its kind and length, never its text. */
export function keyBytes(where: Where, value: unknown): Buffer {
  if (value instanceof Uint8Array) {
    if (value.length === KEY_BYTES) return Buffer.from(value)
    return invalid(where, `(hidden: ${value.length} bytes)`, A_KEY)
  }
  if (typeof value !== 'string') return invalid(where, value === null || typeof value !== 'object' ? typeof value : 'an object', A_KEY)
  const text = value.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text) ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64')
      : undefined
  if (bytes === undefined || bytes.length !== KEY_BYTES) return invalid(where, `(hidden: ${text.length} characters)`, A_KEY)
  return bytes
}

export function keyId(where: Where, value: unknown): string {
  if (typeof value === 'string' && KEY_ID.test(value)) return value
  return invalid(where, value, "a key id: 1 to 64 letters, digits, '_', '-' or '.'")
}

/**
 * Keys by id from the text of a key file or variable: a JSON object `{ "<key id>": "<key>", ... }`,
 * or lines `<key id>:<key>` (a single bare key is id 'k1').
 */
export function keyRing(where: Where, text: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>()
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      return invalid(where, '(hidden: not JSON)', 'a JSON object of key ids to keys, or lines <key id>:<key>')
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return invalid(where, '(hidden)', 'a JSON object of key ids to keys')
    for (const [id, key] of Object.entries(parsed)) keys.set(keyId(`${where}: key id`, id), keyBytes(`${where}: key '${id}'`, key))
  } else {
    for (const line of trimmed.split(/\r?\n/)) {
      if (line.trim() === '' || line.startsWith('#')) continue
      const colon = line.indexOf(':')
      const id = colon < 0 ? 'k1' : line.slice(0, colon).trim()
      keys.set(keyId(`${where}: key id`, id), keyBytes(`${where}: key '${id}'`, colon < 0 ? line : line.slice(colon + 1)))
    }
  }
  if (keys.size === 0) return invalid(where, '(empty)', 'at least one key')
  return keys
}
