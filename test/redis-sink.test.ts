import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { optionError } from './helpers/option-error.js'
import { TestRedis } from './helpers/redis.js'

let redis: TestRedis
beforeAll(async () => {
  redis = await new TestRedis().start()
})
afterAll(async () => redis.stop())

const FAST_RETRY = { retry: { minDelay: 10, maxDelay: 100 }, circuit: { failures: 50, probe: 100 } } as const

describe('redis sink', () => {
  it('adds 100,000 records to a stream exactly once, through a restart of the server', async () => {
    const log = createLogger({ sinks: [{ type: 'redis', url: redis.url, key: 'app:logs', batch: { records: 1000 }, buffer: '64 MiB', ...FAST_RETRY }] })
    for (let i = 0; i < 50_000; i++) log.info('shipped', { i, user: { id: i % 7 } })
    for (const start = Date.now(); Date.now() - start < 10_000; await new Promise((resolve) => setTimeout(resolve, 10))) {
      if ((await redis.with((client) => client.xLen('app:logs'))) > 0) break
    }
    await redis.restart()
    for (let i = 50_000; i < 100_000; i++) log.info('shipped', { i, user: { id: i % 7 } })
    await log.close()
    expect(log.metrics().sinks[0]).toMatchObject({ type: 'redis', sent: 100_000, failed: 0, dropped: 0, inFlight: 0 })
    const entries = (await redis.with((client) => client.xRange('app:logs', '-', '+'))) ?? []
    // Exactly once; in order within each sender: the records the calling thread wrote itself before the
    // drain worker was up went through a sender of their own, which the restart may hold back longer.
    const got = entries.map(({ message }) => (JSON.parse(message.fields) as { i: number }).i)
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 100_000 }, (_, i) => i))
    const [{ message }] = entries
    expect(Object.keys(message)).toEqual(['time', 'level', 'msg', 'fields'])
    expect(message).toMatchObject({ level: 'info', msg: 'shipped', fields: '{"i":0,"user":{"id":0}}' })
    expect(Date.parse(message.time)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('pushes the JSON lines to a list, and trims a stream to about maxLength', async () => {
    const time = Date.UTC(2026, 11, 6, 8, 0, 0, 123)
    const list = createLogger({ now: () => time, sinks: [{ type: 'redis', url: redis.url, key: 'app:list', structure: 'list', ...FAST_RETRY }] })
    list.info('one', { n: 1 })
    list.warn('two')
    await list.close()
    expect(await redis.with((client) => client.lRange('app:list', 0, -1))).toEqual([
      '{"time":"2026-12-06T08:00:00.123Z","level":"info","msg":"one","n":1}',
      '{"time":"2026-12-06T08:00:00.123Z","level":"warn","msg":"two"}',
    ])
    const trimmed = createLogger({ sinks: [{ type: 'redis', url: redis.url, key: 'app:trimmed', maxLength: 1000, batch: { records: 500 }, ...FAST_RETRY }] })
    for (let i = 0; i < 20_000; i++) trimmed.info('x', { i })
    await trimmed.close()
    const length = await redis.with((client) => client.xLen('app:trimmed'))
    // MAXLEN ~ trims whole nodes of the stream: about 1,000, never fewer.
    expect(length).toBeGreaterThanOrEqual(1000)
    expect(length).toBeLessThan(3000)
  })

  it('counts a batch the server refuses as failed: a key of another type', async () => {
    await redis.with((client) => client.set('app:string', 'not a stream'))
    const log = createLogger({ sinks: [{ type: 'redis', url: redis.url, key: 'app:string', ...FAST_RETRY }] })
    log.info('refused')
    await log.close()
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 0, failed: 1 })
    expect(log.metrics().sinks[0].lastError).toMatch(/WRONGTYPE/)
  })

  it('throws from createLogger() naming the option and the value', () => {
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ type: 'redis', ...more } as never] }))
    expect(bad({ url: 'http://x' })).toBe('ringlog: invalid option sinks[0].url: "http://x"; expected a redis:// or rediss:// URL')
    expect(bad({ structure: 'set' })).toBe("ringlog: invalid option sinks[0].structure: \"set\"; expected one of 'stream', 'list'")
    expect(bad({ maxLength: -1 })).toBe('ringlog: invalid option sinks[0].maxLength: -1; expected a whole number of entries, 0 for no trimming')
  })
})
