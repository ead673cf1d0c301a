import { keyString } from './msgpack.js'

/**
 * What every format writes for each kind of value, decided once here. The worker sees values as
 * msgpackr decodes them; they become plain data: strings, numbers, booleans, bigints, null,
 * arrays and objects, with the size limits applied.
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

export const DEEP_OBJECT = '[Object]'
export const DEEP_ARRAY = '[Array]'

export function truncateString(s: string, max: number): string {
  if (s.length <= max) return s
  // Do not cut a surrogate pair in half.
  const cut = max > 0 && s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) < 0xdc00 ? max - 1 : max
  return `${s.slice(0, cut)}... [${s.length - cut} more characters]`
}

export function moreItems(count: number): string {
  return `... ${count} more item${count === 1 ? '' : 's'}`
}

/** Plain data for `value` at nesting level `depth`; undefined for what is left out (undefined, functions). */
export function normalize(value: unknown, limits: Limits, depth: number): Plain | undefined {
  switch (typeof value) {
    case 'string':
      return truncateString(value, limits.maxStringLength)
    case 'number':
    case 'boolean':
    case 'bigint':
      return value
    case 'symbol':
      return value.toString()
    case 'undefined':
    case 'function':
      return undefined
  }
  if (value === null) return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (value instanceof RegExp) return String(value)
  const container = Array.isArray(value) || value instanceof Set || ArrayBuffer.isView(value) || value instanceof ArrayBuffer
  if (depth > limits.maxDepth) return container ? DEEP_ARRAY : DEEP_OBJECT
  if (Buffer.isBuffer(value)) return { type: 'Buffer', data: items(Array.from(value), limits, depth + 1) }
  if (container) return items(Array.from(iterable(value)), limits, depth)
  if (value instanceof Error) return errorObject(value, limits, depth)
  if (value instanceof Map) {
    const out: PlainObject = {}
    for (const [k, v] of value) put(out, keyString(k), normalize(v, limits, depth + 1))
    return out
  }
  const out: PlainObject = {}
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) put(out, key, normalize(object[key], limits, depth + 1))
  return out
}

/** The fields of a record: an object's entries, anything else as `value`. */
export function normalizeFields(value: unknown, limits: Limits): PlainObject {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const plain = normalize(value, limits, 0)
    if (plain !== null && typeof plain === 'object' && !Array.isArray(plain)) return plain
  }
  const out: PlainObject = {}
  put(out, 'value', normalize(value, limits, 1))
  return out
}

function iterable(value: object): Iterable<unknown> {
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return value as Iterable<unknown>
}

function items(list: unknown[], limits: Limits, depth: number): Plain[] {
  const n = Math.min(list.length, limits.maxArrayLength)
  const out: Plain[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = normalize(list[i], limits, depth + 1) ?? null
  if (list.length > n) out.push(moreItems(list.length - n))
  return out
}

function put(out: PlainObject, key: string, value: Plain | undefined): void {
  if (value !== undefined) out[key] = value
}

/**
 * An Error below the top level of the fields (the calling thread serializes the ones at the top
 * level in full): msgpackr carries its name, message, cause and, for AggregateError, errors.
 */
function errorObject(error: Error, limits: Limits, depth: number): PlainObject {
  const out: PlainObject = { type: truncateString(error.name, limits.maxStringLength), message: truncateString(error.message, limits.maxStringLength) }
  if (error instanceof AggregateError && Array.isArray(error.errors)) put(out, 'errors', normalize(error.errors, limits, depth + 1))
  put(out, 'cause', normalize(error.cause, limits, depth + 1))
  return out
}

/** JSON text of a plain value: bigints as their digits, NaN and Infinity as null. */
export function plainJson(value: Plain): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'number': return Number.isFinite(value) ? String(value) : 'null'
    case 'bigint': return value.toString()
    case 'boolean': return value ? 'true' : 'false'
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) return `[${value.map(plainJson).join(',')}]`
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
