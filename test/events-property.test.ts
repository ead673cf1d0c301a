/**
 * Declared events, property-tested: random schemas and random valid values, through a small ring
 * (64 KiB, frames over 16 KiB fragmented), on the drain worker and on the calling thread, mixed
 * with ordinary records and child loggers' records. Every line must decode to exactly the record
 * built from the inputs, keys in order: `{ time, level, msg, ...bindings, event, v, ...fields }`.
 *
 * Then: the drain worker killed in the middle of a run of events (the new worker must know every
 * event, those first used before the crash, just before it, and only after it), and two versions of
 * one event in use at once.
 *
 * The values come from a seeded PRNG (mulberry32): a failure names the seed and the record, and the
 * same seed gives the same values. FUZZ_SEED=<n> runs another seed.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createLogger, defineEvent, type EventDefinition, type EventFields, type EventSpec, type FieldSpec, type LevelName, type Logger,
  type ScalarType,
} from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { readRecords, tempDir } from './helpers/files.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0xe7e47b0b) >>> 0
const SEED_TEXT = `seed 0x${SEED.toString(16)} (FUZZ_SEED=${SEED})`
/** In every event name of this file, so another seed never redefines an event differently. */
const PREFIX = `prop-${SEED.toString(16)}`

const RING = 65_536
const SCHEMAS = 20
const WORKER_EVENTS = 100_000
const INLINE_EVENTS = 40_000
/** Records are timed by a clock the test sets: record i of a run at BASE_TIME + i ms. */
const BASE_TIME = Date.UTC(2026, 0, 2, 3, 4, 5, 6)

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// ---------------------------------------------------------------------------------------------
// The PRNG and what it picks from.


const LEVEL_NAMES: readonly LevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

const STRINGS: readonly string[] = [
  '', ' ', 'plain', 'two words', 'line\nbreak', 'cr\rlf\r\n', 'tab\there', '\u001b[31mred\u001b[0m', 'quote"inside', '"',
  'back\\slash', '\\', '\\u0041 literal', '\u2028', 'line\u2028sep\u2029para', '😀', '\ud83d\ude00 pair', 'é', 'e\u0301',
  'ünïcödé', '中文字符', '𝕏𝕐ℤ', 'ﬁ', '\u0000nul', '\u007f\u0085\u009f', '\u00a0nbsp', '\ufeffbom', '\u200bzero width',
  '\u202eright to left', 'null', 'true', '42', '-0', 'NaN', '{"json":1}', '[1,2]', '<script>&amp;', 'x'.repeat(300),
  'lone \ud800 high', 'lone \udc00 low', '\udc00\ud800',
]

const ALPHABET: readonly string[] = [
  'a', 'b', 'Z', '0', '9', '_', '-', '.', ' ', ' ', '\n', '\r', '\t', '\u001b', '"', "'", '\\', '/', '{', '}', '=', ',',
  '\u2028', '\u2029', 'é', 'ß', '中', '文', '😀', '𝕏', '\u0301', '\u0000', '\u0001', '\u007f', '\u0085', '\u00a0',
  '\ufeff', '\u200b', '\uffff', '<', '&', '\ud800', '\udfff',
]

/** Keys the records write themselves, and the bindings' keys: never a field's key. */
const NOT_FIELD_KEYS = new Set(['time', 'level', 'msg', 'event', 'v', '__proto__', 'svc', 'ctx.tag', 'req', 'trace'])

const KEYS: readonly string[] = [
  'a', 'b', 'id', 'userId', 'path', 'status', 'durationMs', 'admin', 'user.name', 'key with space', 'quote"key',
  'back\\slash', 'tab\tkey', 'new\nline', 'ünïcödé', '中文', '😀', '', '0', '1', '42', '-1', '1.5', 'a=b', 'comma,key',
  '\u2028', '\u001b[1m', 'message', 'err', 'data', 'name', 'value', 'x'.repeat(100), 'constructor', 'toString',
  'hasOwnProperty', 'valueOf',
]

class Gen extends Random {
  /** How often a string is 30 to 90 KB long (a fragmented frame). */
  hugeRate = 0.0008
  /** Huge strings made so far. */
  huge = 0

  word(): string {
    const letters = 'abcdefghijklmnopqrstuvwxyz0123456789_'
    let s = this.pick(['k', 'x', 'user', 'req', 'f'])
    for (let n = 1 + this.int(8); n > 0; n--) s += letters[this.int(letters.length)]
    return s
  }

  composed(max: number): string {
    let s = ''
    for (let n = this.int(max + 1); n > 0; n--) s += this.pick(ALPHABET)
    return s
  }

  long(target: number): string {
    const parts: string[] = []
    let length = 0
    while (length < target) {
      const part = this.chance(0.6) ? this.pick(['x', 'é', '中', '😀', 'ab"c\\']).repeat(1 + this.int(target >> 5)) : this.pick(STRINGS)
      parts.push(part)
      length += part.length
    }
    return parts.join('')
  }

  /** 30 to 40 KB of text, now and then 70 to 90 KB: more than a quarter of the ring, or more than the ring. */
  hugeString(): string {
    this.huge++
    return this.long(this.chance(0.15) ? 70_000 + this.int(20_000) : 30_000 + this.int(10_000))
  }

  string(): string {
    if (this.chance(this.hugeRate)) return this.hugeString()
    return this.weighted<string>([
      [35, () => this.pick(STRINGS)],
      [35, () => this.composed(20)],
      [25, () => this.word()],
      [1, () => this.long(500 + this.int(5_000))],
    ])
  }

  key(): string {
    for (;;) {
      const key = this.chance(0.6) ? this.pick(KEYS) : this.chance(0.5) ? this.word() : this.composed(6)
      if (!NOT_FIELD_KEYS.has(key)) return key
    }
  }

  /** An event field's name: defineEvent() refuses the names of Object.prototype's members, and integers. */
  fieldName(): string {
    for (;;) {
      const key = this.key()
      if (!(key in Object.prototype) && !/^(0|[1-9]\d*)$/.test(key)) return key
    }
  }

  double(): number {
    return this.weighted<number>([
      [3, () => this.pick([0, -0, 1, -1, 0.1, -1.5, 1e21, 1e-7, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE,
        Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 2 ** 64, 0.30000000000000004, NaN, Infinity, -Infinity])],
      [4, () => (this.next() - 0.5) * 10 ** (this.int(40) - 20)],
      [2, () => {
        const view = new DataView(new ArrayBuffer(8))
        view.setUint32(0, this.int(2 ** 32))
        view.setUint32(4, this.int(2 ** 32))
        return view.getFloat64(0)
      }],
      [2, () => this.int(2000) - 1000],
    ])
  }

  /** An integer from min to max, the ends and 0 (and -0) more often than the rest. */
  integer(min: number, max: number): number {
    return this.weighted<number>([
      [1, () => this.pick([min, max, 0, -0, 1, min + 1, max - 1].filter((n) => n >= min && n <= max))],
      [3, () => min + Math.floor(this.next() * (max - min + 1))],
      [1, () => Math.min(max, Math.max(min, this.int(300) - 150))],
    ])
  }

  safeInteger(): number {
    return this.weighted<number>([
      [1, () => this.pick([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, -0, 2 ** 32, -(2 ** 31) - 1, 2 ** 53 - 2])],
      [3, () => (this.chance(0.5) ? -1 : 1) * Math.floor(this.next() * 2 ** this.int(54))],
    ])
  }

  date(): Date {
    return this.weighted<Date>([
      [8, () => new Date(Math.floor((this.next() - 0.5) * 2 * 8.64e15))],
      [8, () => new Date(BASE_TIME + this.int(1e10) - 5e9)],
      [1, () => this.pick([new Date(8.64e15), new Date(-8.64e15), new Date(0), new Date(NaN), new Date(253402300800000)])],
    ])
  }

  timestamp(): Date | number {
    return this.weighted<Date | number>([
      [5, () => this.date()],
      [4, () => BASE_TIME + this.int(1e11) - 5e10],
      [2, () => (this.next() - 0.5) * 1e13],
      [1, () => this.pick([0, -0, 8.64e15, -8.64e15, 8.64e15 + 1, -8.64e15 - 1, 1e300, NaN, Infinity, -Infinity, 1.5, -1.5, 0.999])],
    ])
  }

  /** Plain data: what a json field holds, and an ordinary record's fields. */
  json(depth: number): unknown {
    const container = depth >= 5 ? 0 : depth < 2 ? 10 : 4
    return this.weighted<unknown>([
      [30, () => this.string()],
      [12, () => this.double()],
      [3, () => this.chance(0.5)],
      [3, () => null],
      [2, () => this.date()],
      [container, () => {
        const out: Record<string, unknown> = {}
        for (let n = this.int(6); n > 0; n--) out[this.key()] = this.chance(0.04) ? undefined : this.json(depth + 1)
        return out
      }],
      [container * 0.7, () => {
        const out: unknown[] = []
        for (let n = this.int(7); n > 0; n--) out.push(this.chance(0.04) ? undefined : this.json(depth + 1))
        return out
      }],
    ])
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas, values and the record each must give.

type FieldType = ScalarType | 'enum'

interface Field {
  readonly name: string
  readonly type: FieldType
  readonly optional: boolean
  readonly values: readonly string[] | undefined
}

interface Schema {
  readonly definition: EventDefinition
  readonly name: string
  readonly version: number
  readonly level: LevelName
  readonly message: string | undefined
  readonly fields: readonly Field[]
}

const SCALARS: readonly ScalarType[] = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32', 'int', 'f64', 'bool', 'string', 'timestamp', 'json']

function fieldOf(name: string, spec: FieldSpec): Field {
  if (typeof spec === 'string') {
    const optional = spec.endsWith('?')
    return { name, type: (optional ? spec.slice(0, -1) : spec) as ScalarType, optional, values: undefined }
  }
  return { name, type: 'enum', optional: spec.optional === true, values: spec.enum }
}

/** Defines an event whose fields the test knows only at run time. */
function define(name: string, version: number, level: LevelName, message: string | undefined, fields: Record<string, FieldSpec>): Schema {
  const spec: EventSpec<Record<string, FieldSpec>> = message === undefined ? { name, version, level, fields } : { name, version, level, message, fields }
  const definition = defineEvent(spec)
  return { definition, name, version, level, message, fields: Object.keys(fields).map((key) => fieldOf(key, fields[key])) }
}

function enumValues(gen: Gen): string[] {
  const count = gen.chance(0.12) ? 257 + gen.int(300) : 1 + gen.int(8)
  const values = new Set<string>()
  while (values.size < count) values.add(count > 100 ? `${gen.pick(['v', 'é', '中', '😀', ''])}${values.size}` : gen.string().slice(0, 40))
  return [...values]
}

function randomSpec(gen: Gen): FieldSpec {
  const optional = gen.chance(0.3)
  if (gen.chance(0.12)) {
    const values = enumValues(gen)
    return optional ? { enum: values, optional: true } : gen.chance(0.5) ? { enum: values } : { enum: values, optional: false }
  }
  const type = gen.chance(0.15) ? 'json' : gen.chance(0.15) ? 'string' : gen.pick(SCALARS)
  return optional ? `${type}?` : type
}

/** `count` schemas, some of them versions of the same name, each with 0 to 12 fields. */
function randomSchemas(gen: Gen, count: number, prefix: string): Schema[] {
  const names = Array.from({ length: Math.ceil(count * 0.7) }, (_, i) => `${prefix}.${gen.pick(['user', 'cache', 'http', 'job', 'db'])}_${i}`)
  const versions = new Map<string, number>()
  const schemas: Schema[] = []
  for (let k = 0; k < count; k++) {
    const name = k < names.length ? names[k] : gen.pick(names)
    const version = (versions.get(name) ?? gen.int(3)) + 1
    versions.set(name, version)
    const fields: Record<string, FieldSpec> = {}
    for (let n = gen.int(13); n > 0; n--) {
      const key = gen.fieldName()
      if (!Object.hasOwn(fields, key)) fields[key] = randomSpec(gen)
    }
    const message = gen.chance(0.1) ? undefined : gen.chance(0.2) ? gen.string() : `${name} happened`
    schemas.push(define(name, version, gen.pick(LEVEL_NAMES), message, fields))
  }
  return schemas
}

function fieldValue(gen: Gen, field: Field): unknown {
  switch (field.type) {
    case 'u8': return gen.integer(0, 0xff)
    case 'u16': return gen.integer(0, 0xffff)
    case 'u32': return gen.integer(0, 0xffffffff)
    case 'i8': return gen.integer(-0x80, 0x7f)
    case 'i16': return gen.integer(-0x8000, 0x7fff)
    case 'i32': return gen.integer(-0x80000000, 0x7fffffff)
    case 'int': return gen.safeInteger()
    case 'f64': return gen.double()
    case 'bool': return gen.chance(0.5)
    case 'string': return gen.string()
    case 'timestamp': return gen.timestamp()
    case 'json': {
      const value = gen.json(1)
      return value === undefined ? null : value
    }
    case 'enum': return gen.pick(field.values!)
  }
}

/** Strings, keys included, as the UTF-8 output holds them: a lone surrogate becomes U+FFFD. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed()
  if (Array.isArray(value)) return value.map(wellFormed)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key.toWellFormed()] = wellFormed(item)
  return out
}

/** Plain data as JSON gives it back: Dates as ISO strings, NaN and the infinities as null, -0 as 0, undefined left out. */
function plain(value: unknown): unknown {
  return wellFormed(JSON.parse(JSON.stringify(value)))
}

function expectedValue(field: Field, value: unknown): unknown {
  switch (field.type) {
    case 'f64': return Number.isFinite(value) ? (value as number) + 0 : null
    case 'timestamp': {
      const date = new Date(value instanceof Date ? value.getTime() : (value as number))
      return Number.isNaN(date.getTime()) ? null : date.toISOString()
    }
    case 'string': case 'enum': return (value as string).toWellFormed()
    case 'json': return plain(value)
    case 'bool': return value
    default: return (value as number) + 0
  }
}

/** An event's values: each field's value, an absent optional one left out or given as undefined. */
function eventValues(gen: Gen, schema: Schema): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const field of schema.fields) {
    if (field.optional && gen.chance(0.35)) {
      if (gen.chance(0.5)) values[field.name] = undefined
      continue
    }
    values[field.name] = fieldValue(gen, field)
  }
  return values
}

interface Source {
  readonly logger: Logger
  /** Its bindings as they are written. */
  readonly bindings: Record<string, unknown>
}

function recordHead(time: number, level: LevelName, message: string | undefined, source: Source): Record<string, unknown> {
  const record: Record<string, unknown> = { time: new Date(time).toISOString(), level }
  if (message !== undefined) record.msg = message.toWellFormed()
  return Object.assign(record, source.bindings)
}

function expectedEvent(time: number, schema: Schema, source: Source, values: Record<string, unknown>): Record<string, unknown> {
  const record = recordHead(time, schema.level, schema.message, source)
  record.event = schema.name
  record.v = schema.version
  for (const field of schema.fields) {
    const value = values[field.name]
    if (value !== undefined) record[field.name.toWellFormed()] = expectedValue(field, value)
  }
  return record
}

/** Logs one event, naming the record when log.event() throws. */
function logEvent(source: Source, schema: Schema, values: Record<string, unknown>, where: string): void {
  try {
    source.logger.event(schema.definition, values satisfies EventFields<Record<string, FieldSpec>>)
  } catch (error) {
    throw new Error(`${SEED_TEXT}, ${where}: log.event(${schema.name} v${schema.version}) threw: ${String(error)}`, { cause: error })
  }
}

/** A child of `parent`, with bindings of hostile text and nested data. */
function childOf(gen: Gen, parent: Source, n: number): Source {
  const own: Record<string, unknown> = Object.keys(parent.bindings).length === 0
    ? { svc: gen.string(), 'ctx.tag': gen.json(2) }
    : { req: n, trace: gen.chance(0.5) ? gen.string() : gen.json(2) }
  return { logger: parent.logger.child(own), bindings: { ...parent.bindings, ...(plain(own) as Record<string, unknown>) } }
}

// ---------------------------------------------------------------------------------------------
// Reading the output back.

function readLines(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  expect(lines.pop(), 'the output ends with a line break').toBe('')
  return lines
}

const short = (text: string | undefined): string => (text === undefined ? 'nothing' : text.length > 400 ? `${text.slice(0, 400)}... (${text.length} chars)` : text)

/** The keys whose values differ between two records, and both values. */
function difference(got: string, expected: string): string {
  let a: Record<string, unknown>
  try {
    a = JSON.parse(got) as Record<string, unknown>
  } catch (error) {
    return `the line is not JSON (${String(error)}): ${short(got)}`
  }
  const b = JSON.parse(expected) as Record<string, unknown>
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  const differ = keys.filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
  const lines = differ.map((key) => `  ${JSON.stringify(key)}: got ${short(JSON.stringify(a[key]))}, expected ${short(JSON.stringify(b[key]))}`)
  if (differ.length === 0) lines.push(`  keys in another order: got ${short(JSON.stringify(Object.keys(a)))}, expected ${short(JSON.stringify(Object.keys(b)))}`)
  return lines.join('\n')
}

/** The line as JSON.stringify writes what it parses to (so keys in order, numbers exact), or the line itself when it is not JSON. */
function canonical(line: string): string {
  try {
    return JSON.stringify(JSON.parse(line))
  } catch {
    return line
  }
}

/** Each line must be its expected record, in order. */
function expectLines(label: string, lines: string[], expected: readonly string[], what: readonly string[]): void {
  const bad: number[] = []
  for (let i = 0; i < Math.max(lines.length, expected.length); i++) {
    if (i >= lines.length || i >= expected.length || canonical(lines[i]) !== expected[i]) bad.push(i)
  }
  if (bad.length === 0) return
  const first = bad[0]
  expect.fail([
    `${label}, ${SEED_TEXT}: ${bad.length} of ${expected.length} records wrong (${lines.length} lines), the first record ${first} (${what[first] ?? 'no record'}):`,
    first < lines.length && first < expected.length ? difference(lines[first], expected[first]) : `  got ${short(lines[first])}, expected ${short(expected[first])}`,
    `records wrong: ${bad.slice(0, 20).join(', ')}${bad.length > 20 ? ', ...' : ''}`,
  ].join('\n'))
}

// ---------------------------------------------------------------------------------------------
// 1. The property: random events of random schemas, with ordinary and child records in between.

/** The 20 schemas, defined once: the worker run and the inline run use the same definitions, each logger sending them itself. */
const schemas = randomSchemas(new Gen(SEED), SCHEMAS, PREFIX)

async function propertyRun(worker: boolean, events: number): Promise<void> {
  const gen = new Gen((SEED ^ (worker ? 0x1234567 : 0x7654321)) >>> 0)
  const label = worker ? 'worker' : 'inline'
  const file = join(tempDir(), `events-${label}.log`)
  let clock = BASE_TIME
  const root = createLogger({ destination: file, worker, bufferSize: RING, level: 'trace', now: () => clock })
  if (worker) await (transportOf(root) as WorkerTransport).running()
  const rootSource: Source = { logger: root, bindings: {} }
  const sources: Source[] = [rootSource, childOf(gen, rootSource, 0)]
  sources.push(childOf(gen, sources[1], 1))
  const expected: string[] = []
  const what: string[] = []
  let logged = 0
  for (let i = 0; logged < events; i++) {
    clock = BASE_TIME + i
    // New children now and then: their bindings go through the ring between records.
    if (i % 3_000 === 2_999) {
      sources[1] = childOf(gen, rootSource, i)
      sources[2] = childOf(gen, sources[1], i)
    }
    const source = gen.chance(0.5) ? sources[0] : gen.pick(sources)
    if (gen.chance(0.72)) {
      const schema = gen.pick(schemas)
      const values = eventValues(gen, schema)
      const where = `${label} record ${i}`
      logEvent(source, schema, values, where)
      expected.push(JSON.stringify(expectedEvent(clock, schema, source, values)))
      what.push(`event ${schema.name} v${schema.version}`)
      logged++
    } else {
      const level = gen.pick(LEVEL_NAMES)
      const message = gen.string()
      const fields: Record<string, unknown> = {}
      for (let n = gen.int(7); n > 0; n--) fields[gen.key()] = gen.chance(0.05) ? undefined : gen.json(1)
      source.logger[level](message, fields)
      expected.push(JSON.stringify(Object.assign(recordHead(clock, level, message, source), plain(fields))))
      what.push(`log.${level}()`)
    }
    if (i % 1_000 === 999) await turn()
  }
  await root.flush()
  const metrics = root.metrics()
  await root.close()

  expect(gen.huge, 'fragmented frames (strings of 30 KB and more)').toBeGreaterThanOrEqual(20)
  expect({ failed: metrics.failed, dropped: metrics.dropped, invalidEvents: metrics.invalidEvents, workerRestarts: metrics.workerRestarts })
    .toEqual({ failed: 0, dropped: 0, invalidEvents: 0, workerRestarts: 0 })
  expectLines(label, readLines(file), expected, what)
}

describe('declared events, property-tested', () => {
  it('the schemas cover every type, optional fields, enums of one and two bytes, and names with two versions', () => {
    const fields = schemas.flatMap((schema) => schema.fields)
    expect(new Set(fields.map((field) => field.type)).size).toBe(SCALARS.length + 1)
    expect(fields.some((field) => field.optional)).toBe(true)
    expect(fields.some((field) => field.type === 'enum' && field.values!.length > 256)).toBe(true)
    expect(new Set(schemas.map((schema) => schema.name)).size).toBeLessThan(schemas.length)
  })

  it(`${WORKER_EVENTS} random events of ${SCHEMAS} schemas, with ordinary and child records, decode exactly on the drain worker`, async () => {
    await propertyRun(true, WORKER_EVENTS)
  })

  it(`${INLINE_EVENTS} random events decode exactly on the calling thread (worker: false)`, async () => {
    await propertyRun(false, INLINE_EVENTS)
  })
})

// ---------------------------------------------------------------------------------------------
// 2. The drain worker killed in the middle of a run of events.

/** The test's own fields first: seq identifies the record. */
function restartSchemas(prefix: string): Schema[] {
  const big = Array.from({ length: 300 }, (_, n) => `tag-${n}-é`)
  return [
    define(`${prefix}.login`, 1, 'info', 'user logged in', {
      seq: 'u32', user: 'string', status: 'u16', ms: 'f64', ok: 'bool', method: { enum: ['GET', 'POST', 'PUT'] }, at: 'timestamp?',
    }),
    define(`${prefix}.job`, 1, 'warn', 'job state', { seq: 'u32', payload: 'json', note: 'string?', size: 'int', delta: 'i8' }),
    define(`${prefix}.job`, 2, 'error', 'job state v2', { seq: 'u32', payload: 'json?', tag: { enum: big }, delta: 'i16', flag: 'bool?' }),
    define(`${prefix}.text`, 1, 'debug', undefined, { seq: 'u32', text: 'string', n: 'u8?' }),
  ]
}

interface Run {
  readonly log: Logger
  readonly gen: Gen
  readonly expected: string[]
  readonly sources: Source[]
}

/** Logs record `seq`: an event of `schema`, or an ordinary record when there is none; returns nothing, fills `expected[seq]`. */
function logSeq(run: Run, seq: number, schema: Schema | undefined, clock: { now: number }): void {
  const { gen } = run
  clock.now = BASE_TIME + seq
  const source = gen.pick(run.sources)
  if (schema === undefined) {
    const fields = { seq, data: gen.json(2) }
    source.logger.info('record', fields)
    run.expected[seq] = JSON.stringify(Object.assign(recordHead(clock.now, 'info', 'record', source), plain(fields)))
    return
  }
  const values = eventValues(gen, schema)
  values.seq = seq
  logEvent(source, schema, values, `record ${seq}`)
  run.expected[seq] = JSON.stringify(expectedEvent(clock.now, schema, source, values))
}

/** Every seq's record is there, each line is its record exactly (a batch may be written twice), nothing failed. */
function expectRecovered(label: string, file: string, expected: readonly string[]): void {
  const lines = readLines(file)
  const seen = new Uint8Array(expected.length)
  const bad: string[] = []
  lines.forEach((line, at) => {
    let seq: unknown
    try {
      seq = (JSON.parse(line) as { seq?: unknown }).seq
    } catch {
      seq = undefined
    }
    if (typeof seq !== 'number' || expected[seq] === undefined) {
      bad.push(`line ${at}: no record has this seq: ${short(line)}`)
    } else if (canonical(line) !== expected[seq]) {
      bad.push(`line ${at}, record ${seq}:\n${difference(line, expected[seq])}`)
    } else {
      seen[seq] = 1
    }
  })
  const missing = expected.flatMap((_, seq) => (seen[seq] === 1 ? [] : [seq]))
  if (bad.length > 0 || missing.length > 0) {
    expect.fail(`${label}, ${SEED_TEXT}: ${bad.length} wrong lines, ${missing.length} records missing (${missing.slice(0, 20).join(', ')})\n${bad.slice(0, 5).join('\n')}`)
  }
  expect(lines.length).toBeGreaterThanOrEqual(expected.length)
  // After the lines a restart writes again, the records come in order.
  let rewrites = 0
  for (let at = 1; at < lines.length; at++) {
    if (((JSON.parse(lines[at]) as { seq: number }).seq) <= (JSON.parse(lines[at - 1]) as { seq: number }).seq) rewrites++
  }
  expect(rewrites, 'places where records were written again').toBeLessThanOrEqual(2)
}

async function startRun(file: string, seed: number, clock: { now: number }): Promise<Run> {
  const gen = new Gen(seed)
  // No record larger than a quarter of the ring: one in the middle of being read when the worker
  // dies is lost by design (counted as failed, see the test at the end).
  gen.hugeRate = 0
  const log = createLogger({ destination: file, bufferSize: RING, level: 'trace', now: () => clock.now })
  await (transportOf(log) as WorkerTransport).running()
  const root: Source = { logger: log, bindings: {} }
  const child = childOf(gen, root, 0)
  return { log, gen, expected: [], sources: [root, child, childOf(gen, child, 1)] }
}

describe('declared events across a restart of the drain worker', () => {
  it('events of schemas used before the crash decode after it: the new worker knows the event table', async () => {
    const file = join(tempDir(), 'restart.log')
    const schemas = restartSchemas(`${PREFIX}-restart`)
    const clock = { now: BASE_TIME }
    const run = await startRun(file, (SEED ^ 0xc4a5) >>> 0, clock)
    const total = 40_000
    for (let seq = 0; seq < total; seq++) {
      // Every schema used first, then mostly events, now and then an ordinary record.
      const schema = seq < schemas.length ? schemas[seq] : run.gen.chance(0.1) ? undefined : run.gen.pick(schemas)
      logSeq(run, seq, schema, clock)
      if (seq % 1_000 === 999) await turn()
      if (seq === 20_000) await (transportOf(run.log) as WorkerTransport).killWorker()
    }
    await run.log.flush()
    const metrics = run.log.metrics()
    await run.log.close()

    expect({ failed: metrics.failed, dropped: metrics.dropped, invalidEvents: metrics.invalidEvents, workerRestarts: metrics.workerRestarts })
      .toEqual({ failed: 0, dropped: 0, invalidEvents: 0, workerRestarts: 1 })
    expectRecovered('restart', file, run.expected)
  })

  it('an event first used just before a crash, one first used only after it, and one defined between two crashes decode', async () => {
    const file = join(tempDir(), 'restart-late.log')
    const [login, jobV1, jobV2, text] = restartSchemas(`${PREFIX}-late`)
    const clock = { now: BASE_TIME }
    const run = await startRun(file, (SEED ^ 0x1a7e) >>> 0, clock)
    const transport = transportOf(run.log) as WorkerTransport
    const inUse: Schema[] = [login, jobV1]
    let defined: Schema | undefined
    const total = 30_000
    for (let seq = 0; seq < total; seq++) {
      let schema = seq < inUse.length ? inUse[seq] : run.gen.chance(0.05) ? undefined : run.gen.pick(inUse)
      if (seq === 10_000) {
        // First used here, then the worker is killed before a turn of the event loop: its
        // definition may be in the ring, unread, when the worker dies.
        logSeq(run, seq, text, clock)
        inUse.push(text)
        await transport.killWorker()
        continue
      }
      if (seq === 12_000) {
        // Defined before the crash (at the start), first used only after it.
        schema = jobV2
        inUse.push(jobV2)
      }
      if (seq === 15_000) {
        defined = define(`${PREFIX}-late.after`, 3, 'fatal', 'defined after a restart', {
          seq: 'u32', when: 'timestamp', what: { enum: ['a', 'b'], optional: true }, blob: 'json', s: 'string?',
        })
        schema = defined
        inUse.push(defined)
      }
      logSeq(run, seq, schema, clock)
      if (seq % 1_000 === 999) await turn()
      if (seq === 20_000) await transport.killWorker()
    }
    await run.log.flush()
    const metrics = run.log.metrics()
    await run.log.close()

    expect(defined).toBeDefined()
    expect({ failed: metrics.failed, dropped: metrics.dropped, invalidEvents: metrics.invalidEvents, workerRestarts: metrics.workerRestarts })
      .toEqual({ failed: 0, dropped: 0, invalidEvents: 0, workerRestarts: 2 })
    expectRecovered('restart, late events', file, run.expected)
  })
})

// ---------------------------------------------------------------------------------------------
// 3. Two versions of one event at once.

describe('two versions of one event in use at once', () => {
  it.each([true, false])('each line has its version and its version\'s fields (worker: %s)', async (worker) => {
    const name = `${PREFIX}.${worker ? 'worker' : 'inline'}.order_placed`
    // The same field names with other types in version 2, and fields in another order.
    const V1 = defineEvent({
      name, version: 1, level: 'info', message: 'order placed', fields: { seq: 'u32', a: 'string', b: 'u8', c: 'bool?' },
    })
    const V2 = defineEvent({
      name, version: 2, level: 'warn', message: 'order placed (v2)',
      fields: { a: 'i32', seq: 'u32', c: { enum: ['x', 'y', 'z'] }, d: 'json?', b: 'string' },
    })
    const gen = new Gen((SEED ^ (worker ? 0x2e2 : 0x2e1)) >>> 0)
    const file = join(tempDir(), 'versions.log')
    let clock = BASE_TIME
    const log = createLogger({ destination: file, worker, bufferSize: RING, level: 'trace', now: () => clock })
    const child = log.child({ svc: 'orders' })
    const expected: string[] = []
    const what: string[] = []
    const total = 20_000
    for (let seq = 0; seq < total; seq++) {
      clock = BASE_TIME + seq
      const time = new Date(clock).toISOString()
      const logger = gen.chance(0.3) ? child : log
      const bindings = logger === child ? { svc: 'orders' } : {}
      if (gen.chance(0.5)) {
        const a = gen.string()
        const b = gen.integer(0, 255)
        const c = gen.chance(0.3) ? undefined : gen.chance(0.5)
        logger.event(V1, c === undefined ? { seq, a, b } : { seq, a, b, c })
        expected.push(JSON.stringify({ time, level: 'info', msg: 'order placed', ...bindings, event: name, v: 1, seq, a: a.toWellFormed(), b: b + 0, ...(c === undefined ? {} : { c }) }))
        what.push('v1')
      } else {
        const a = gen.integer(-0x80000000, 0x7fffffff)
        const c = gen.pick(['x', 'y', 'z'] as const)
        const d = gen.chance(0.3) ? undefined : gen.json(1)
        const b = gen.string()
        logger.event(V2, { a, seq, c, d, b })
        const record: Record<string, unknown> = { time, level: 'warn', msg: 'order placed (v2)', ...bindings, event: name, v: 2, a: a + 0, seq, c }
        if (d !== undefined) record.d = plain(d)
        record.b = b.toWellFormed()
        expected.push(JSON.stringify(record))
        what.push('v2')
      }
      if (seq % 1_000 === 999) await turn()
    }
    await log.flush()
    const metrics = log.metrics()
    await log.close()

    expect({ failed: metrics.failed, dropped: metrics.dropped, invalidEvents: metrics.invalidEvents }).toEqual({ failed: 0, dropped: 0, invalidEvents: 0 })
    const lines = readLines(file)
    expect(lines.map((line) => (JSON.parse(line) as { v: number }).v)).toEqual(what.map((v) => (v === 'v1' ? 1 : 2)))
    expectLines(`two versions, worker: ${worker}`, lines, expected, what)
  })
})

// ---------------------------------------------------------------------------------------------
// The bugs the tests above found, each on its own.

describe('bugs found above, one at a time', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'])('defineEvent() refuses a field named %j, a member of Object.prototype', (name) => {
    // Found as: an absent optional field of this name read the inherited member, and log.event()
    // threw "field toString expects u16 (an integer from 0 to 65535); got [function toString]".
    const fields = Object.fromEntries(new Map<string, FieldSpec>([['id', 'u32'], [name, 'u16?']]))
    expect(Object.keys(fields)).toEqual(['id', name])
    expect(() => define(`${PREFIX}.proto_keys`, 1, 'info', 'm', fields)).toThrow(TypeError)
    expect(() => define(`${PREFIX}.proto_keys`, 1, 'info', 'm', fields)).toThrow(/Object\.prototype/)
  })

  it('an event larger than a quarter of the ring, in the middle of being read when the drain worker dies, is written or counted as failed', async () => {
    const Big = defineEvent({ name: `${PREFIX}.big_before_crash`, version: 1, fields: { seq: 'u32', text: 'string' } })
    const lost: string[] = []
    for (let trial = 0; trial < 5; trial++) {
      const file = join(tempDir(), `big-${trial}.log`)
      const log = createLogger({ destination: file, bufferSize: RING })
      const transport = transportOf(log) as WorkerTransport
      await transport.running()
      const total = 202
      for (let seq = 0; seq < total; seq++) {
        log.event(Big, { seq, text: seq % 10 === 0 ? 'x'.repeat(40_000) : 'y' })
        if (seq % 50 === 49) await turn()
        if (seq === 200) await transport.killWorker()
      }
      await log.flush()
      const { failed, dropped, workerRestarts } = log.metrics()
      await log.close()
      const seqs = new Set(readRecords(file).map((record) => record.seq))
      const missing = [...Array(total).keys()].filter((seq) => !seqs.has(seq))
      // Found as: the record was lost without a trace (failed 0). Its successor finds only its last fragments.
      if (missing.length !== failed || failed > 1 || dropped !== 0 || workerRestarts !== 1) {
        lost.push(`trial ${trial}: records ${missing.join(', ')} missing; failed ${failed}, dropped ${dropped}, workerRestarts ${workerRestarts}`)
      }
      for (const seq of missing) expect(seq % 10, 'only a large record can be lost').toBe(0)
    }
    expect(lost).toEqual([])
  })
})
