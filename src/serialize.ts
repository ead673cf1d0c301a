/**
 * Turns values msgpackr cannot pack, or packs without what a log reader needs, into plain data.
 * Runs on the calling thread and never throws.
 */

import { types } from 'node:util'

const CIRCULAR = '[Circular]'
/** The most keys a map can have in a frame (msgpackr's 16-bit map size): an object with more is written as a marker. */
export const MAX_KEYS = 0xffff

/** pino's err shape: type, message, stack, then the error's own fields, then cause. */
export function serializeError(error: Error, seen: Set<unknown> = new Set()): Record<string, unknown> {
  seen.add(error)
  const out: Record<string, unknown> = {
    type: errorType(error),
    message: String(safeGet(error, 'message') ?? ''),
    stack: String(safeGet(error, 'stack') ?? ''),
  }
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'errors') continue
    out[key] = toPlain(safeGet(error, key), seen, 1)
  }
  if (error instanceof AggregateError) {
    out.errors = Array.isArray(error.errors) ? error.errors.map((e) => toPlain(e, seen, 1)) : []
  }
  const cause = safeGet(error, 'cause')
  if (cause !== undefined) out.cause = toPlain(cause, seen, 1)
  seen.delete(error)
  return out
}

function errorType(error: Error): string {
  const ctor = safeGet(error, 'constructor')
  const name = typeof ctor === 'function' && ctor.name ? ctor.name : safeGet(error, 'name')
  return typeof name === 'string' && name ? name : 'Error'
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
 * A copy of `value` made only of what msgpackr packs as data: used after a pack failed (a cycle,
 * a throwing getter, a Symbol value) and for the values inside errors. Gives what msgpackr's own
 * pack would have given where it can: a class instance with toJSON (a URL) is its toJSON().
 */
export function toPlain(value: unknown, seen: Set<unknown> = new Set(), depth = 0, maxDepth = 11): unknown {
  switch (typeof value) {
    case 'string':
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
    return plainObject(object, seen, depth, maxDepth)
  } catch (error) {
    // A Proxy whose traps throw, a revoked one: a marker in its own place, the fields around it kept.
    seen.delete(object)
    return `[unreadable: ${types.isProxy(object) ? 'Proxy' : describe(error)}]`
  }
}

function plainObject(object: object, seen: Set<unknown>, depth: number, maxDepth: number): unknown {
  if (depth >= maxDepth) return Array.isArray(object) || object instanceof Set ? '[Array]' : '[Object]'
  // In full where the fast path writes errors in full (the top level of the fields, a cause, an
  // AggregateError's errors); deeper, as msgpackr carries them.
  if (object instanceof Error) return depth <= 1 ? serializeError(object, seen) : briefError(object, seen, depth, maxDepth)
  if (object instanceof Date || ArrayBuffer.isView(object) || object instanceof RegExp) return object
  const toJSON = safeGet(object, 'toJSON')
  if (typeof toJSON === 'function') {
    try {
      return toPlain(toJSON.call(object), seen, depth, maxDepth)
    } catch (error) {
      return `[toJSON threw: ${describe(error)}]`
    }
  }
  seen.add(object)
  let out: unknown
  if (Array.isArray(object)) {
    out = object.map((item) => toPlain(item, seen, depth + 1, maxDepth))
  } else if (object instanceof Map) {
    if (object.size > MAX_KEYS) out = tooManyKeys(object.size)
    else {
      const map: Record<string, unknown> = {}
      for (const [k, v] of object) map[String(k)] = toPlain(v, seen, depth + 1, maxDepth)
      out = map
    }
  } else if (object instanceof Set) {
    out = Array.from(object, (item) => toPlain(item, seen, depth + 1, maxDepth))
  } else {
    const keys = Object.keys(object)
    if (keys.length > MAX_KEYS) out = tooManyKeys(keys.length)
    else {
      const plain: Record<string, unknown> = {}
      for (const key of keys) plain[key] = toPlain(safeGet(object, key), seen, depth + 1, maxDepth)
      out = plain
    }
  }
  seen.delete(object)
  return out
}

function tooManyKeys(count: number): string {
  return `[too many keys: ${count}]`
}

/** An Error inside other data, written as msgpackr carries one: name, message, errors, cause. */
function briefError(error: Error, seen: Set<unknown>, depth: number, maxDepth: number): Record<string, unknown> {
  seen.add(error)
  const out: Record<string, unknown> = { type: String(safeGet(error, 'name')), message: String(safeGet(error, 'message') ?? '') }
  if (error instanceof AggregateError) out.errors = toPlain(safeGet(error, 'errors'), seen, depth + 1, maxDepth)
  const cause = safeGet(error, 'cause')
  if (cause !== undefined) out.cause = toPlain(cause, seen, depth + 1, maxDepth)
  seen.delete(error)
  return out
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
