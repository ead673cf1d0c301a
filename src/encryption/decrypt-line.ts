import { invalid } from '../validate.js'
import { SEALED_PREFIX } from './field-cipher.js'
import { keyBytes, keyId } from './key-material.js'
import { SealedText } from './sealed-text.js'

/** The keys decryptLine() opens values with. */
export interface DecryptOptions {
  /** The keys by id: every id the values were sealed under (`encrypt.keyId`). */
  keys: Record<string, string | Uint8Array>
  /** `encrypt.keyStore`, for values sealed per subject. */
  keyStore?: string
}

/**
 * A log line with the values the `encrypt` option sealed opened again, in place (`ringlog decrypt`
 * line by line). Throws an Error naming the value that cannot be opened (wrong key, changed, cut);
 * a value of an erased subject stays sealed.
 */
export function decryptLine(line: string, options: DecryptOptions): string {
  if (typeof line !== 'string') invalid('decryptLine line', line, 'a log line (a string)')
  if (!line.includes(SEALED_PREFIX)) return line
  const given = options?.keys
  if (given === null || typeof given !== 'object') invalid('decryptLine keys', given, "the keys by id, like { k1: '<base64>' }")
  const keys = new Map(Object.entries(given).map(([id, key]) => [keyId(`decryptLine keys.${id}`, id), keyBytes(`decryptLine keys.${id}`, key)]))
  const text = new SealedText(keys, options.keyStore, { keys: 'options.keys', store: 'options.keyStore' })
  return text.line(line, (sealed, error) => {
    throw new Error(`ringlog: cannot open ${sealed.slice(0, 40)}...: ${error.message}`)
  })
}
