import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createLogger, defineEvent, withContext,
  type EventDefinition, type EventFields, type FieldSpec, type FormatName, type LevelName, type Logger, type LoggerOptions,
} from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { tempDir } from './helpers/files.js'

/**
 * Declared events: `log.event(E, values)` writes, byte for byte, what
 * `log[level](message, { event, v, ...values })` writes (declared fields in declaration order, absent
 * optional ones left out, a timestamp as its Date), in every format, worker and inline mode, with
 * bindings, context, limits and record policies. Each case is logged both ways into one file, one
 * after the other, and the pairs compared; exact JSON lines catch a bug both ways would share.
 */

const NOW = 1700000000000
const T = '2023-11-14T22:13:20.000Z'
const FORMATS: FormatName[] = ['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp']
const LEVEL_NAMES: Record<number, LevelName> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
/** Tight limits for the format matrix: long strings, deep and long json values are cut. */
const LIMITS: LoggerOptions = { maxStringLength: 40, maxDepth: 3, maxArrayLength: 4 }

function error(message: string): Error {
  const e = new Error(message)
  e.stack = `Error: ${message}\n    at handler (app.js:10:5)`
  return e
}

const circular: Record<string, unknown> = { name: 'loop' }
circular.self = circular

const Login = defineEvent({
  name: 'user.logged_in', version: 2, level: 'info', message: 'user logged in',
  fields: { userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64', admin: 'bool' },
})
const Ints = defineEvent({
  name: 'golden.ints', version: 1, message: 'ints',
  fields: { u8: 'u8', i8: 'i8', u16: 'u16', i16: 'i16', u32: 'u32', i32: 'i32', int: 'int' },
})
const Floats = defineEvent({ name: 'golden.floats', version: 1, level: 'debug', message: 'floats', fields: { f: 'f64', g: 'f64?' } })
const Texts = defineEvent({
  name: 'golden.texts', version: 1, message: 'texts',
  fields: { s: 'string', note: 'string?', ok: 'bool', method: { enum: ['GET', 'POST', 'say "hi"', 'ünï😀'] } },
})
/** No message, at warn. */
const Times = defineEvent({ name: 'golden.times', version: 1, level: 'warn', fields: { at: 'timestamp', until: 'timestamp?' } })
const Json = defineEvent({ name: 'golden.json', version: 1, level: 'error', message: 'json', fields: { data: 'json', extra: 'json?' } })
/** Nine optional fields: presence bits in two bytes. */
const Optional = defineEvent({
  name: 'golden.optional', version: 3, message: 'optional',
  fields: {
    id: 'u32', a: 'u8?', b: 'i16?', c: 'int?', d: 'f64?', e: 'bool?', f: 'string?', g: 'timestamp?', h: 'json?',
    m: { enum: ['x', 'y'], optional: true },
  },
})
/** Twenty optional fields, strings and numbers alternating: three bytes of presence bits. */
const manyFields: Record<string, 'string?' | 'u8?'> = {}
for (let i = 0; i < 20; i++) manyFields[`f${i}`] = i % 2 === 0 ? 'string?' : 'u8?'
const Many = defineEvent({ name: 'golden.many', version: 1, fields: manyFields })
/** An enum of 300 values: its index takes two bytes. */
const VALUES_300 = Array.from({ length: 300 }, (_, i) => `v${i}`)
const Enum300 = defineEvent({ name: 'golden.enum300', version: 1, fields: { pick: { enum: VALUES_300 }, other: { enum: VALUES_300, optional: true }, n: 'u8' } })
const LongNamed = defineEvent({
  name: 'golden.an.event.name.longer.than.forty.characters', version: 7, message: `a message longer than forty characters${'.'.repeat(10)}`, fields: { n: 'u8' },
})

const NESTED = {
  when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
  set: new Set(['a', 'b']),
  map: new Map<unknown, unknown>([['k', 1], [2, 'two']]),
  err: error('inner'),
  buf: Buffer.from([1, 2, 255]),
  big: 2n ** 70n,
  url: new URL('https://example.com/a?b=1'),
}

/** The call log.event() must equal: the level's method, the message, `{ event, v, ...declared fields }`. */
function logLike(log: Logger, definition: EventDefinition, values: object, dates = true): void {
  const { name, version, level, message, fields } = definition.schema
  const record: Record<string, unknown> = { event: name, v: version }
  for (const field of fields) {
    const value: unknown = Object.hasOwn(values, field.name) ? (values as Record<string, unknown>)[field.name] : undefined
    if (value === undefined) continue
    const written = dates && field.type === 'timestamp' && typeof value === 'number' ? new Date(value) : value
    Object.defineProperty(record, field.name, { value: written, enumerable: true, writable: true, configurable: true })
  }
  const method = LEVEL_NAMES[level]
  if (message === undefined) log[method](record)
  else log[method](message, record)
}

/** One event and its equivalent log call, through a child's bindings and in a request context when given. */
interface Case {
  name: string
  event: (log: Logger) => void
  same: (log: Logger) => void
  bindings?: Record<string, unknown>
  context?: Record<string, unknown>
  /** Every key the record can have, for csv's columns. */
  keys: string[]
}

function the<F extends Record<string, FieldSpec>>(
  name: string, definition: EventDefinition<F>, values: EventFields<F>,
  where: { bindings?: Record<string, unknown>; context?: Record<string, unknown> } = {},
): Case {
  return {
    name, ...where,
    event: (log) => log.event(definition, values),
    same: (log) => logLike(log, definition, values),
    keys: [...definition.schema.fields.map((field) => field.name), ...Object.keys(where.bindings ?? {}), ...Object.keys(where.context ?? {})],
  }
}

const login = { userId: 42, path: '/api', status: 200, durationMs: 12.5, admin: false }

const CASES: Case[] = [
  the('integers at their lower bounds', Ints, { u8: 0, i8: -128, u16: 0, i16: -32768, u32: 0, i32: -2147483648, int: -Number.MAX_SAFE_INTEGER }),
  the('integers at their upper bounds', Ints, { u8: 255, i8: 127, u16: 65535, i16: 32767, u32: 4294967295, i32: 2147483647, int: Number.MAX_SAFE_INTEGER }),
  the('-0 in every integer field', Ints, { u8: -0, i8: -0, u16: -0, i16: -0, u32: -0, i32: -0, int: -0 }),
  the('int beyond 32 bits', Ints, { u8: 1, i8: -1, u16: 2, i16: -2, u32: 3, i32: -3, int: 2 ** 32 + 1 }),
  the('f64 fractions', Floats, { f: 12.5, g: 0.1 }),
  the('f64 -0 and NaN', Floats, { f: -0, g: NaN }),
  the('f64 infinities', Floats, { f: Infinity, g: -Infinity }),
  the('f64 extremes', Floats, { f: 1e300, g: 5e-324 }),
  the('f64 integral, optional left out', Floats, { f: 3 }),
  the('quotes, backslashes, control characters, ANSI escapes', Texts, { s: 'say "hi", a\\b\n\t\r\u0000\u001b[31mred\u2028', ok: true, method: 'say "hi"' }),
  the('unicode, emoji, empty optional string', Texts, { s: 'ünïcödé 😀 日本', note: '', ok: false, method: 'ünï😀' }),
  the('lone surrogates', Texts, { s: 'x\ud800y\udc00', ok: true, method: 'GET' }),
  the('strings longer than maxStringLength, an emoji at the cut', Texts, { s: 'abcdefghij'.repeat(7), note: `${'x'.repeat(39)}😀tail`, ok: true, method: 'POST' }),
  the('event name and message longer than maxStringLength', LongNamed, { n: 1 }),
  the('timestamps as Dates', Times, { at: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)), until: new Date(0) }),
  the('timestamps as milliseconds, before 1970 too', Times, { at: 1700000000123, until: -86400000.5 }),
  the('invalid timestamps', Times, { at: new Date(NaN), until: NaN }),
  the('timestamps at and past the Date range', Times, { at: 8.64e15, until: 1e300 }),
  the('json null, optional left out', Json, { data: null }),
  the('json scalars and arrays', Json, { data: 'text', extra: [1, 'a', null, true] }),
  the('json with Date, Set, Map, Error, Buffer, BigInt, URL inside', Json, { data: NESTED, extra: { deeper: NESTED.err } }),
  the('json past maxDepth and maxArrayLength', Json, { data: { a: { b: { c: { d: 1 } } }, list: [1, 2, 3, 4, 5, 6], long: 'y'.repeat(50) }, extra: [[[[1]]]] }),
  the('json circular, functions, undefined and symbols', Json, { data: { circular, fn: () => 1, undef: undefined, sym: Symbol('s') }, extra: () => 1 }),
  the('json top-level Error', Json, { data: error('boom') }),
  the('json -0, NaN and infinities inside', Json, { data: [-0, NaN, Infinity, -Infinity] }),
  the('all nine optional fields', Optional, { id: 1, a: 255, b: -32768, c: -1, d: 0.5, e: true, f: 's', g: 0, h: { k: [1] }, m: 'y' }),
  the('no optional field', Optional, { id: 2 }),
  the('only the ninth optional field', Optional, { id: 3, m: 'x' }),
  the('every other optional field', Optional, { id: 4, b: 1, d: NaN, f: '', h: null }),
  the('twenty optional fields, all given', Many, Object.fromEntries(Object.keys(manyFields).map((key, i) => [key, i % 2 === 0 ? `s${i}` : i]))),
  the('twenty optional fields, every third', Many, { f0: 'a', f3: 3, f6: 'b', f9: 9, f12: 'c', f15: 15, f18: 'd' }),
  the('twenty optional fields, only the last', Many, { f19: 19 }),
  the('enum of 300 values, past the first byte', Enum300, { pick: 'v299', other: 'v256', n: 1 }),
  the('enum of 300 values, first value', Enum300, { pick: 'v0', n: 0 }),
  the('child bindings', Login, login, { bindings: { service: 'auth', region: 'eu' } }),
  the('a binding with the key of a field', Login, login, { bindings: { path: '/bound', service: 'auth' } }),
  the('a binding with the key of an absent optional field', Texts, { s: 'x', ok: true, method: 'GET' }, { bindings: { note: 'bound' } }),
  the('bindings named event and v', Login, login, { bindings: { event: 'bound', v: 0 } }),
  the('request context with the key of a field', Login, login, { context: { requestId: 'r-1', userId: 7 } }),
  the('bindings, context and fields sharing keys', Login, login, { bindings: { requestId: 'b', service: 'auth' }, context: { requestId: 'r-2', path: '/ctx' } }),
]

/** Logs each case's event, then its equivalent (or `twice` each), through its child and context. */
function logCases(log: Logger, cases: Case[], which: 'both' | 'event' | 'same', twice = false): void {
  for (const c of cases) {
    const target = c.bindings === undefined ? log : log.child(c.bindings)
    const calls = (): void => {
      for (let n = twice ? 2 : 1; n > 0; n--) {
        if (which !== 'same') c.event(target)
        if (which !== 'event') c.same(target)
      }
    }
    if (c.context === undefined) calls()
    else withContext(c.context, calls)
  }
}

/** What a logger with these options writes in `write`, read back from its file. */
async function logged(options: LoggerOptions, worker: boolean, write: (log: Logger) => void): Promise<string> {
  const file = join(tempDir(), 'events.log')
  const log = createLogger({ now: () => NOW, colors: false, level: 'trace', ...options, worker, destination: file })
  if (worker) await (transportOf(log) as WorkerTransport).running()
  write(log)
  await log.close()
  return readFileSync(file, 'utf8')
}

function columns(cases: Case[]): string[] {
  return [...new Set(['time', 'level', 'msg', 'event', 'v', ...cases.flatMap((c) => c.keys)])]
}

/** The output split into records: a line, and for pretty also the indented lines below it. */
function records(format: FormatName, text: string): string[] {
  const lines = text.split(format === 'csv' ? '\r\n' : '\n')
  lines.pop()
  if (format === 'csv') lines.shift()
  if (format !== 'pretty') return lines
  const out: string[] = []
  for (const line of lines) {
    if (line.startsWith(' ')) out[out.length - 1] += `\n${line}`
    else out.push(line)
  }
  return out
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

describe.each(FORMATS)('%s format: an event writes what the equivalent log call writes', (format) => {
  const out = { worker: '', inline: '' }
  beforeAll(async () => {
    const options: LoggerOptions = { ...LIMITS, format, columns: format === 'csv' ? columns(CASES) : undefined }
    out.worker = await logged(options, true, (log) => logCases(log, CASES, 'both'))
    out.inline = await logged(options, false, (log) => logCases(log, CASES, 'both'))
  })

  it('worker and inline mode write the same bytes: one record per call', () => {
    expect(out.worker).toBe(out.inline)
    expect(records(format, out.inline)).toHaveLength(2 * CASES.length)
  })

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    for (const text of [out.worker, out.inline]) {
      const written = records(format, text)
      expect(written[2 * i]).toBe(written[2 * i + 1])
    }
  })
})

describe.each([true, false])('exact JSON lines (worker: %s)', (worker) => {
  it('writes each field type as these lines', async () => {
    const text = await logged({}, worker, (log) => {
      log.event(Login, login)
      log.event(Ints, { u8: 0, i8: -128, u16: 0, i16: -32768, u32: 0, i32: -2147483648, int: -Number.MAX_SAFE_INTEGER })
      log.event(Ints, { u8: 255, i8: 127, u16: 65535, i16: 32767, u32: 4294967295, i32: 2147483647, int: Number.MAX_SAFE_INTEGER })
      log.event(Ints, { u8: -0, i8: -0, u16: -0, i16: -0, u32: -0, i32: -0, int: -0 })
      log.event(Floats, { f: -0, g: NaN })
      log.event(Floats, { f: 1e300, g: -Infinity })
      log.event(Floats, { f: 0.1 })
      log.event(Texts, { s: 'say "hi" \\ \n\t\u0000\u001b[0m 😀 ü', ok: true, method: 'say "hi"' })
      log.event(Texts, { s: '', note: 'x\ud800', ok: false, method: 'ünï😀' })
      log.event(Times, { at: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)), until: 0 })
      log.event(Times, { at: new Date(NaN), until: 1e300 })
      log.event(Json, { data: null })
      log.event(Json, { data: NESTED, extra: [-0, NaN, { fn: () => 1 }] })
      log.event(Optional, { id: 4294967295, m: 'y' })
      log.event(Many, { f19: 19 })
      log.event(Enum300, { pick: 'v299', other: 'v256', n: 255 })
    })
    expect(lines(text)).toEqual([
      `{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":42,"path":"/api","status":200,"durationMs":12.5,"admin":false}`,
      `{"time":"${T}","level":"info","msg":"ints","event":"golden.ints","v":1,"u8":0,"i8":-128,"u16":0,"i16":-32768,"u32":0,"i32":-2147483648,"int":-9007199254740991}`,
      `{"time":"${T}","level":"info","msg":"ints","event":"golden.ints","v":1,"u8":255,"i8":127,"u16":65535,"i16":32767,"u32":4294967295,"i32":2147483647,"int":9007199254740991}`,
      `{"time":"${T}","level":"info","msg":"ints","event":"golden.ints","v":1,"u8":0,"i8":0,"u16":0,"i16":0,"u32":0,"i32":0,"int":0}`,
      `{"time":"${T}","level":"debug","msg":"floats","event":"golden.floats","v":1,"f":0,"g":null}`,
      `{"time":"${T}","level":"debug","msg":"floats","event":"golden.floats","v":1,"f":1e+300,"g":null}`,
      `{"time":"${T}","level":"debug","msg":"floats","event":"golden.floats","v":1,"f":0.1}`,
      `{"time":"${T}","level":"info","msg":"texts","event":"golden.texts","v":1,"s":"say \\"hi\\" \\\\ \\n\\t\\u0000\\u001b[0m 😀 ü","ok":true,"method":"say \\"hi\\""}`,
      `{"time":"${T}","level":"info","msg":"texts","event":"golden.texts","v":1,"s":"","note":"x\ufffd","ok":false,"method":"ünï😀"}`,
      `{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":"2024-02-29T12:00:00.123Z","until":"1970-01-01T00:00:00.000Z"}`,
      `{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":null,"until":null}`,
      `{"time":"${T}","level":"error","msg":"json","event":"golden.json","v":1,"data":null}`,
      `{"time":"${T}","level":"error","msg":"json","event":"golden.json","v":1,"data":{"when":"2024-01-02T03:04:05.006Z","set":["a","b"],"map":{"k":1,"2":"two"},` +
        `"err":{"type":"Error","message":"inner"},"buf":{"type":"Buffer","data":[1,2,255]},"big":1180591620717411303424,"url":"https://example.com/a?b=1"},"extra":[0,null,{}]}`,
      `{"time":"${T}","level":"info","msg":"optional","event":"golden.optional","v":3,"id":4294967295,"m":"y"}`,
      `{"time":"${T}","level":"info","event":"golden.many","v":1,"f19":19}`,
      `{"time":"${T}","level":"info","event":"golden.enum300","v":1,"pick":"v299","other":"v256","n":255}`,
    ])
  })

  it('a field gets its serializer, as in the log call: json fields on the compiled path, an event with a typed one the log call\'s way', async () => {
    const text = await logged({ serializers: { data: (value: unknown) => ({ wrapped: value }), path: () => 'serialized' } }, worker, (log) => {
      log.event(Json, { data: [1] })
      log.event(Login, login)
    })
    expect(lines(text)).toEqual([
      `{"time":"${T}","level":"error","msg":"json","event":"golden.json","v":1,"data":{"wrapped":[1]}}`,
      `{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":42,"path":"serialized","status":200,"durationMs":12.5,"admin":false}`,
    ])
  })

  it('writes an event only at or above the logger level; a child at its own level', async () => {
    const text = await logged({ level: 'info' }, worker, (log) => {
      log.event(Floats, { f: 1 }) // debug: not written
      log.event(Times, { at: 0 }) // warn
      const child = log.child({ child: true })
      child.level = 'debug'
      child.event(Floats, { f: 2 })
      log.level = 'error'
      log.event(Login, login) // info: not written
      log.event(Json, { data: 3 })
    })
    expect(lines(text)).toEqual([
      `{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":"1970-01-01T00:00:00.000Z"}`,
      `{"time":"${T}","level":"debug","msg":"floats","child":true,"event":"golden.floats","v":1,"f":2}`,
      `{"time":"${T}","level":"error","msg":"json","event":"golden.json","v":1,"data":3}`,
    ])
  })

  it('an event logged after close() is counted as one dropped record, its definition as none', async () => {
    const file = join(tempDir(), `closed-${worker}.log`)
    const log = createLogger({ destination: file, worker, now: () => NOW })
    log.event(Login, login)
    await log.close()
    const Late = defineEvent({ name: 'golden.after_close', version: 1, fields: { n: 'u8' } })
    log.event(Late, { n: 1 })
    log.event(Login, login)
    expect(log.metrics()).toMatchObject({ written: 1, dropped: 2 })
    expect(lines(readFileSync(file, 'utf8'))).toHaveLength(1)
  })
})

describe.each([true, false])('record policy (worker: %s): events are written as the records log calls give', (worker) => {
  const POLICIES: [string, LoggerOptions][] = [
    ['redact', { redact: { paths: ['path', 'data.err', 's'], censor: '***' } }],
    ['filter', { filter: { not: { field: 'event', oneOf: ['golden.floats', 'golden.many'] } } }],
    ['dedupe', { dedupe: true }],
    ['sample', { sample: { every: 3 } }],
  ]
  it.each(POLICIES.flatMap(([name, policy]) => (['json', 'logfmt'] as const).map((format) => [name, format, policy] as const)))(
    '%s, %s format: the same bytes as the equivalent calls, each case logged twice',
    async (_name, format, policy) => {
      const options: LoggerOptions = { ...policy, format }
      const events = await logged(options, worker, (log) => logCases(log, CASES, 'event', true))
      const same = await logged(options, worker, (log) => logCases(log, CASES, 'same', true))
      expect(events).toBe(same)
      expect(events.length).toBeGreaterThan(0)
    },
  )

  it('with limits, json values holding a Buffer or an Error are cut as in the log call, not as plain objects', async () => {
    const options: LoggerOptions = { filter: { field: 'event', equals: 'golden.json' }, maxStringLength: 4, maxDepth: 2 }
    const text = await logged(options, worker, (log) => logCases(log, [the('buffer and error', Json, { data: Buffer.from([1, 2, 3]), extra: { err: error('inner') } })], 'both'))
    const [event, same] = lines(text)
    expect(event).toBe(same)
  })
})

describe.each([true, false])('validation (worker: %s)', (worker) => {
  const Checked = defineEvent({
    name: 'checks', version: 1,
    fields: {
      u8: 'u8?', i8: 'i8?', u16: 'u16?', i16: 'i16?', u32: 'u32?', i32: 'i32?', int: 'int?', f64: 'f64?', bool: 'bool?',
      string: 'string?', timestamp: 'timestamp?', json: 'json?', method: { enum: ['GET', 'POST'], optional: true },
    },
  })
  const INVALID: [Record<string, unknown>, string][] = [
    [{ u8: 256 }, 'u8 expects u8 (an integer from 0 to 255); got 256 (number)'],
    [{ u8: 1.5 }, 'u8 expects u8 (an integer from 0 to 255); got 1.5 (number)'],
    [{ u8: NaN }, 'u8 expects u8 (an integer from 0 to 255); got NaN (number)'],
    [{ i8: -129 }, 'i8 expects i8 (an integer from -128 to 127); got -129 (number)'],
    [{ u16: -1 }, 'u16 expects u16 (an integer from 0 to 65535); got -1 (number)'],
    [{ i16: 32768 }, 'i16 expects i16 (an integer from -32768 to 32767); got 32768 (number)'],
    [{ u32: 4294967296 }, 'u32 expects u32 (an integer from 0 to 4294967295); got 4294967296 (number)'],
    [{ i32: 2147483648 }, 'i32 expects i32 (an integer from -2147483648 to 2147483647); got 2147483648 (number)'],
    [{ int: 2 ** 53 }, 'int expects int (a safe integer); got 9007199254740992 (number)'],
    [{ int: 0.5 }, 'int expects int (a safe integer); got 0.5 (number)'],
    [{ f64: '1' }, 'f64 expects f64 (a number); got "1" (string)'],
    [{ f64: 1n }, 'f64 expects f64 (a number); got 1n (bigint)'],
    [{ bool: 0 }, 'bool expects bool (true or false); got 0 (number)'],
    [{ string: 5 }, 'string expects string; got 5 (number)'],
    [{ string: null }, 'string expects string; got null (null)'],
    [{ timestamp: '2024-01-01' }, 'timestamp expects timestamp (a Date or milliseconds since the epoch); got "2024-01-01" (string)'],
    [{ method: 'PUT' }, 'method expects enum (one of "GET", "POST"); got "PUT" (string)'],
  ]

  it.each(INVALID)('%o throws a TypeError naming the event, field, type and value', async (values, message) => {
    const file = join(tempDir(), 'invalid.log')
    const log = createLogger({ destination: file, worker, validate: 'always' })
    expect(() => log.event(Checked, values as never)).toThrow(new TypeError(`ringlog: event checks v1: field ${message}`))
    await log.close()
    expect(readFileSync(file, 'utf8')).toBe('')
  })

  it('a missing required field throws; nothing is written for that call, records around it are intact', async () => {
    const text = await logged({ validate: 'always' }, worker, (log) => {
      log.event(Login, login)
      const { userId: _, ...noUser } = login
      expect(() => log.event(Login, noUser as never)).toThrow(new TypeError(
        'ringlog: event user.logged_in v2: field userId expects u32 (an integer from 0 to 4294967295); got nothing (the field is required)'))
      expect(() => log.event(Login, { ...login, userId: -1 })).toThrow(new TypeError(
        'ringlog: event user.logged_in v2: field userId expects u32 (an integer from 0 to 4294967295); got -1 (number)'))
      expect(() => log.event(Json, {} as never)).toThrow(new TypeError(
        'ringlog: event golden.json v1: field data expects json (any value but undefined, a function or a symbol); got nothing (the field is required)'))
      log.event(Login, { ...login, userId: 43 })
    })
    expect(lines(text).map((line) => JSON.parse(line) as Record<string, unknown>).map((record) => record.userId)).toEqual([42, 43])
  })

  it("'off' never throws: a wrong value is written as the log call writes it, and counted", async () => {
    const file = join(tempDir(), 'off.log')
    const log = createLogger({ destination: file, worker, validate: 'off', now: () => NOW })
    const bad = [
      { ...login, userId: -1, path: 5, admin: 'no' },
      { ...login, status: undefined },
      { at: 5, until: 'tomorrow' },
    ]
    log.event(Login, bad[0] as never)
    logLike(log, Login, bad[0], false)
    log.event(Login, bad[1] as never)
    logLike(log, Login, bad[1], false)
    log.event(Times, bad[2] as never)
    logLike(log, Times, bad[2], false)
    log.event(Login, login)
    expect(log.metrics().invalidEvents).toBe(3)
    await log.close()
    const [a, a2, b, b2, c, c2, good] = lines(readFileSync(file, 'utf8'))
    expect([a, b, c]).toEqual([a2, b2, c2])
    expect(a).toBe(`{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":-1,"path":5,"status":200,"durationMs":12.5,"admin":"no"}`)
    expect(c).toBe(`{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":5,"until":"tomorrow"}`)
    expect(good).toBe(`{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":42,"path":"/api","status":200,"durationMs":12.5,"admin":false}`)
  })

  it("NODE_ENV decides 'dev' (the default); 'always' throws in production too, 'off' not in development", async () => {
    const saved = process.env.NODE_ENV
    const make = (nodeEnv: string | undefined, validate?: 'off' | 'dev' | 'always'): Logger => {
      if (nodeEnv === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = nodeEnv
      try {
        return createLogger({ destination: join(tempDir(), 'env.log'), worker, validate })
      } finally {
        if (saved === undefined) delete process.env.NODE_ENV
        else process.env.NODE_ENV = saved
      }
    }
    const bad = { ...login, status: 70000 }
    const loggers = { unset: make(undefined), development: make('development', 'dev'), production: make('production'), always: make('production', 'always'), off: make('development', 'off') }
    expect(() => loggers.unset.event(Login, bad)).toThrow(TypeError)
    expect(() => loggers.development.event(Login, bad)).toThrow(TypeError)
    expect(() => loggers.always.event(Login, bad)).toThrow(/field status expects u16/)
    loggers.production.event(Login, bad)
    loggers.off.event(Login, bad)
    expect(Object.values(loggers).map((log) => log.metrics().invalidEvents)).toEqual([0, 0, 1, 0, 1])
    await Promise.all(Object.values(loggers).map((log) => log.close()))
  })

  it('a getter or Proxy that throws never throws into the caller: the record is written as the log call writes it', async () => {
    const getter = { ...login, get path(): string { throw new Error('no access') } }
    const proxy = new Proxy(login, { get() { throw new Error('trap') } })
    const text = await logged({ validate: 'always' }, worker, (log) => {
      expect(() => log.event(Login, getter)).not.toThrow()
      expect(() => log.event(Login, proxy)).not.toThrow()
      log.event(Login, login)
    })
    const trap = '"[Getter threw: trap]"'
    expect(lines(text)).toEqual([
      `{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":42,"path":"[Getter threw: no access]","status":200,"durationMs":12.5,"admin":false}`,
      `{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":${trap},"path":${trap},"status":${trap},"durationMs":${trap},"admin":${trap}}`,
      `{"time":"${T}","level":"info","msg":"user logged in","event":"user.logged_in","v":2,"userId":42,"path":"/api","status":200,"durationMs":12.5,"admin":false}`,
    ])
  })

})

describe('defineEvent', () => {
  it('refuses a field named like an Object.prototype member, which an object without it would inherit', () => {
    expect(() => defineEvent({ name: 'edge.inherited', version: 1, fields: { n: 'u8', constructor: 'u8?' } })).toThrow(
      new TypeError("ringlog: invalid event edge.inherited field constructor: \"constructor\"; expected a name that is not a member of Object.prototype (constructor, toString, __proto__...)"),
    )
    expect(() => defineEvent({ name: 'edge.inherited', version: 2, fields: { toString: 'timestamp?' } })).toThrow(/field toString: "toString"/)
  })

  it('returns an equal definition for the same name, version and fields; another version may differ', () => {
    const again = defineEvent({
      name: 'user.logged_in', version: 2, level: 'info', message: 'user logged in',
      fields: { userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64', admin: 'bool' },
    })
    expect(again).toEqual(Login)
    const v3 = defineEvent({ name: 'user.logged_in', version: 3, fields: { userId: 'string' } })
    expect(v3.schema.version).toBe(3)
  })

  it.each([
    ['a field of another type', { userId: 'u16', path: 'string', status: 'u16', durationMs: 'f64', admin: 'bool' }],
    ['a field more', { userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64', admin: 'bool', extra: 'u8?' }],
    ['a field made optional', { userId: 'u32?', path: 'string', status: 'u16', durationMs: 'f64', admin: 'bool' }],
    ['the fields in another order', { path: 'string', userId: 'u32', status: 'u16', durationMs: 'f64', admin: 'bool' }],
  ] as const)('throws a TypeError for the same name and version with %s', (_what, fields) => {
    expect(() => defineEvent({ name: 'user.logged_in', version: 2, level: 'info', message: 'user logged in', fields }))
      .toThrow(new TypeError('ringlog: event user.logged_in version 2 is defined twice, differently; give the new schema a new version'))
  })

  it.each([
    ['an unknown type', { name: 'bad.type', version: 1, fields: { a: 'u64' } }, /invalid event bad\.type field a: "u64"; expected one of 'u8'/],
    ['an empty enum', { name: 'bad.enum', version: 1, fields: { a: { enum: [] } } }, /invalid event bad\.enum field a enum: \[\]; expected a list of 1 to 65535 strings/],
    ['an enum with a repeat', { name: 'bad.enum2', version: 1, fields: { a: { enum: ['x', 'x'] } } }, /field a enum: \["x","x"\]; expected strings without repeats/],
    ['a field named event', { name: 'bad.event', version: 1, fields: { event: 'u8' } }, /invalid event bad\.event field event: "event"; expected a name other than 'event' and 'v'/],
    ['a field named v', { name: 'bad.v', version: 1, fields: { v: 'u8' } }, /invalid event bad\.v field v: "v"/],
    ['version 0', { name: 'bad.version', version: 0, fields: {} }, /invalid event bad\.version version: 0; expected a positive integer/],
    ['a fractional version', { name: 'bad.version', version: 1.5, fields: {} }, /version: 1\.5; expected a positive integer/],
    ['an unknown level', { name: 'bad.level', version: 1, level: 'loud', fields: {} }, /invalid event bad\.level level: "loud"; expected one of 'trace'/],
    ['level silent', { name: 'bad.level', version: 1, level: 'silent', fields: {} }, /level: "silent"/],
    ['a name with a space', { name: 'bad name', version: 1, fields: {} }, /invalid event name: "bad name"; expected letters, digits/],
    ['an empty name', { name: '', version: 1, fields: {} }, /invalid event name: ""/],
  ])('throws a TypeError naming %s', (_what, spec, message) => {
    expect(() => defineEvent(spec as never)).toThrow(TypeError)
    expect(() => defineEvent(spec as never)).toThrow(message)
  })
})

describe('the drain worker', () => {
  it('writes events after a replaced worker: their definitions reach the new one', async () => {
    const file = join(tempDir(), 'restart.log')
    const log = createLogger({ destination: file, now: () => NOW })
    const transport = transportOf(log) as WorkerTransport
    await transport.running()
    log.event(Times, { at: 0 })
    await log.flush()
    await transport.killWorker()
    log.event(Times, { at: 1 })
    log.child({ after: true }).event(Login, login)
    await log.flush()
    await transport.running()
    expect(log.metrics().workerRestarts).toBe(1)
    await log.close()
    expect(lines(readFileSync(file, 'utf8'))).toEqual([
      `{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":"1970-01-01T00:00:00.000Z"}`,
      `{"time":"${T}","level":"warn","event":"golden.times","v":1,"at":"1970-01-01T00:00:00.001Z"}`,
      `{"time":"${T}","level":"info","msg":"user logged in","after":true,"event":"user.logged_in","v":2,"userId":42,"path":"/api","status":200,"durationMs":12.5,"admin":false}`,
    ])
  })
})

describe.each([true, false])('found in review (worker: %s)', (worker) => {
  const Big = defineEvent({ name: 'review.big', version: 1, message: 'big', fields: { a: 'string', n: 'u8' } })

  it('with a record policy, an event larger than the policy\'s first buffer (4 KiB) and than a quarter of the ring is the log call\'s record', async () => {
    for (const size of [4100, 70_000]) {
      const a = 'x'.repeat(size)
      const text = await logged({ redact: ['zz'], bufferSize: 65536 }, worker, (log) => {
        log.event(Big, { a, n: 1 })
        log.info('big', { event: 'review.big', v: 1, a, n: 1 })
      })
      const [event, info] = lines(text)
      expect(event).toBe(info)
      expect(event).toBe(`{"time":"${T}","level":"info","msg":"big","event":"review.big","v":1,"a":"${a}","n":1}`)
    }
  })

  it('a field with a serializer is written as the log call writes it: the serializer applies', async () => {
    const text = await logged({ serializers: { a: (a: string) => a.split('?')[0] } }, worker, (log) => {
      log.event(Big, { a: '/path?token=secret', n: 2 })
    })
    expect(lines(text)).toEqual([`{"time":"${T}","level":"info","msg":"big","event":"review.big","v":1,"a":"/path","n":2}`])
  })

  it('a values argument that is not an object throws with validation, and is written as the bare event without', async () => {
    const strict = createLogger({ destination: join(tempDir(), 'strict.log'), worker, validate: 'always' })
    expect(() => strict.event(Big, null as never)).toThrow(new TypeError('ringlog: event review.big v1: expects an object of fields; got null'))
    expect(() => strict.event(Big, 5 as never)).toThrow(new TypeError('ringlog: event review.big v1: expects an object of fields; got 5'))
    await strict.close()
    const text = await logged({ validate: 'off' }, worker, (log) => {
      log.event(Big, null as never)
      expect(log.metrics().invalidEvents).toBe(1)
    })
    expect(lines(text)).toEqual([`{"time":"${T}","level":"info","msg":"big","event":"review.big","v":1}`])
  })

  it('a definition the ring could not take is sent again with the next record, and the record it came with is not written undecodable', async () => {
    const Once = defineEvent({ name: `review.once_${worker}`, version: 1, fields: { n: 'u8' } })
    const text = await logged({}, worker, (log) => {
      const transport = transportOf(log)
      const write = transport.write.bind(transport)
      // The ring is full for one frame: the event's definition.
      let full = true
      transport.write = (frame, length) => (full ? ((full = false), false) : write(frame, length))
      log.event(Once, { n: 1 })
      log.event(Once, { n: 2 })
      transport.write = write
    })
    expect(lines(text)).toEqual([`{"time":"${T}","level":"info","event":"review.once_${worker}","v":1,"n":2}`])
  })

  it('refuses a field named like an integer, which an object would put before event and v', () => {
    expect(() => defineEvent({ name: 'review.numeric', version: 1, fields: { b: 'u8', 2: 'u8' } })).toThrow(
      new TypeError('ringlog: invalid event review.numeric field 2: "2"; expected a name that is not an integer (objects put those before all other keys)'),
    )
  })
})

describe('definitions are data that cannot change after the check', () => {
  it('freezes the definition, its fields and enum values, from which code is generated', () => {
    const Frozen = defineEvent({ name: 'review.frozen', version: 1, fields: { m: { enum: ['a', 'b'] }, n: 'u8' } })
    expect(Object.isFrozen(Frozen)).toBe(true)
    expect(Object.isFrozen(Frozen.schema)).toBe(true)
    expect(Object.isFrozen(Frozen.schema.fields)).toBe(true)
    expect(Frozen.schema.fields.every((field) => Object.isFrozen(field) && (field.values === undefined || Object.isFrozen(field.values)))).toBe(true)
    expect(() => { (Frozen.schema as { version: unknown }).version = '1); process.exit(3); (' }).toThrow(TypeError)
  })
})

describe.each([true, false])('a json field given a function (worker: %s)', (worker) => {
  const Fn = defineEvent({ name: 'review.json_fn', version: 1, fields: { data: 'json' } })

  it('is a validation error: a record would leave it out, and the field is required', () => {
    const log = createLogger({ destination: join(tempDir(), 'fn.log'), worker, validate: 'always' })
    expect(() => log.event(Fn, { data: () => 1 })).toThrow(
      new TypeError('ringlog: event review.json_fn v1: field data expects json (any value but undefined, a function or a symbol); got [function data] (function)'),
    )
    return log.close()
  })

  it("with 'off', is written as the log call writes it (without the field), and counted", async () => {
    const text = await logged({ validate: 'off' }, worker, (log) => {
      log.event(Fn, { data: () => 1 })
      expect(log.metrics().invalidEvents).toBe(1)
    })
    expect(lines(text)).toEqual([`{"time":"${T}","level":"info","event":"review.json_fn","v":1}`])
  })
})
