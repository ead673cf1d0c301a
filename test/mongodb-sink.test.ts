import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { MongoWireServer } from './helpers/mongo-wire-server.js'
import { optionError } from './helpers/option-error.js'

const FAST_RETRY = { retry: { minDelay: 10, maxDelay: 100 }, circuit: { failures: 50, probe: 100 } } as const

describe('mongodb sink, against a local server speaking the wire protocol', () => {
  let mongo: MongoWireServer
  beforeAll(async () => {
    mongo = await new MongoWireServer().start()
  })
  afterAll(() => mongo.stop())

  it.each([true, false])('with worker: %s, inserts 20,000 records once each, unordered, through inserts whose answers were lost', async (worker) => {
    const collection = `app${worker}`
    // The first insert's connection closes: with worker: true after its documents were kept (the try
    // again finds them there: duplicate keys), with worker: false before.
    mongo.failInserts = { count: 1, applied: worker }
    const log = createLogger({ worker, sinks: [{ type: 'mongodb', url: mongo.url, database: 'test', collection, batch: { records: 1000 }, ...FAST_RETRY }] })
    for (let i = 0; i < 20_000; i++) log.info('shipped', { i, user: { id: i % 7 } })
    await log.close()
    expect(mongo.violations).toEqual([])
    const documents = mongo.documents('test', collection)
    expect(documents.map((document) => (document.fields as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 20_000 }, (_, i) => i))
    expect(documents[0]).toMatchObject({ level: 'info', msg: 'shipped', fields: { i: 0, user: { id: 0 } } })
    expect(log.metrics().sinks[0]).toMatchObject({ type: 'mongodb', sent: 20_000, failed: 0, dropped: 0 })
  })

  it('creates a time-series collection when asked, and writes the exact time as a date', async () => {
    const time = Date.UTC(2026, 11, 6, 8, 0, 0, 123)
    const log = createLogger({ now: () => time, sinks: [{ type: 'mongodb', url: mongo.url, database: 'test', collection: 'series', create: { timeseries: { granularity: 'minutes', expireAfter: '7 days' } }, ...FAST_RETRY }] })
    log.warn('slow', { ms: 950 })
    await log.close()
    expect(mongo.created.find((command) => command.create === 'series')).toMatchObject({ create: 'series', timeseries: { timeField: 'time', metaField: 'level', granularity: 'minutes' }, expireAfterSeconds: 604_800 })
    const [document] = mongo.documents('test', 'series')
    expect(document).toMatchObject({ time: new Date(time), level: 'warn', msg: 'slow', fields: { ms: 950 } })
  })

  it('throws from createLogger() naming the option and the value', () => {
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ type: 'mongodb', ...more } as never] }))
    expect(bad({ url: 'http://x' })).toBe('ringlog: invalid option sinks[0].url: "http://x"; expected a mongodb:// or mongodb+srv:// URL')
    expect(bad({ collection: 'system.users' })).toBe('ringlog: invalid option sinks[0].collection: "system.users"; expected a collection name: no $ nor NUL, not system.*')
    expect(bad({ create: { capped: {} } })).toMatch(/^ringlog: invalid option sinks\[0\]\.create\.capped\.size: undefined; expected/)
  })
})

// A real server: `MONGODB_URL=mongodb://... npm test` (none can be installed on these machines).
const REAL = process.env.MONGODB_URL
describe.skipIf(REAL === undefined)(`mongodb sink, against a real server (MONGODB_URL${REAL === undefined ? ' not set: skipped' : ''})`, () => {
  it('inserts 100,000 records once each, with their types', async () => {
    const collection = `ringlog_test_${Date.now()}`
    const log = createLogger({ sinks: [{ type: 'mongodb', url: REAL!, database: 'ringlog_test', collection, batch: { records: 1000 }, buffer: '64 MiB', ...FAST_RETRY }] })
    for (let i = 0; i < 100_000; i++) log.info('shipped', { i, half: i / 2 })
    await log.close()
    const client = await new MongoClient(REAL!).connect()
    try {
      const docs = client.db('ringlog_test').collection(collection)
      expect(await docs.countDocuments()).toBe(100_000)
      expect(await docs.countDocuments({ time: { $type: 'date' }, 'fields.i': { $type: 'number' } })).toBe(100_000)
      await docs.drop()
    } finally {
      await client.close()
    }
  })
})
