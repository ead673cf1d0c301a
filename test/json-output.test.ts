import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, tempDir } from './helpers/files.js'

/** Waits for the drain worker, so the records go through it rather than the caller's start-up drain. */
async function workerRunning(log: Logger): Promise<void> {
  await (transportOf(log) as WorkerTransport).running()
}

async function output(worker: boolean, body: (log: Logger) => void): Promise<string> {
  const file = join(tempDir(), `out-${worker}.log`)
  const restore = fixedClock()
  try {
    const log = createLogger({ destination: file, worker, level: 'debug' })
    if (worker) await workerRunning(log)
    body(log)
    await log.close()
  } finally {
    restore()
  }
  return readFileSync(file, 'utf8')
}

const T0 = '2026-11-28T02:04:27.'

describe.each([true, false])('JSON lines (worker: %s)', (worker) => {
  it('writes time, level, msg, then the fields', async () => {
    const text = await output(worker, (log) => {
      log.info('user logged in', { userId: 42 })
      log.info({ userId: 42 }, 'user logged in')
      log.warn('no fields')
      log.debug({ only: 'fields' })
      log.trace('below the level: not written')
    })
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"user logged in","userId":42}\n` +
      `{"time":"${T0}124Z","level":"info","msg":"user logged in","userId":42}\n` +
      `{"time":"${T0}125Z","level":"warn","msg":"no fields"}\n` +
      `{"time":"${T0}126Z","level":"debug","only":"fields"}\n`,
    )
  })

  it('writes every number with the digits JSON.stringify gives: fractions, decimals, integers past 2^32, edges', async () => {
    // A fixed spread of values, drawn once: short decimals (written digit by digit), long fractions
    // and magnitudes outside 1e-6..1e9 (through String()), integers up to 2^53.
    let seed = 7
    const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647)
    const values: number[] = [0, -0, 1e-6, 1e-7, 0.1 + 0.2, 999999999.999999, 1e9, 2 ** 53, -(2 ** 53), 4294967296.5, 5e-324, 1.7976931348623157e308, 42.125, -0.000001]
    for (let i = 0; i < 300; i++) {
      const places = Math.floor(random() * 9)
      const magnitude = 10 ** Math.floor(random() * 16 - 5)
      values.push(Math.round(random() * magnitude * 10 ** places) / 10 ** places * (random() < 0.3 ? -1 : 1))
    }
    const text = await output(worker, (log) => {
      for (const value of values) log.info('n', { value, nested: [value] })
    })
    expect(text.split('\n').slice(0, -1).map((line) => line.slice(line.indexOf(',"value":')))).toEqual(
      values.map((value) => `,"value":${JSON.stringify(value)},"nested":[${JSON.stringify(value)}]}`),
    )
  })

  it("cuts a nested Error's data arrays at maxArrayLength, but never the error's own parts", async () => {
    const file = join(tempDir(), `nested-error-${worker}.log`)
    const restore = fixedClock()
    try {
      const log = createLogger({ destination: file, worker, maxArrayLength: 1 })
      const inner = new Error('inner')
      inner.stack = 'not written below the top level'
      log.info('x', { j: { failure: inner, list: [1, 2, 3] } })
      await log.close()
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"x","j":{"failure":{"type":"Error","message":"inner"},"list":[1,"... 2 more items"]}}\n`,
    )
  })

  it('merges child bindings before the fields, a field replacing a binding of the same key in place', async () => {
    const text = await output(worker, (log) => {
      const child = log.child({ service: 'billing', region: 'eu' })
      const grandchild = child.child({ region: 'us', tenant: 7 })
      child.info('charged', { amount: 12.5 })
      grandchild.info('nested')
      child.info('override', { service: 'refunds', extra: true })
    })
    // Small bindings travel inline: the child() calls do not read the clock.
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"charged","service":"billing","region":"eu","amount":12.5}\n` +
      `{"time":"${T0}124Z","level":"info","msg":"nested","service":"billing","region":"us","tenant":7}\n` +
      `{"time":"${T0}125Z","level":"info","msg":"override","service":"refunds","region":"eu","extra":true}\n`,
    )
  })

  it('writes an Error as err with type, message, stack, own fields and cause', async () => {
    const cause = new TypeError('low level')
    const error = Object.assign(new Error('boom', { cause }), { code: 'E_BOOM' })
    error.stack = 'Error: boom\n    at here'
    cause.stack = 'TypeError: low level'
    const text = await output(worker, (log) => {
      log.error(error, 'request failed')
      log.error(error)
      log.warn('with err field', { err: cause, id: 1 })
    })
    const err = '{"type":"Error","message":"boom","stack":"Error: boom\\n    at here","code":"E_BOOM","cause":{"type":"TypeError","message":"low level","stack":"TypeError: low level"}}'
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"error","msg":"request failed","err":${err}}\n` +
      `{"time":"${T0}124Z","level":"error","msg":"boom","err":${err}}\n` +
      `{"time":"${T0}125Z","level":"warn","msg":"with err field","err":{"type":"TypeError","message":"low level","stack":"TypeError: low level"},"id":1}\n`,
    )
  })

  it('never throws into the caller and keeps one record per line for hostile values', async () => {
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    const throwing = { get boom(): never { throw new Error('getter') }, ok: 1 }
    const text = await output(worker, (log) => {
      log.info('circular', { circular })
      log.info('getter', { throwing })
      log.info('control\ncharacters "quoted" \u0007', { 'key\n"x"': 'line1\nline2\ttab', undef: undefined, nan: NaN, big: 2n ** 70n })
      log.info('dates and sets', { when: new Date(0), tags: new Set(['a', 'b']), bytes: Buffer.from([1, 2]) })
      log.info('lone surrogate \ud800 end', { s: 'x\udc00y' })
    })
    const lines = text.split('\n')
    expect(lines.at(-1)).toBe('')
    const records = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toHaveLength(5)
    expect(records[0].circular).toEqual({ name: 'loop', self: '[Circular]' })
    expect(records[1].throwing).toEqual({ boom: '[Getter threw: getter]', ok: 1 })
    expect(records[2]).toMatchObject({ msg: 'control\ncharacters "quoted" \u0007', 'key\n"x"': 'line1\nline2\ttab', nan: null })
    // A BigInt is written as its digits: a JSON number, exact in the text.
    expect(lines[2]).toContain('"big":1180591620717411303424}')
    expect('undef' in records[2]).toBe(false)
    expect(records[3]).toMatchObject({ when: '1970-01-01T00:00:00.000Z', tags: ['a', 'b'], bytes: { type: 'Buffer', data: [1, 2] } })
    expect(records[4]).toMatchObject({ msg: 'lone surrogate \ufffd end', s: 'x\ufffdy' })
  })
})

describe('records larger than the ring', () => {
  it('arrive whole through a 64 KiB ring, split into fragments on the way', async () => {
    const file = join(tempDir(), 'large.log')
    // maxRecordSize above the record: 1 MiB of string and its key.
    const log = createLogger({ destination: file, bufferSize: 64 * 1024, maxRecordSize: 2 << 20 })
    await workerRunning(log)
    const big = 'z'.repeat(1 << 20)
    log.info('before')
    log.info('huge', { big })
    log.info('after')
    await log.flush()
    expect(log.metrics()).toMatchObject({ written: 3, dropped: 0, failed: 0 })
    await log.close()
    const records = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; big?: string })
    expect(records.map((r) => r.msg)).toEqual(['before', 'huge', 'after'])
    expect(records[1].big).toBe(big)
  })

  it("are dropped and counted with onFull 'drop' when they do not fit in the free space", async () => {
    const file = join(tempDir(), 'large-drop.log')
    const log = createLogger({ destination: file, bufferSize: 64 * 1024, onFull: 'drop' })
    await workerRunning(log)
    log.info('huge', { big: 'z'.repeat(1 << 20) })
    log.info('after')
    await log.flush()
    expect(log.metrics()).toMatchObject({ written: 2, dropped: 1 })
    await log.close()
    const records = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records.map((r) => r.msg)).toEqual(['ringlog dropped records: the ring was full', 'after'])
    expect(records[0].dropped).toBe(1)
  })
})
