import { MAX_RECORD_SIZE, MAX_RECORD_VALUES } from './record-bounds.js'
import { describe, isError, messageText, safeGet, toPlain } from './serialize.js'

/**
 * How a log call's arguments become a record's message and fields, for the calls the logger's own
 * fast path does not take (more than two arguments, a message with `%` in it, a value that is
 * neither a message nor fields). pino is the reference: its printf specifiers and, in
 * `compat: 'pino'`, its handling of what is left over, exactly.
 */

export interface CallRecord {
  message: string | undefined
  /** Unprepared: the logger's serializers and limits apply next. */
  fields: object | undefined
}

const PERCENT = 37

/**
 * pino's interpolation (quick-format-unescaped): `%s %d %i %f %j %o %O %%`, where a missing
 * argument (or a null one for `%d %i %f`) leaves the specifier as written. Returns the text and
 * how many arguments the specifiers took.
 */
export function interpolate(template: string, args: readonly unknown[]): { text: string; used: number } {
  const count = args.length
  if (count === 0) return { text: template, used: 0 }
  let text = ''
  // As in pino, every `%` followed by a character moves to the next argument, a specifier or not.
  let a = 0
  let used = 0
  let lastPos = -1
  const length = template.length
  for (let i = 0; i < length; i++) {
    if (template.charCodeAt(i) !== PERCENT || i + 1 >= length) continue
    lastPos = lastPos > -1 ? lastPos : 0
    let piece: string | undefined
    // A specifier takes its argument even when it leaves itself as written: only what none names is left over.
    let names = a < count
    switch (template.charCodeAt(i + 1)) {
      case 100: // d
      case 102: // f
        if (names && args[a] != null) piece = String(numberOf(args[a]))
        break
      case 105: // i
        if (names && args[a] != null) piece = String(Math.floor(numberOf(args[a])))
        break
      case 79: // O
      case 111: // o
      case 106: // j
        if (names && args[a] !== undefined) piece = quoted(args[a])
        break
      case 115: // s
        if (names) piece = stringOf(args[a])
        break
      case PERCENT:
        piece = '%'
        names = false
        a--
        break
      default:
        names = false
    }
    if (piece !== undefined) {
      if (lastPos < i) text += template.slice(lastPos, i)
      text += piece
      lastPos = i + 2
      i++
    }
    if (names) used = a + 1
    a++
  }
  if (lastPos === -1) return { text: template, used }
  if (lastPos < length) text += template.slice(lastPos)
  return { text, used }
}

/** `%j %o %O`: a string quoted, a function by its name, anything else as JSON (cycles marked). */
function quoted(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return (value as { name?: string }).name || '<anonymous>'
  return json(value)
}

/** Number(value), NaN for what cannot be made one (a Symbol). */
function numberOf(value: unknown): number {
  try {
    return Number(value)
  } catch {
    return NaN
  }
}

/** `%s`: String(value), or what String() would throw on said instead. */
function stringOf(value: unknown): string {
  try {
    return String(value)
  } catch (error) {
    return `[String() threw: ${describe(error)}]`
  }
}

function json(value: unknown): string {
  try {
    return String(JSON.stringify(value))
  } catch {
    try {
      return String(JSON.stringify(toPlain(value, new Set(), 0, 10, { values: MAX_RECORD_VALUES, size: MAX_RECORD_SIZE })))
    } catch (error) {
      return `"[unable to serialize: ${describe(error)}]"`
    }
  }
}

/** Whether `value` is a plain object (`{...}`), false where asking throws. */
function isPlainObject(value: unknown): value is object {
  try {
    return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
  } catch {
    return false
  }
}

/**
 * A call of any shape. The first argument is the message, an Error (written as `err`) or the
 * fields; a message after an Error or fields comes next; the arguments after the message fill its
 * specifiers. What is left: in `compat: 'pino'`, dropped as pino does; otherwise nothing is lost:
 * the first Error becomes `err`, the first object is the fields if there are none yet, plain
 * objects after it are merged into them, and any other value but null and undefined is appended
 * to the message, as console.log does.
 */
export function callRecord(args: ArrayLike<unknown>, pino: boolean, prefix: string | undefined): CallRecord {
  const first = args[0]
  let fields: Record<string, unknown> | object | undefined
  let rest = 1
  if (isError(first)) fields = { err: first }
  else if (first !== null && typeof first === 'object') fields = first
  else rest = 0
  const template = args[rest]
  const tail = Array.prototype.slice.call(args, rest + 1) as unknown[]
  let message: string | undefined
  let used = 0
  if (typeof template === 'string') {
    // As in pino, the prefix is part of the template (a `%` in it is a specifier).
    ;({ text: message, used } = interpolate(prefix === undefined ? template : prefix + template, tail))
  } else if (template !== undefined && rest === 0) {
    // A value that is not a message (`log.info(42)`): its text, as the message.
    message = messageText(template)
  } else if (template !== undefined) {
    // A second argument that is not a message: left over like the rest.
    tail.unshift(template)
  }
  if (message === undefined && fields !== undefined) message = errorMessage(fields)
  if (pino || used === tail.length) return { message, fields }
  return leftOver(message, fields, tail.slice(used))
}

/** pino's message for fields without one: the Error's, or their `err`'s unless they have a `msg`. */
export function errorMessage(fields: object): string | undefined {
  if (isError(fields)) return messageText(safeGet(fields, 'message'))
  const err = safeGet(fields, 'err')
  if (!isError(err) || safeGet(fields, 'msg') !== undefined) return undefined
  return messageText(safeGet(err, 'message'))
}

function leftOver(message: string | undefined, fields: object | undefined, extra: readonly unknown[]): CallRecord {
  let merged: Record<string, unknown> | undefined
  const words: string[] = message === undefined ? [] : [message]
  let hasErr = fields !== undefined && safeGet(fields, 'err') !== undefined
  for (const value of extra) {
    // Nothing to lose: as the second argument of (message, fields?), null means no fields.
    if (value === null || value === undefined) continue
    if (isError(value) && !hasErr) {
      merged ??= ownFields(fields)
      merged.err = value
      hasErr = true
    } else if (fields === undefined && merged === undefined && typeof value === 'object') {
      // (message, fields) as the fast path reads it, whatever kind of object the fields are.
      fields = value
    } else if (isPlainObject(value)) {
      merged = Object.assign(merged ?? ownFields(fields), ownFields(value))
    } else {
      // An object as JSON, an Error (past the first) and anything else as String() gives it.
      words.push(typeof value === 'object' && !isError(value) ? json(value) : stringOf(value))
    }
  }
  return { message: words.length === 0 ? undefined : words.join(' '), fields: merged ?? fields }
}

/** The own fields of `fields` as a new object, each read on its own: a getter or a Proxy that throws is said in its place. */
function ownFields(fields: object | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (fields === undefined) return out
  try {
    for (const key of Object.keys(fields)) out[key] = safeGet(fields, key)
  } catch (error) {
    out.serializeError = describe(error)
  }
  return out
}
