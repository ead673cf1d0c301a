/**
 * Turns values msgpackr cannot pack, or packs without what a log reader needs, into plain data.
 * Runs on the calling thread and never throws.
 */

import { types } from 'node:util'
import { moreItems, truncateString } from './cut-marks.js'

const CIRCULAR = '[Circular]'
/** The most keys a map can have in a frame (msgpackr's 16-bit map size): an object with more is written as a marker. */
export const MAX_KEYS = 0xffff
/** A key longer than this (a hostile one: keys are names) is cut in a record over its limits. */
const MAX_KEY_LENGTH = 1024

/** pino's err shape: type, message, stack, then the error's own fields, then cause; within `budget` (src/record-bounds.ts). */
export function serializeError(error: Error, seen: Set<unknown>, budget: Budget): Record<string, unknown> {
  seen.add(error)
  const out: Record<string, unknown> = {
    type: errorType(error),
    message: cutString(String(safeGet(error, 'message') ?? ''), budget),
    stack: cutString(String(safeGet(error, 'stack') ?? ''), budget),
  }
  const next = (value: unknown): unknown => toPlain(value, seen, 1, 11, budget)
  const keys = Object.keys(error).filter((key) => key !== 'cause' && key !== 'errors')
  if (!spendKeys(keys.length, budget)) out.fields = tooManyKeys(keys.length)
  else for (const key of keys) out[cutKey(key, budget)] = next(safeGet(error, key))
  if (error instanceof AggregateError) {
    const errors = safeGet(error, 'errors')
    out.errors = Array.isArray(errors) ? items(errors, next, budget) : []
  }
  const cause = safeGet(error, 'cause')
  if (cause !== undefined) out.cause = next(cause)
  seen.delete(error)
  return out
}

function errorType(error: Error): string {
  const ctor = safeGet(error, 'constructor')
  const name = typeof ctor === 'function' && ctor.name ? ctor.name : safeGet(error, 'name')
  return typeof name === 'string' && name ? name : 'Error'
}

/** `value instanceof Error`, false where asking throws (a revoked Proxy). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/** The value of a property, or what a getter that throws says instead. */
export function safeGet(target: object, key: PropertyKey): unknown {
  try {
    return (target as Record<PropertyKey, unknown>)[key]
  } catch (error) {
    return `[Getter threw: ${describe(error)}]`
  }
}

/**
 * What a copy may still hold (src/record-bounds.ts): `values` counts keys, items and entries, `size`
 * characters of strings and bytes of binary data. Spent as the copy is made.
 */
export interface Budget {
  values: number
  size: number
}


/**
 * A copy of `value` made only of what msgpackr packs as data: used after a pack failed (a cycle,
 * a throwing getter, a Symbol value), for the values inside errors, and for a record over its
 * limits, cut where `budget` runs out. Gives what msgpackr's own pack would have given where it
 * can; an object with a toJSON() of its own or inherited (a URL, `{ toJSON() {...} }`) is what
 * toJSON() returns, as JSON.stringify has it: `toJSON` false for that result, whose own toJSON
 * JSON.stringify does not call.
 */
export function toPlain(value: unknown, seen: Set<unknown>, depth: number, maxDepth: number, budget: Budget, toJSON = true): unknown {
  switch (typeof value) {
    case 'string':
      return cutString(value, budget)
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return value
    case 'symbol':
      return value.toString()
    case 'function':
      return undefined
  }
  if (value === null) return null
  const object = value as object
  if (seen.has(object)) return CIRCULAR
  try {
    return plainObject(object, seen, depth, maxDepth, budget, toJSON)
  } catch (error) {
    // A Proxy whose traps throw, a revoked one: a marker in its own place, the fields around it kept.
    seen.delete(object)
    return `[unreadable: ${types.isProxy(object) ? 'Proxy' : describe(error)}]`
  }
}

function plainObject(object: object, seen: Set<unknown>, depth: number, maxDepth: number, budget: Budget, useToJSON: boolean): unknown {
  if (depth >= maxDepth) return Array.isArray(object) || object instanceof Set ? '[Array]' : '[Object]'
  // In full where the fast path writes errors in full (the top level of the fields, a cause, an
  // AggregateError's errors); deeper, as msgpackr carries them.
  if (object instanceof Error) return depth <= 1 ? serializeError(object, seen, budget) : briefError(object, seen, depth, maxDepth, budget)
  if (ArrayBuffer.isView(object)) return (budget.size -= object.byteLength) >= 0 ? object : `[too large: ${object.byteLength} bytes]`
  if (object instanceof Date || object instanceof RegExp) return object
  const toJSON = useToJSON ? safeGet(object, 'toJSON') : undefined
  if (typeof toJSON === 'function') {
    try {
      return toPlain(toJSON.call(object), seen, depth, maxDepth, budget, false)
    } catch (error) {
      return `[toJSON threw: ${describe(error)}]`
    }
  }
  seen.add(object)
  const next = (item: unknown): unknown => toPlain(item, seen, depth + 1, maxDepth, budget)
  let out: unknown
  if (Array.isArray(object) || object instanceof Set) {
    out = items(object, next, budget)
  } else if (object instanceof Map) {
    if (!spendKeys(object.size, budget)) out = tooManyKeys(object.size)
    else {
      const map: Record<string, unknown> = {}
      for (const [k, v] of object) map[cutKey(mapKey(k), budget)] = next(v)
      out = map
    }
  } else {
    const keys = Object.keys(object)
    if (!spendKeys(keys.length, budget)) out = tooManyKeys(keys.length)
    else {
      const plain: Record<string, unknown> = {}
      for (const key of keys) plain[cutKey(key, budget)] = next(safeGet(object, key))
      out = plain
    }
  }
  seen.delete(object)
  return out
}

/**
 * An array's or a Set's items as an array, each spending one of the budget's values and then what
 * it holds, until the budget runs out; then "... N more items".
 */
function items(list: unknown[] | Set<unknown>, next: (item: unknown) => unknown, budget: Budget): unknown[] {
  const length = Array.isArray(list) ? list.length : list.size
  const out: unknown[] = []
  if (Array.isArray(list)) {
    for (let i = 0; i < length && budget.values-- > 0; i++) out.push(next(list[i]))
  } else {
    for (const item of list) {
      if (budget.values-- <= 0) break
      out.push(next(item))
    }
  }
  if (out.length < length) out.push(moreItems(length - out.length))
  return out
}

/** A key, counted in the budget: whole, since a field without its name says nothing, unless longer than MAX_KEY_LENGTH. */
function cutKey(key: string, budget: Budget): string {
  budget.size -= key.length
  return truncateString(key, MAX_KEY_LENGTH)
}

/** The string, or as much of it as the budget allows. */
function cutString(value: string, budget: Budget): string {
  const left = Math.max(0, budget.size)
  budget.size -= value.length
  return truncateString(value, left)
}

/** Spends `count` keys of the budget; false, with nothing spent, when they are more than it has left (or than a frame's map holds). */
function spendKeys(count: number, budget: Budget): boolean {
  if (count > Math.min(MAX_KEYS, Math.max(0, budget.values))) return false
  budget.values -= count
  return true
}

function tooManyKeys(count: number): string {
  return `[too many keys: ${count}]`
}

/** An Error inside other data, written as msgpackr carries one: name, message, errors, cause. */
function briefError(error: Error, seen: Set<unknown>, depth: number, maxDepth: number, budget: Budget): Record<string, unknown> {
  seen.add(error)
  const out: Record<string, unknown> = { type: String(safeGet(error, 'name')), message: cutString(String(safeGet(error, 'message') ?? ''), budget) }
  if (error instanceof AggregateError) out.errors = toPlain(safeGet(error, 'errors'), seen, depth + 1, maxDepth, budget)
  const cause = safeGet(error, 'cause')
  if (cause !== undefined) out.cause = toPlain(cause, seen, depth + 1, maxDepth, budget)
  seen.delete(error)
  return out
}

/** A Map key as a field name: a string as it is, an object as its JSON text (as the formats write one). */
function mapKey(key: unknown): string {
  if (typeof key === 'string') return key
  if (typeof key !== 'object' || key === null) return String(key)
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return describe(key)
  }
}

/** What kind of failure: a system error's code (`ENOENT`), else the error's name, else 'Error'. */
export function errorCode(thrown: unknown): string {
  const code = (thrown as { code?: unknown } | null)?.code
  return code !== undefined ? String(code) : thrown instanceof Error ? thrown.name : 'Error'
}

/** What was thrown, as text, whatever it is: an Error's message, else String(); never throws itself. */
export function describe(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : String(thrown)
  } catch {
    return 'a value that cannot be shown'
  }
}

/** A value as text for the message of a record; never throws. */
export function messageText(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return String(value)
  } catch {
    return ''
  }
}
