import type { Writable } from 'node:stream'
import type { LevelTable } from './levels.js'
import { isPowerOfTwo, MAX_RING_BYTES, MIN_RING_BYTES } from './ring.js'
import { isWritable } from './stream-sinks.js'

/** Where records go: 'stdout', 'stderr', a file path (appended to, parent directories made) or a file descriptor. */
export type Destination = 'stdout' | 'stderr' | string | number

/** Where a bad value came from: `option level`, `environment variable LOG_LEVEL`. */
export type Where = string

/** A value as it was written, for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return String(value)
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Throws the error every bad option or variable gets: what, the value, what was expected. */
export function invalid(where: Where, value: unknown, expected: string): never {
  throw new TypeError(`ringlog: invalid ${where}: ${show(value)}; expected ${expected}`)
}

/** One of the given strings. */
/**
 * An options object's fields: `value` must be an object (not an array) with no key but `keys`.
 * `hidden`: a misspelt key's value is not shown in the error (a misspelt `key` holds a key).
 */
export function optionFields(where: Where, value: unknown, keys: readonly string[], expected: string, hidden = false): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, expected)
  const fields = value as Record<string, unknown>
  for (const key of Object.keys(fields)) if (!keys.includes(key)) invalid(`${where}.${key}`, hidden ? '(hidden)' : fields[key], `one of ${keys.join(', ')}`)
  return fields
}

export function choice<T extends string>(where: Where, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T
  return invalid(where, value, `one of ${choices.map((c) => `'${c}'`).join(', ')}`)
}

export function flag(where: Where, value: unknown): boolean {
  if (typeof value === 'boolean') return value
  return invalid(where, value, 'true or false')
}

/** A level name known to the table, or 'silent'. */
export function levelName(where: Where, value: unknown, table: LevelTable): string {
  if (typeof value === 'string' && table.has(value)) return value
  return invalid(where, value, `one of ${[...Object.keys(table.values), 'silent'].map((c) => `'${c}'`).join(', ')}`)
}

/** @param shown the value as the user wrote it, when `value` was converted from it (`"8M"`). */
export function bufferSize(where: Where, value: unknown, shown: unknown = value): number {
  if (typeof value === 'number' && isPowerOfTwo(value) && value >= MIN_RING_BYTES && value <= MAX_RING_BYTES) return value
  let hint = ''
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const clamped = Math.min(Math.max(value, MIN_RING_BYTES), MAX_RING_BYTES)
    const lower = 2 ** Math.floor(Math.log2(clamped))
    hint = lower === clamped ? '' : ` (for example ${lower} or ${Math.min(lower * 2, MAX_RING_BYTES)})`
  }
  return invalid(where, shown, `a power of two from ${MIN_RING_BYTES} to ${MAX_RING_BYTES} bytes${hint}`)
}

/** A destination; given a value that is not text or a number, also a Writable of this thread (a stream sink). */
export function destination(where: Where, value: string | number): Destination
export function destination(where: Where, value: unknown): Destination | Writable
export function destination(where: Where, value: unknown): Destination | Writable {
  if (typeof value === 'string' && value.length > 0) return value
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
  // pino takes the streams themselves: the same descriptors, written by the worker.
  if (value === process.stdout) return 'stdout'
  if (value === process.stderr) return 'stderr'
  if (isWritable(value)) return value
  const expected = "'stdout', 'stderr', process.stdout, process.stderr, a Writable stream, a file path or a file descriptor number"
  // Something with a write() that is not a Writable is named, not dumped: its fields can run to pages.
  if (value !== null && typeof value === 'object' && typeof (value as { write?: unknown }).write === 'function') {
    return invalid(where, `a ${value.constructor?.name ?? 'stream'}`, `${expected} (a stream must be a Node Writable: its write callbacks tell what was written)`)
  }
  return invalid(where, value, expected)
}
