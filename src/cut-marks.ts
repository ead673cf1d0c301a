import { SEALED_PREFIX } from './encryption/field-cipher.js'

/**
 * How a value cut to a limit says so: the same words whether the calling thread cut it (a record
 * over maxRecordValues or maxRecordSize, src/record-bounds.ts) or a format did (maxStringLength,
 * maxArrayLength).
 */

export function truncateString(s: string, max: number): string {
  // A sealed value (the encrypt option) is never cut: cut, it could not be opened again.
  if (s.length <= max || s.startsWith(SEALED_PREFIX)) return s
  // Do not cut a surrogate pair in half.
  const cut = max > 0 && s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) < 0xdc00 ? max - 1 : max
  return `${s.slice(0, cut)}... [${s.length - cut} more characters]`
}

export function moreItems(count: number): string {
  return `... ${count} more item${count === 1 ? '' : 's'}`
}
