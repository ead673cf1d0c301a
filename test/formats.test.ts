import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createLogger, type FormatName, type Logger, type LoggerOptions } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, tempDir } from './helpers/files.js'

/**
 * Golden tests: every data type the issue names, in every format, worker and inline mode, against
 * the exact bytes in test/golden/<format>.txt. One record per case; the golden files list the
 * records in the order of CASES.
 */

function error(message: string, stack: string, extra: object = {}, options?: ErrorOptions): Error {
  const e = new Error(message, options)
  e.stack = stack
  return Object.assign(e, extra)
}

function typeError(message: string): TypeError {
  const e = new TypeError(message)
  e.stack = `TypeError: ${message}\n    at low (db.js:7:3)`
  return e
}

const circular: Record<string, unknown> = { name: 'loop' }
circular.self = circular

const sym = Symbol('hidden')

const aggregate = new AggregateError([typeError('first'), error('second', 'Error: second')], 'all failed')
aggregate.stack = 'AggregateError: all failed\n    at many (pool.js:3:9)'

/** The cases: a name, and the call that logs the record. */
export const CASES: [string, (log: Logger) => void][] = [
  ['plain fields', (log) => log.info('user logged in', { userId: 42, path: '/api', ok: true, ratio: 0.5, none: null })],
  ['nested object', (log) => log.info('nested', { user: { id: 7, name: 'Ann', roles: ['admin', 'dev'] } })],
  ['Error as the first argument', (log) => log.error(error('boom', 'Error: boom\n    at handler (app.js:10:5)', { code: 'E_BOOM' }, { cause: typeError('low level') }), 'request failed')],
  ['Error under err, with a cause chain', (log) => log.error('chain', { err: error('top', 'Error: top', {}, { cause: error('middle', 'Error: middle', {}, { cause: 'root cause' }) }) })],
  ['AggregateError', (log) => log.error(aggregate)],
  ['Error below the top level', (log) => log.warn('nested error', { job: { id: 3, failure: typeError('deep') } })],
  ['Date', (log) => log.info('dates', { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), invalid: new Date(NaN) })],
  ['BigInt', (log) => log.info('bigints', { small: 42n, negative: -(2n ** 63n), huge: 2n ** 70n })],
  ['Map', (log) => log.info('map', { map: new Map<unknown, unknown>([['a', 1], [2, 'two']]) })],
  ['Set', (log) => log.info('set', { set: new Set(['x', 'y']) })],
  ['Buffer and typed arrays', (log) => log.info('bytes', { buf: Buffer.from([1, 2, 255]), u8: new Uint8Array([3, 4]), f64: new Float64Array([1.5, -2]) })],
  ['URL', (log) => log.info('url', { url: new URL('https://example.com/a?b=1#c') })],
  ['RegExp', (log) => log.info('regexp', { pattern: /^a+b$/gi })],
  ['circular reference', (log) => log.info('circular', { circular })],
  ['Symbol keys and values', (log) => log.info('symbols', { [sym]: 'not written', label: sym, kept: 1 })],
  ['getter that throws', (log) => log.info('getter', { obj: { ok: 1, get bad(): never { throw new Error('no access') } } })],
  ['functions and undefined', (log) => log.info('omitted', { fn: () => 1, undef: undefined, list: [undefined, 1], kept: 'yes' })],
  ['NaN and Infinity', (log) => log.info('numbers', { nan: NaN, inf: Infinity, ninf: -Infinity, negzero: -0 })],
  ['lone surrogates', (log) => log.info('lone \ud800 high', { low: 'x\udc00y' })],
  ['control characters and ANSI escapes', (log) => log.info('line1\nline2\r\x1b[31mred\x1b[0m', { 'key\nx': 'a\tb\u2028c', quote: 'say "hi", ok=1 \\ end' })],
  ['deeper than maxDepth', (log) => log.info('deep', { a: { b: { c: { d: { e: 1 } } } }, list: [[[[1]]]] })],
  ['longer than maxStringLength', (log) => log.info(`a message of 64 characters${'.'.repeat(38)}`, { s: 'abcdefghij'.repeat(7), emoji: `${'x'.repeat(59)}\u{1F600}` })],
  ['longer than maxArrayLength', (log) => log.info('array', { items: [1, 2, 3, 4, 5, 6], few: [1, 2] })],
  ['child bindings, context-free', (log) => log.child({ name: 'billing', region: 'eu' }).info('charged', { amount: 12.5 })],
  ['no message', (log) => log.debug({ only: 'fields' })],
]

const OPTIONS: LoggerOptions = { level: 'trace', maxDepth: 3, maxStringLength: 60, maxArrayLength: 4, colors: false, columns: [
  'time', 'level', 'msg', 'userId', 'user.name', 'err', 'job', 'at', 'invalid', 'small', 'negative', 'huge', 'map', 'set', 'buf',
  'u8', 'f64', 'url', 'pattern', 'circular', 'label', 'obj', 'fn', 'undef', 'list', 'nan', 'inf', 'ninf', 'negzero', 'low',
  'key\nx', 'quote', 'a', 's', 'emoji', 'items', 'few', 'name', 'region', 'amount', 'only',
] }
const FORMATS: FormatName[] = ['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp']

async function run(format: FormatName, worker: boolean): Promise<string> {
  const file = join(tempDir(), `${format}-${worker}.log`)
  const restore = fixedClock()
  try {
    const log = createLogger({ ...OPTIONS, format, worker, destination: file })
    if (worker) await (transportOf(log) as WorkerTransport).running()
    for (const [, call] of CASES) call(log)
    await log.close()
  } finally {
    restore()
  }
  return readFileSync(file, 'utf8')
}

/** The output split into records: a record is a line, and for pretty also the indented lines below it. */
function records(format: FormatName, text: string): string[] {
  const lines = text.split(format === 'csv' ? '\r\n' : '\n')
  lines.pop()
  if (format === 'csv') lines.shift()
  if (format !== 'pretty') return lines.map((line) => `${line}\n`)
  const out: string[] = []
  for (const line of lines) {
    if (line.startsWith(' ')) out[out.length - 1] += `${line}\n`
    else out.push(`${line}\n`)
  }
  return out
}

const golden = (format: FormatName): string => readFileSync(new URL(`./golden/${format}.txt`, import.meta.url), 'utf8')

describe.each(FORMATS)('%s format', (format) => {
  const outputs: Record<string, string> = {}
  beforeAll(async () => {
    outputs.worker = await run(format, true)
    outputs.inline = await run(format, false)
  })

  it('worker and inline mode write the same bytes, and the golden file', () => {
    expect(outputs.worker).toBe(outputs.inline)
    expect(outputs.inline).toBe(golden(format))
  })

  it.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    const expected = records(format, golden(format))
    expect(records(format, outputs.worker)).toHaveLength(CASES.length)
    expect(records(format, outputs.worker)[i]).toBe(expected[i])
    expect(records(format, outputs.inline)[i]).toBe(expected[i])
  })
})

describe('csv header', () => {
  it('is written once per file: not again when a later logger appends to it, worker or inline', async () => {
    const file = join(tempDir(), 'appended.csv')
    for (const worker of [true, false, true]) {
      const log = createLogger({ format: 'csv', destination: file, worker, timeFormat: 'epoch', columns: ['msg', 'worker'] })
      log.info('line', { worker })
      await log.close()
    }
    expect(readFileSync(file, 'utf8')).toBe('msg,worker\r\nline,true\r\nline,false\r\nline,true\r\n')
  })
})
