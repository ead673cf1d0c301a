import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, defineEvent, type Logger, type LoggerOptions } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'

const TIME = Date.UTC(2026, 11, 5, 12, 0, 0)
const HEAD = '{"time":"2026-12-05T12:00:00.000Z","level":"info",'

/** Logs with `log`, and returns the lines written, the longest call in ms and the metrics. */
async function logged(options: LoggerOptions, calls: (log: Logger) => void): Promise<{ lines: string[]; slowest: number; written: number; failed: number }> {
  const file = join(tempDir(), 'bounds.log')
  const log = createLogger({ destination: file, now: () => TIME, ...options })
  let slowest = 0
  const timed = new Proxy(log, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown
      if (key !== 'info' || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const started = performance.now()
        ;(value as (...a: unknown[]) => void).apply(target, args)
        slowest = Math.max(slowest, performance.now() - started)
      }
    },
  })
  calls(timed)
  await log.flush()
  const { written, failed } = log.metrics()
  await log.close()
  return { lines: readFileSync(file, 'utf8').split('\n').slice(0, -1), slowest, written, failed }
}

describe('the limits of one record, on the calling thread', () => {
  it('a sparse array of length 2^32-1 is cut to the values left: the call takes milliseconds, not half a minute, the fields around it kept', async () => {
    const sparse: unknown[] = []
    sparse.length = 2 ** 32 - 1
    const { lines, slowest, written, failed } = await logged({}, (log) => log.info('sparse', { id: 7, v: sparse, after: true }))
    // 10,000 values: 3 keys, then one per item.
    const kept = 10_000 - 3
    expect(lines).toEqual([`${HEAD}"msg":"sparse","id":7,"v":[${Array<string>(kept).fill('null').join(',')},"... ${2 ** 32 - 1 - kept} more items"],"after":true}`])
    expect(slowest).toBeLessThan(100)
    expect({ written, failed }).toEqual({ written: 1, failed: 0 })
  })

  it('an object or Map with more keys than are left is "[too many keys: N]" in its place', async () => {
    const many: Record<string, number> = {}
    for (let i = 0; i < 20_000; i++) many[`k${i}`] = i
    const { lines } = await logged({}, (log) => log.info('keys', { id: 8, many, map: new Map(Object.entries(many)), after: true }))
    expect(lines).toEqual([`${HEAD}"msg":"keys","id":8,"many":"[too many keys: 20000]","map":"[too many keys: 20000]","after":true}`])
  })

  it('strings beyond maxRecordSize characters are cut, the message on its own', async () => {
    const big = 'x'.repeat(3 << 20)
    const { lines, slowest } = await logged({}, (log) => log.info(big, { a: big, b: 'kept?' }))
    const mib = 1 << 20
    const message = `${'x'.repeat(mib)}... [${(3 << 20) - mib} more characters]`
    // Keys count as well: "a" leaves a one character less; b, which comes after, is cut to nothing.
    const a = `${'x'.repeat(mib - 1)}... [${(3 << 20) - mib + 1} more characters]`
    expect(lines).toEqual([`${HEAD}"msg":"${message}","a":"${a}","b":"... [5 more characters]"}`])
    expect(slowest).toBeLessThan(200)
  })

  it('maxRecordValues and maxRecordSize are options: arrays keep one item per value left, nested values spend what they hold', async () => {
    const { lines } = await logged({ maxRecordValues: 6, maxRecordSize: 8 }, (log) => {
      log.info('small', { a: [1, 2], s: 'abcd' })
      log.info('cut', { a: [1, 2, 3, 4, 5, 6, 7], s: 'abcdefghij' })
      log.info('nested', { list: [{ x: 1 }, { y: 2 }, { z: 3 }] })
    })
    expect(lines).toEqual([
      `${HEAD}"msg":"small","a":[1,2],"s":"abcd"}`,
      // 2 keys, then 4 items; 8 characters less the 2 of the keys.
      `${HEAD}"msg":"cut","a":[1,2,3,4,"... 3 more items"],"s":"abcdef... [4 more characters]"}`,
      // 1 key; each item 1 and its key 1: two items fit, the third has no value left for its key.
      `${HEAD}"msg":"nested","list":[{"x":1},{"y":2},"[too many keys: 1]"]}`,
    ])
  })

  it('inside an error the limits hold too: a sparse array field is cut, the call stays short', async () => {
    const sparse: unknown[] = []
    sparse.length = 2 ** 32 - 1
    const err = Object.assign(new Error('boom'), { data: sparse })
    const { lines, slowest } = await logged({ maxRecordValues: 12 }, (log) => log.info('error', { err, after: true }))
    const record = JSON.parse(lines[0]) as { err: { message: string; data: unknown[] }; after: boolean }
    expect(record.err.message).toBe('boom')
    expect(record.err.data.at(-1)).toMatch(/^\.\.\. \d+ more items$/)
    expect(record.err.data.length).toBeLessThanOrEqual(12)
    expect(record.after).toBe(true)
    expect(slowest).toBeLessThan(100)
  })

  it('a Map key counts like any string, and is cut past 1,024 characters; fields that are a revoked Proxy do not throw', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    const { lines } = await logged({ maxRecordSize: 10 }, (log) => {
      log.info('map', { m: new Map([['k'.repeat(50), 'v'], ['x'.repeat(2000), 'w']]) })
      log.info('revoked', proxy)
    })
    // "m" and the first key spend the budget: the values are cut to nothing, the keys kept up to 1,024.
    expect(lines).toEqual([
      `${HEAD}"msg":"map","m":{"${'k'.repeat(50)}":"... [1 more characters]","${'x'.repeat(1024)}... [976 more characters]":"... [1 more characters]"}}`,
      `${HEAD}"msg":"revoked","serializeError":"[unreadable: Proxy]"}`,
    ])
  })

  it('an event definition is never cut: an enum of 20,000 values keeps them all', async () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `v${i}`)
    const Picked = defineEvent({ name: 'picked', version: 1, fields: { choice: { enum: values } } })
    const file = join(tempDir(), 'event.log')
    const log = createLogger({ destination: file, now: () => TIME })
    log.event(Picked, { choice: 'v19999' })
    await log.close()
    expect(readFileSync(file, 'utf8')).toBe(`${HEAD}"event":"picked","v":1,"choice":"v19999"}\n`)
  })

  it('a bad limit is refused, naming the option and the value', () => {
    expect(() => createLogger({ maxRecordValues: 0 })).toThrow('ringlog: invalid option maxRecordValues: 0; expected a whole number of values, 1 or more, or Infinity')
    expect(() => createLogger({ maxRecordSize: 1.5 })).toThrow('ringlog: invalid option maxRecordSize: 1.5; expected a whole number of characters, 1 or more, or Infinity')
  })
})
