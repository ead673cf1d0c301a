import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import logfmt from 'logfmt'
import { beforeAll, describe, expect, it } from 'vitest'
import { createLogger, withContext, type FormatName, type Logger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { parseLogfmtLine } from './helpers/parse-lines.js'
import { tempDir } from './helpers/files.js'

/**
 * Hostile keys and values through a real logger (its worker thread, a real file) in every format,
 * read back with third-party parsers (JSON.parse, the logfmt package, csv-parse): nothing is lost
 * and no two keys or values are merged. README, "Data types", states the rules asserted here.
 */

class WithToJSON {
  secret = 'not written'
  toJSON(): string {
    return 'class toJSON'
  }
}

/** Fields named like the record's own keys, from the call, the child's bindings and the request context. */
const RESERVED = { msg: 'field msg', msg_: 'field msg_', level_: 'field level_' }
const RESERVED_READ = {
  msg_: 'field msg', msg__: 'field msg_', level__: 'field level_', level_: 'bound level', time_: 'context time',
}

const toJsonFields = (): Record<string, unknown> => ({
  own: { toJSON: () => ({ via: 'own toJSON' }) },
  inherited: Object.create({ toJSON: () => 'inherited toJSON' }) as object,
  cls: new WithToJSON(),
  list: Object.assign([1, 2], { toJSON: () => 'array toJSON' }),
  plain: { kept: 1 },
})

// A lone surrogate is written as U+FFFD (README, Data types): '\udc00' or '\ufffd' next to '\ud800' would be written as one key.
const KEYS = ['a b', 'a=b', 'a"b', 'a\nb', 'a\\b', '', 'a_b', '%', 'a%20b', 'a\\u0020b', '\ud800']
const KEYED = Object.fromEntries(KEYS.map((key, i) => [key, `v${i}`]))

const VALUES: Record<string, string> = {
  nl: 'a\nb', bsn: 'a\\nb', bs: 'a\\b', quote: 'say "hi"', tab: 'a\tb', bst: 'a\\tb', lone: 'x\ud800', pair: 'x\ud83d\ude00',
}
const MESSAGE = 'lone \ud800, newline\n, backslash-n \\n'

/** What is written for a string: itself, a lone surrogate as U+FFFD (the calling thread's UTF-8). */
const written = (text: string): string => text.toWellFormed()
const writtenKeys = (object: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(object).map(([key, value]) => [written(key), written(value)]))
const KEYS_WRITTEN = KEYS.map(written)
const KEYED_WRITTEN = writtenKeys(KEYED)
const VALUES_WRITTEN = writtenKeys(VALUES)
const MESSAGE_WRITTEN = written(MESSAGE)

function logAll(log: Logger): void {
  withContext({ time: 'context time' }, () => log.child({ level: 'bound level' }).info('reserved', RESERVED))
  log.info('toJSON', toJsonFields())
  log.info({ toJSON: () => ({ top: 'fields toJSON' }) }, 'toJSON of the fields')
  log.info('keys', KEYED)
  log.info(MESSAGE, VALUES)
  log.info('hidden toJSON', { hidden: Object.defineProperty({ kept: true }, 'toJSON', { value: () => 'not called' }) })
}

// Every key but the empty one, which the columns option does not take.
const COLUMNS = ['time', 'level', 'msg', ...Object.keys(RESERVED_READ), ...Object.keys(toJsonFields()), 'top', ...KEYS_WRITTEN.filter((key) => key !== ''), ...Object.keys(VALUES)]

async function logged(format: FormatName): Promise<string> {
  const file = join(tempDir(), `hostile.${format}`)
  const log = createLogger({ format, destination: file, colors: false, columns: COLUMNS })
  await (transportOf(log) as WorkerTransport).running()
  logAll(log)
  await log.close()
  return readFileSync(file, 'utf8')
}

/** What JSON.stringify makes of a value: the reference for toJSON. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown

/** A logfmt key back from its percent-encoding (README: a lone `%` is the empty key, `%uD800` a lone surrogate). */
function decodeKey(key: string): string {
  if (key === '%') return ''
  return key.split(/(%u[0-9A-F]{4})/).map((part) => part.startsWith('%u') ? String.fromCharCode(parseInt(part.slice(2), 16)) : decodeURIComponent(part)).join('')
}

/**
 * text, csv and pretty write the backslash, control characters and lone surrogates with the escapes
 * of a JSON string, quotes as they are: JSON.parse of the text in quotes, its quotes escaped, gives
 * the string back.
 */
const unescapeText = (text: string): string => JSON.parse(`"${text.replace(/"/g, '\\"')}"`) as string

/** How the logfmt package (npm) reads a quoted value: `\"` and `\\` as escapes, any other escape as its letter. */
const NPM_LOGFMT_READS: Record<string, string> = {
  nl: 'anb', bsn: 'a\\nb', bs: 'a\\b', quote: 'say "hi"', tab: 'atb', bst: 'a\\tb',
  lone: 'x\ufffd', pair: 'x\ud83d\ude00',
}

function expectDistinct(values: unknown[]): void {
  expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(values.length)
}

describe('json', () => {
  let lines: Record<string, unknown>[]
  beforeAll(async () => {
    lines = (await logged('json')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  })

  it('keeps the record\'s own msg, time and level; fields of those names get one _ more', () => {
    expect(lines[0]).toEqual({ time: expect.stringMatching(/^\d{4}-/), level: 'info', msg: 'reserved', ...RESERVED_READ })
  })

  it('writes what toJSON() returns, own, inherited, a class method or an array\'s, as JSON.stringify does', () => {
    expect(lines[1]).toMatchObject({ msg: 'toJSON', ...(asJson(toJsonFields()) as object) })
    expect(lines[1]).toMatchObject({ own: { via: 'own toJSON' }, inherited: 'inherited toJSON', cls: 'class toJSON', list: 'array toJSON' })
    expect(lines[2]).toMatchObject({ msg: 'toJSON of the fields', top: 'fields toJSON' })
  })

  it('does not look for a plain object\'s own toJSON that is not enumerable (README: for speed)', () => {
    expect(lines[5]).toMatchObject({ msg: 'hidden toJSON', hidden: { kept: true } })
  })

  it('keeps every hostile key and every value as it was, a lone surrogate as U+FFFD', () => {
    expect(lines[3]).toEqual({ time: expect.any(String), level: 'info', msg: 'keys', ...KEYED_WRITTEN })
    expect(lines[4]).toEqual({ time: expect.any(String), level: 'info', msg: MESSAGE_WRITTEN, ...VALUES_WRITTEN })
  })
})

describe('logfmt', () => {
  let lines: string[]
  beforeAll(async () => {
    lines = (await logged('logfmt')).trimEnd().split('\n')
  })

  it('keeps the record\'s own msg, time and level; fields of those names get one _ more', () => {
    const read = logfmt.parse(lines[0])
    expect(read).toEqual({ time: expect.stringMatching(/^\d{4}-/), level: 'info', msg: 'reserved', ...RESERVED_READ })
  })

  it('writes what toJSON() returns, flattened as logfmt flattens objects', () => {
    expect(logfmt.parse(lines[1])).toMatchObject({
      'own.via': 'own toJSON', inherited: 'inherited toJSON', cls: 'class toJSON', list: 'array toJSON', 'plain.kept': '1',
    })
    expect(logfmt.parse(lines[2])).toMatchObject({ top: 'fields toJSON' })
  })

  it('percent-encodes keys: the logfmt package reads every hostile key apart, decodeURIComponent gives each back', () => {
    const read = logfmt.parse(lines[3])
    const keys = Object.keys(read).slice(3)
    expect(keys).toHaveLength(KEYS.length)
    expect(keys.map(decodeKey)).toEqual(KEYS_WRITTEN)
    expect(Object.values(read).slice(3)).toEqual(KEYS.map((_, i) => `v${i}`))
    // The spec-following parser of the tests agrees.
    expect(parseLogfmtLine(lines[3]).slice(3).map(({ key }) => decodeKey(key))).toEqual(KEYS_WRITTEN)
  })

  it('quotes values with JSON string escapes: read back exactly by a strict parser, and apart by the logfmt package', () => {
    const strict = parseLogfmtLine(lines[4])
    expect(strict[2].value).toBe(MESSAGE_WRITTEN)
    expect(Object.fromEntries(strict.slice(3).map(({ key, value }) => [key, value]))).toEqual(VALUES_WRITTEN)
    const read = logfmt.parse(lines[4])
    const values = Object.keys(VALUES).map((key) => read[key])
    expect(Object.fromEntries(Object.keys(VALUES).map((key) => [key, read[key]]))).toEqual(NPM_LOGFMT_READS)
    expectDistinct(values)
  })
})

describe('text', () => {
  let lines: string[]
  beforeAll(async () => {
    lines = (await logged('text')).trimEnd().split('\n')
  })
  /** The key=value pairs after the message, `message` as written (the logfmt package reads a backslash outside quotes into the next value). */
  const pairs = (line: string, message: string): Record<string, unknown> => {
    const start = line.indexOf(` INFO  ${message} `) + ` INFO  ${message}`.length
    return logfmt.parse(line.slice(start))
  }

  it('writes fields named like the record\'s own keys with one _ more, as every format does', () => {
    expect(lines[0]).toMatch(/^\S+ INFO  reserved /)
    expect(pairs(lines[0], 'reserved')).toEqual(RESERVED_READ)
  })

  it('keeps every hostile key apart, percent-encoded as in logfmt', () => {
    expect(Object.keys(pairs(lines[3], 'keys')).map(decodeKey)).toEqual(KEYS_WRITTEN)
  })

  it('escapes the backslash, so a newline and a backslash followed by n differ', () => {
    const message = 'lone \ufffd, newline\\n, backslash-n \\\\n'
    expect(lines[4]).toContain(` INFO  ${message} `)
    expect(unescapeText(message)).toBe(MESSAGE_WRITTEN)
    const read = pairs(lines[4], message)
    expect(Object.fromEntries(Object.keys(VALUES).map((key) => [key, read[key]]))).toEqual(NPM_LOGFMT_READS)
  })
})

describe('csv', () => {
  let rows: string[][]
  beforeAll(async () => {
    rows = parseCsv(await logged('csv'), { relax_column_count: false }) as string[][]
  })
  const cells = (row: string[]): Record<string, unknown> => Object.fromEntries(COLUMNS.map((column, i) => [column, unescapeText(row[i])]).filter(([, value]) => value !== ''))

  it('writes the header with the same escapes, so every column reads back as configured', () => {
    expect(rows[0].map(unescapeText)).toEqual(COLUMNS)
  })

  it('fills a column named like a record key with its value, and msg_ with a field named msg', () => {
    expect(cells(rows[1])).toEqual({ time: expect.stringMatching(/^\d{4}-/), level: 'info', msg: 'reserved', ...RESERVED_READ })
  })

  it('writes what toJSON() returns', () => {
    expect(cells(rows[2])).toMatchObject({ own: '{"via":"own toJSON"}', inherited: 'inherited toJSON', cls: 'class toJSON', list: 'array toJSON' })
    expect(cells(rows[3])).toMatchObject({ top: 'fields toJSON' })
  })

  it('keeps every hostile key\'s column and every value, newline and backslash included', () => {
    const { '': _empty, ...columns } = KEYED_WRITTEN
    expect(cells(rows[4])).toMatchObject(columns)
    expect(cells(rows[5])).toEqual({ time: expect.any(String), level: 'info', msg: MESSAGE_WRITTEN, ...VALUES_WRITTEN })
  })
})

describe('pretty', () => {
  let records: string[][]
  beforeAll(async () => {
    records = []
    for (const line of (await logged('pretty')).trimEnd().split('\n')) {
      if (line.startsWith('    ')) records[records.length - 1].push(line.slice(4))
      else records.push([line])
    }
  })
  /** `key: JSON` lines under the first: keys escaped as text is, values JSON. */
  const fields = (record: string[]): [string, unknown][] => record.slice(1).map((line) => {
    const at = line.lastIndexOf(': ')
    return [unescapeText(line.slice(0, at)), JSON.parse(line.slice(at + 2)) as unknown]
  })

  it('writes fields named like the record\'s own keys with one _ more', () => {
    expect(Object.fromEntries(fields(records[0]))).toEqual(RESERVED_READ)
  })

  it('keeps every hostile key apart and every value as it was', () => {
    expect(fields(records[3])).toEqual(Object.entries(KEYED_WRITTEN))
    expect(records[4][0]).toContain(' lone \ufffd, newline\\n, backslash-n \\\\n')
    expect(Object.fromEntries(fields(records[4]))).toEqual(VALUES_WRITTEN)
  })
})
