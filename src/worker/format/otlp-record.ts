/**
 * What OTLP's two encodings (otlp-protobuf.ts, otlp-json.ts) make of a record alike: its severity
 * number, its times in nanoseconds, which numbers are ints, and its trace context, taken out of its
 * fields.
 */
import type { FormatOptions } from './format.js'
import type { Plain, PlainObject } from './values.js'

/**
 * A level on OpenTelemetry's severity scale (1-24, six ranges of four): pino's numbers, which
 * ringlog's are, land at the start of a range (trace 10 → 1, debug 20 → 5, info 30 → 9, warn 40
 * → 13, error 50 → 17, fatal 60 → 21), one step of the scale is 2.5 of pino's, so a custom level
 * between two standard ones falls in the lower one's range (35 → 11, INFO3); below 10 is 1, from
 * 67.5 up 24.
 */
export function severityNumber(level: number): number {
  return Math.min(24, Math.max(1, 1 + Math.floor(((level - 10) * 2) / 5)))
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const TWO_63 = 2 ** 63

/**
 * Whether a number is written as an AnyValue's int_value: an integer in int64's range, as
 * OpenTelemetry's SDK has it (2 ** 60 is an int, exactly). Other numbers are doubles; a bigint
 * beyond int64 is written as its digits, a string.
 */
export function isInt64(value: number | bigint): boolean {
  return typeof value === 'number' ? Number.isInteger(value) && value >= -TWO_63 && value < TWO_63 : value >= INT64_MIN && value <= INT64_MAX
}

/** An integer's exact digits: String() writes those beyond 2^53 in exponent form or rounded. */
export function integerDigits(value: number | bigint): string {
  return typeof value === 'number' && !Number.isSafeInteger(value) ? BigInt(value).toString() : String(value)
}

/** Milliseconds since the epoch as nanoseconds, OTLP's times; a time before 1970 as 1970, which unsigned times cannot go below. */
export function unixNanos(ms: number): bigint {
  if (!(ms > 0)) return 0n
  const whole = Math.floor(ms)
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))
}

/** A record's trace context, lower-case hex; what a record does not have is undefined. */
export interface TraceContext {
  traceId: string | undefined
  spanId: string | undefined
  flags: number | undefined
}

/** A record's fields split: its trace context, and the rest, its attributes. */
export interface SplitFields {
  trace: TraceContext
  attributes: PlainObject
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/
const SPAN_ID = /^[0-9a-fA-F]{16}$/
const FLAGS = /^[0-9a-fA-F]{1,2}$/
const ZEROS = /^0+$/

function id(pattern: RegExp): (value: Plain) => string | undefined {
  return (value) => (typeof value === 'string' && pattern.test(value) && !ZEROS.test(value) ? value.toLowerCase() : undefined)
}

/** W3C trace flags: a number from 0 to 255, or its hex text (`'01'`, as OpenTelemetry's instrumentation of pino writes it). */
function flags(value: Plain): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0xff ? value : undefined
  return typeof value === 'string' && FLAGS.test(value) ? parseInt(value, 16) : undefined
}

/** The first of `keys` whose value `read` takes, and what it made of it. */
function take<T>(fields: PlainObject, keys: readonly string[], read: (value: Plain) => T | undefined): { key: string; value: T } | undefined {
  for (const key of keys) {
    if (!Object.hasOwn(fields, key)) continue
    const value = read(fields[key])
    if (value !== undefined) return { key, value }
  }
  return undefined
}

const traceId = id(TRACE_ID)
const spanId = id(SPAN_ID)

/**
 * Takes a record's trace context out of its top-level fields. Of `trace_id` and `traceId` (the
 * first is what OpenTelemetry's instrumentations of pino, winston and bunyan write), the first
 * with a valid value is the trace id and is not an attribute; the other, and a value that is not
 * valid (not hex of the right length, all zeros), stays an attribute. Likewise `span_id`/`spanId`
 * and `trace_flags`/`traceFlags`.
 */
export function splitFields(fields: PlainObject): SplitFields {
  const trace = take(fields, ['trace_id', 'traceId'], traceId)
  const span = take(fields, ['span_id', 'spanId'], spanId)
  const flag = take(fields, ['trace_flags', 'traceFlags'], flags)
  const context = { traceId: trace?.value, spanId: span?.value, flags: flag?.value }
  if (trace === undefined && span === undefined && flag === undefined) return { trace: context, attributes: fields }
  const taken = [trace?.key, span?.key, flag?.key]
  // Without a prototype, as the decoder makes fields: `__proto__` is a key like any other.
  const attributes = Object.create(null) as PlainObject
  for (const key of Object.keys(fields)) if (!taken.includes(key)) attributes[key] = fields[key]
  return { trace: context, attributes }
}

/**
 * The format options an OTLP format hands its base: without the time, level and message keys, so
 * that no field is renamed out of their way (src/worker/format/reserved-keys.ts) as in a JSON
 * line. In a LogRecord they are fields of their own, never attributes, so an attribute named
 * `msg` keeps its name.
 */
export function withoutRecordKeys(options: FormatOptions): FormatOptions {
  return { ...options, timeKey: '', levelKey: '', messageKey: '' }
}
