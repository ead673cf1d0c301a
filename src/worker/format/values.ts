/**
 * Plain data, what every format is given to write (PlainDecoder makes it from msgpack), the size
 * limits, and the ways plain data is written as JSON and as text.
 */

/** Plain data: what a format is given to write. */
export type Plain = string | number | boolean | bigint | null | Plain[] | PlainObject
export interface PlainObject {
  [key: string]: Plain
}

export interface Limits {
  /** Objects and arrays nested more than this many levels inside the record's fields become "[Object]" / "[Array]". */
  maxDepth: number
  /** Longer strings are cut to this many characters and say how many were left out. */
  maxStringLength: number
  /** Longer arrays keep this many items and end with one saying how many were left out. */
  maxArrayLength: number
}

// Shared with the calling thread, which cuts a record over its limits the same way.
export { moreItems, truncateString } from '../../cut-marks.js'

export const DEEP_OBJECT = '[Object]'
export const DEEP_ARRAY = '[Array]'

/** JSON text of a plain value: bigints as their digits, NaN and Infinity as null; a Date kept by a decoder (keepDates) as the formats write it. */
export function plainJson(value: Plain): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'number': return Number.isFinite(value) ? String(value) : 'null'
    case 'bigint': return value.toString()
    case 'boolean': return value ? 'true' : 'false'
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) return `[${value.map(plainJson).join(',')}]`
  if ((value as unknown) instanceof Date) {
    const time = (value as unknown as Date).getTime()
    return Number.isNaN(time) ? 'null' : `"${new Date(time).toISOString()}"`
  }
  return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${plainJson(value[key])}`).join(',')}}`
}

/** A plain value as text in a line of text, logfmt or csv: strings as they are, containers as JSON. */
export function plainText(value: Plain): string {
  switch (typeof value) {
    case 'string': return value
    case 'number': case 'bigint': case 'boolean': return String(value)
  }
  return value === null ? 'null' : plainJson(value)
}

/** Calls `emit` for every leaf of `fields`, nested objects flattened into dotted keys. */
export function flatten(fields: PlainObject, emit: (key: string, value: Plain) => void, prefix = ''): void {
  for (const key of Object.keys(fields)) {
    const value = fields[key]
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      flatten(value, emit, `${prefix}${key}.`)
    } else {
      emit(prefix + key, value)
    }
  }
}
