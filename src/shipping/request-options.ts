import { invalid, type Where } from '../validate.js'

// RFC 9110's token, and the characters Node lets into a header's value.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Headers sent with every request of an HTTP sink (authorization, an API key), checked as Node would refuse them. */
export function headers(where: Where, value: unknown): Record<string, string> {
  const expected = 'an object of header names and text values'
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, expected)
  const out: Record<string, string> = {}
  for (const [name, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) invalid(where, name, 'header names of letters, digits and !#$%&\'*+.^_`|~-')
    if (typeof text !== 'string' || !HEADER_VALUE.test(text)) invalid(`${where}[${JSON.stringify(name)}]`, text, 'text without line breaks or control characters')
    out[name] = text
  }
  return out
}

/** Whether to gzip request bodies. */
export function compression(where: Where, value: unknown): boolean {
  if (value === undefined || value === 'none' || value === false) return false
  return value === 'gzip' ? true : invalid(where, value, "'gzip', 'none' or false")
}
