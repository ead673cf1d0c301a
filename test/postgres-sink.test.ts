import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { optionError } from './helpers/option-error.js'
import { TestPostgres } from './helpers/postgres.js'

let db: TestPostgres
beforeAll(async () => {
  db = await new TestPostgres().start()
})
afterAll(async () => db.stop())

const FAST_RETRY = { retry: { minDelay: 10, maxDelay: 100 }, circuit: { failures: 50, probe: 100 } } as const

describe('postgres sink', () => {
  it('puts 100,000 records in the table exactly once, with their types, through a restart of the server', async () => {
    const log = createLogger({ sinks: [{ type: 'postgres', connectionString: db.url, table: 'app_logs', batch: { records: 1000 }, buffer: '64 MiB', ...FAST_RETRY }] })
    for (let i = 0; i < 50_000; i++) log.info('shipped', { i, half: i / 2, user: { id: i % 7 } })
    // Some rows are in before the restart, the rest on their way.
    for (const start = Date.now(); Date.now() - start < 10_000; await new Promise((resolve) => setTimeout(resolve, 10))) {
      const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM app_logs').catch(() => [{ n: '0' }])
      if (Number(n) > 0) break
    }
    await db.restart()
    for (let i = 50_000; i < 100_000; i++) log.info('shipped', { i, half: i / 2, user: { id: i % 7 } })
    await log.close()
    expect(log.metrics().sinks[0]).toMatchObject({ type: 'postgres', sent: 100_000, failed: 0, dropped: 0, inFlight: 0 })
    const [counts] = await db.query<{ rows: string; distinct: string; min: number; max: number }>(
      "SELECT count(*) AS rows, count(DISTINCT (fields->>'i')::int) AS distinct, min((fields->>'i')::int) AS min, max((fields->>'i')::int) AS max FROM app_logs",
    )
    expect(counts).toEqual({ rows: '100000', distinct: '100000', min: 0, max: 99_999 })
    const [types] = await db.query("SELECT pg_typeof(time)::text AS time, jsonb_typeof(fields->'i') AS i, jsonb_typeof(fields->'half') AS half, jsonb_typeof(fields->'user') AS user, level, msg FROM app_logs LIMIT 1")
    expect(types).toEqual({ time: 'timestamp with time zone', i: 'number', half: 'number', user: 'object', level: 'info', msg: 'shipped' })
  })

  it('writes the exact time, the message, the fields as jsonb, and a NUL as U+FFFD', async () => {
    const time = Date.UTC(2026, 11, 6, 8, 0, 0, 123)
    const log = createLogger({ now: () => time, sinks: [{ type: 'postgres', connectionString: db.url, schema: 'audit', table: 'events', ...FAST_RETRY }] })
    log.warn('a\0b', { s: 'x\0y', n: 1.5, big: 2 ** 53, nested: { ok: true, list: [1, 'two', null] }, 'k\0': 1 })
    log.error({ only: 'fields' })
    await log.close()
    const rows = await db.query<{ time: Date; level: string; msg: string | null; fields: unknown }>('SELECT time, level, msg, fields FROM audit.events ORDER BY msg NULLS LAST')
    expect(rows).toEqual([
      { time: new Date(time), level: 'warn', msg: 'a\ufffdb', fields: { s: 'x\ufffdy', n: 1.5, big: 2 ** 53, nested: { ok: true, list: [1, 'two', null] }, 'k\ufffd': 1 } },
      { time: new Date(time), level: 'error', msg: null, fields: { only: 'fields' } },
    ])
  })

  it('counts as failed what the server refuses: a missing table it may not create', async () => {
    const log = createLogger({ sinks: [{ type: 'postgres', connectionString: db.url, table: 'missing', createTable: false, ...FAST_RETRY }] })
    log.info('nowhere')
    await log.close()
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 0, failed: 1 })
    expect(log.metrics().sinks[0].lastError).toBe('send: 42P01: relation "public.missing" does not exist')
  })

  it('throws from createLogger() naming the option and the value', () => {
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ type: 'postgres', ...more } as never] }))
    expect(bad({ connectionString: 'mysql://x' })).toBe('ringlog: invalid option sinks[0].connectionString: "mysql://x"; expected a postgres:// or postgresql:// URL')
    expect(bad({ table: 'logs; drop table x' })).toBe('ringlog: invalid option sinks[0].table: "logs; drop table x"; expected a table name: letters, digits, _ and $, up to 63, not starting with a digit')
    expect(bad({ format: 'logfmt' })).toBe('ringlog: invalid option sinks[0].format: "logfmt"; expected \'json\' (each row is made from the record\'s JSON)')
  })
})
