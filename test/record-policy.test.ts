/**
 * The record policy end to end: what each of filter, per-sink filter, sample, rateLimit, dedupe
 * and fingersCrossed lets through and what it drops, counted exactly, on the calling thread and
 * on the drain worker. Every record is timed by a fixed `now` clock, so each file is compared
 * byte for byte, and every counter of metrics() is compared after close().
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, withContext, type FilterOption, type Logger, type LoggerOptions, type Metrics } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'
import { mulberry32 } from './helpers/random.js'

/** Every record's time is T0 plus the test clock's ms; T0 falls on a whole second. */
const T0 = Date.UTC(2026, 10, 28, 2, 4, 27, 0)
const at = (ms: number): string => new Date(T0 + ms).toISOString()

/** The test clock: ms after T0, set by the test between log calls. */
interface Clock {
  t: number
}

/** The lines of a file, each ending with a newline. */
const lines = (...each: string[]): string => each.map((line) => `${line}\n`).join('')

type Counters = Pick<
  Metrics,
  'written' | 'dropped' | 'failed' | 'filtered' | 'deduplicated' | 'sampled' | 'rateLimited' | 'discarded' | 'redacted'
>

const NONE: Counters = { written: 0, dropped: 0, failed: 0, filtered: 0, deduplicated: 0, sampled: 0, rateLimited: 0, discarded: 0, redacted: 0 }

/** The counters this file checks; every one not given is expected to be 0. */
function expectCounters(metrics: Metrics, expected: Partial<Counters>): void {
  const { written, dropped, failed, filtered, deduplicated, sampled, rateLimited, discarded, redacted } = metrics
  expect({ written, dropped, failed, filtered, deduplicated, sampled, rateLimited, discarded, redacted }).toEqual({ ...NONE, ...expected })
}

interface Outcome {
  text: string
  metrics: Metrics
}

/** Logs with `body` into a fresh file at level trace, closes, and returns what the file holds and the metrics. */
async function logged(worker: boolean, options: LoggerOptions, body: (log: Logger, clock: Clock) => void): Promise<Outcome> {
  const path = join(tempDir(), 'app.log')
  const clock: Clock = { t: 0 }
  const log = createLogger({ level: 'trace', ...options, worker, destination: path, now: () => T0 + clock.t })
  body(log, clock)
  await log.close()
  return { text: readFileSync(path, 'utf8'), metrics: log.metrics() }
}

/** The message of a createLogger() that throws. */
function errorOf(options: LoggerOptions): string {
  try {
    void createLogger(options).close()
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
  throw new Error('createLogger accepted the options')
}

// Nine records for the filters: fields of their own, of child bindings and of request contexts.
// Record i is logged at T0 + i ms; RECORDS[i] is its line without a filter.
const RECORDS = [
  `{"time":"${at(0)}","level":"info","msg":"GET /health","status":200}`,
  `{"time":"${at(1)}","level":"warn","msg":"get /users slow","svc":"api","region":{"name":"eu-west"},"status":503,"ms":950}`,
  `{"time":"${at(2)}","level":"error","msg":"upstream failed","svc":"api","region":{"name":"eu-west"},"tenant":"acme","user":{"id":7},"status":500,"cause":{"code":"ECONNRESET"}}`,
  `{"time":"${at(3)}","level":"info","msg":"query","svc":"db","tenant":"beta","rows":3}`,
  `{"time":"${at(4)}","level":"debug","msg":"pool","svc":"db","status":"500"}`,
  `{"time":"${at(5)}","level":"info","msg":"user","user":null}`,
  `{"time":"${at(6)}","level":"info","msg":"POST /login","tenant":"acme","user":{"id":8}}`,
  `{"time":"${at(7)}","level":"fatal","msg":"crash","svc":"api","region":{"name":"eu-west"}}`,
  `{"time":"${at(8)}","level":"warn","status":404}`,
]

function logRecords(log: Logger, clock: Clock): void {
  const api = log.child({ svc: 'api', region: { name: 'eu-west' } })
  const db = log.child({ svc: 'db' })
  const steps: (() => void)[] = [
    () => log.info('GET /health', { status: 200 }),
    () => api.warn('get /users slow', { status: 503, ms: 950 }),
    () => withContext({ tenant: 'acme', user: { id: 7 } }, () => api.error('upstream failed', { status: 500, cause: { code: 'ECONNRESET' } })),
    () => withContext({ tenant: 'beta' }, () => db.info('query', { rows: 3 })),
    () => db.debug('pool', { status: '500' }),
    () => log.info('user', { user: null }),
    // The record's own user wins over its context's.
    () => withContext({ tenant: 'acme', user: { id: 7 } }, () => log.info('POST /login', { user: { id: 8 } })),
    () => api.fatal('crash'),
    () => log.warn({ status: 404 }),
  ]
  steps.forEach((step, i) => {
    clock.t = i
    step()
  })
}

const FILTERS: [string, FilterOption, number[]][] = [
  ['equals on a child binding', { field: 'svc', equals: 'api' }, [1, 2, 7]],
  ['equals a number, strictly (not the string "500")', { field: 'status', equals: 500 }, [2]],
  ['equals a string, strictly (not the number 500)', { field: 'status', equals: '500' }, [4]],
  ['equals null (a null field, not an absent one)', { field: 'user', equals: null }, [5]],
  ['equals on a request context field', { field: 'tenant', equals: 'acme' }, [2, 6]],
  ['equals on a nested context field; the record’s own field wins over the context’s', { field: 'user.id', equals: 7 }, [2]],
  ['equals on a nested field of the record that shadows its context', { field: 'user.id', equals: 8 }, [6]],
  ['oneOf, numbers and strings strictly', { field: 'status', oneOf: [200, 503, '500'] }, [0, 1, 4]],
  ['matches a RegExp with flags', { field: 'msg', matches: /^get /i }, [0, 1]],
  ['matches a string (case-sensitive)', { field: 'msg', matches: '^GET ' }, [0]],
  ['matches numbers as written, and strings', { field: 'status', matches: '^50' }, [1, 2, 4]],
  ['matches a nested child binding', { field: 'region.name', matches: /^eu-/ }, [1, 2, 7]],
  ['exists true, in fields or in the context', { field: 'user.id', exists: true }, [2, 6]],
  ['exists false', { field: 'tenant', exists: false }, [0, 1, 4, 5, 7, 8]],
  ["exists false on 'msg': a record without a message", { field: 'msg', exists: false }, [8]],
  ["'msg' equals the message", { field: 'msg', equals: 'query' }, [3]],
  ["'level' equals the level's label", { field: 'level', equals: 'debug' }, [4]],
  ["'level' oneOf labels", { field: 'level', oneOf: ['warn', 'error', 'fatal'] }, [1, 2, 7, 8]],
  ["'time' equals the record's time in ms", { field: 'time', equals: T0 + 3 }, [3]],
  ['all', { all: [{ field: 'svc', equals: 'api' }, { field: 'level', equals: 'warn' }] }, [1]],
  ['any', { any: [{ field: 'tenant', equals: 'beta' }, { field: 'status', equals: 200 }] }, [0, 3]],
  ['not', { not: { field: 'svc', exists: true } }, [0, 5, 6, 8]],
  [
    'all, any and not nested',
    { all: [{ field: 'level', oneOf: ['info', 'warn'] }, { not: { any: [{ field: 'svc', equals: 'db' }, { field: 'msg', matches: /login/ }] } }] },
    [0, 1, 5, 8],
  ],
]

describe.each([false, true])('record policy (worker: %s)', (worker) => {
  describe('filter', () => {
    it('writes every record without a filter (the records the filters below pick from)', async () => {
      const { text, metrics } = await logged(worker, {}, logRecords)
      expect(text).toBe(lines(...RECORDS))
      expectCounters(metrics, { written: 9 })
    })

    it.each(FILTERS)('%s', async (_name, filter, kept) => {
      const { text, metrics } = await logged(worker, { filter }, logRecords)
      expect(text).toBe(lines(...kept.map((i) => RECORDS[i])))
      expectCounters(metrics, { written: kept.length, filtered: RECORDS.length - kept.length })
    })

    it("a request context's field wins over a child binding's of the same name", async () => {
      const { text, metrics } = await logged(worker, { filter: { field: 'svc', equals: 'ctx' } }, (log) => {
        const api = log.child({ svc: 'api' })
        withContext({ svc: 'ctx' }, () => api.info('in context'))
        api.info('outside')
      })
      expect(text).toBe(lines(`{"time":"${at(0)}","level":"info","msg":"in context","svc":"ctx"}`))
      expectCounters(metrics, { written: 1, filtered: 1 })
    })

    it('a Date field is compared as its ISO string, in a record and in child bindings', async () => {
      const filter: FilterOption = { any: [{ field: 'when', equals: at(5) }, { field: 'since', matches: /^2026-11-28T02:04:27\.001Z$/ }] }
      const { text, metrics } = await logged(worker, { filter }, (log) => {
        log.info('match', { when: new Date(T0 + 5) })
        log.info('other', { when: new Date(T0 + 6) })
        log.child({ since: new Date(T0 + 1) }).info('bound')
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"match","when":"${at(5)}"}`,
          `{"time":"${at(0)}","level":"info","msg":"bound","since":"${at(1)}"}`,
        ),
      )
      expectCounters(metrics, { written: 2, filtered: 1 })
    })
  })

  describe('per-sink filter', () => {
    it('after the logger’s filter, each sink keeps what its own filter lets through; each drop is counted once per sink', async () => {
      const dir = tempDir()
      const clock: Clock = { t: 0 }
      const log = createLogger({
        level: 'trace',
        worker,
        now: () => T0 + clock.t,
        filter: { not: { field: 'svc', equals: 'db' } },
        sinks: [
          { type: 'file', path: join(dir, 'all.log') },
          { type: 'file', path: join(dir, 'problems.log'), filter: { field: 'level', oneOf: ['warn', 'error', 'fatal'] } },
        ],
      })
      logRecords(log, clock)
      await log.close()
      expect(readFileSync(join(dir, 'all.log'), 'utf8')).toBe(lines(...[0, 1, 2, 5, 6, 7, 8].map((i) => RECORDS[i])))
      expect(readFileSync(join(dir, 'problems.log'), 'utf8')).toBe(lines(...[1, 2, 7, 8].map((i) => RECORDS[i])))
      // 2 by the logger's filter (3, 4), 3 by the second sink's (0, 5, 6).
      expectCounters(log.metrics(), { written: 7 + 4, filtered: 2 + 3 })
    })

    it('two sinks with their own filters and none on the logger: each gets its share, drops counted per sink', async () => {
      const dir = tempDir()
      const clock: Clock = { t: 0 }
      const log = createLogger({
        level: 'trace',
        worker,
        now: () => T0 + clock.t,
        sinks: [
          { type: 'file', path: join(dir, 'api.log'), filter: { field: 'svc', equals: 'api' } },
          { type: 'file', path: join(dir, 'ctx.log'), filter: { field: 'tenant', exists: true } },
        ],
      })
      logRecords(log, clock)
      await log.close()
      expect(readFileSync(join(dir, 'api.log'), 'utf8')).toBe(lines(RECORDS[1], RECORDS[2], RECORDS[7]))
      expect(readFileSync(join(dir, 'ctx.log'), 'utf8')).toBe(lines(RECORDS[2], RECORDS[3], RECORDS[6]))
      expectCounters(log.metrics(), { written: 3 + 3, filtered: 6 + 6 })
    })
  })

  describe('sample', () => {
    it('every 3 keeps the 1st, 4th, 7th... record; error and fatal pass without moving the count', async () => {
      const { text, metrics } = await logged(worker, { sample: { every: 3 } }, (log, clock) => {
        for (let i = 0; i < 10; i++) {
          clock.t = i * 10
          log.info('tick', { i })
          if (i % 4 === 1) log.error('failed', { i })
          if (i === 6) log.fatal('dying', { i })
        }
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"tick","i":0}`,
          `{"time":"${at(10)}","level":"error","msg":"failed","i":1}`,
          `{"time":"${at(30)}","level":"info","msg":"tick","i":3}`,
          `{"time":"${at(50)}","level":"error","msg":"failed","i":5}`,
          `{"time":"${at(60)}","level":"info","msg":"tick","i":6}`,
          `{"time":"${at(60)}","level":"fatal","msg":"dying","i":6}`,
          `{"time":"${at(90)}","level":"info","msg":"tick","i":9}`,
          `{"time":"${at(90)}","level":"error","msg":"failed","i":9}`,
        ),
      )
      expectCounters(metrics, { written: 4 + 3 + 1, sampled: 6 })
    })

    it("every 3 with levels: 'all' samples error and fatal too, in the same count", async () => {
      const { text, metrics } = await logged(worker, { sample: { every: 3, levels: 'all' } }, (log, clock) => {
        const levels = ['info', 'error', 'fatal', 'warn', 'error', 'info', 'fatal'] as const
        levels.forEach((level, i) => {
          clock.t = i
          log[level]('m', { i })
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"m","i":0}`,
          `{"time":"${at(3)}","level":"warn","msg":"m","i":3}`,
          `{"time":"${at(6)}","level":"fatal","msg":"m","i":6}`,
        ),
      )
      expectCounters(metrics, { written: 3, sampled: 4 })
    })

    it('a seeded rate keeps exactly the records mulberry32 picks, the same in two runs; errors are exempt and draw no number', async () => {
      const run = (seed: number): Promise<Outcome> =>
        logged(worker, { sample: { rate: 0.25, seed } }, (log, clock) => {
          for (let i = 0; i < 200; i++) {
            clock.t = i
            log.debug('poll', { i })
            if (i % 50 === 49) log.error('failed', { i })
          }
        })
      const expected = (seed: number): string => {
        const random = mulberry32(seed)
        let out = ''
        for (let i = 0; i < 200; i++) {
          if (random() < 0.25) out += `{"time":"${at(i)}","level":"debug","msg":"poll","i":${i}}\n`
          if (i % 50 === 49) out += `{"time":"${at(i)}","level":"error","msg":"failed","i":${i}}\n`
        }
        return out
      }
      const first = await run(42)
      const second = await run(42)
      expect(first.text).toBe(expected(42))
      expect(second.text).toBe(first.text)
      const keptDebug = first.text.split('\n').filter((line) => line.includes('"level":"debug"')).length
      expect(keptDebug).toBeGreaterThan(25)
      expect(keptDebug).toBeLessThan(75)
      expectCounters(first.metrics, { written: keptDebug + 4, sampled: 200 - keptDebug })
      expectCounters(second.metrics, { written: keptDebug + 4, sampled: 200 - keptDebug })
      const other = await run(7)
      expect(other.text).toBe(expected(7))
      expect(other.text).not.toBe(first.text)
    })

    it('a rate of 0 keeps only error and fatal; with levels: all, nothing', async () => {
      const body = (log: Logger): void => {
        log.info('a')
        log.warn('b')
        log.error('c')
        log.fatal('d')
      }
      const exempt = await logged(worker, { sample: { rate: 0, seed: 1 } }, body)
      expect(exempt.text).toBe(lines(`{"time":"${at(0)}","level":"error","msg":"c"}`, `{"time":"${at(0)}","level":"fatal","msg":"d"}`))
      expectCounters(exempt.metrics, { written: 2, sampled: 2 })
      const all = await logged(worker, { sample: { rate: 0, seed: 1, levels: 'all' } }, body)
      expect(all.text).toBe('')
      expectCounters(all.metrics, { sampled: 4 })
    })

    it('first 2, thereafter 3, interval 1s: per message and per second of record time', async () => {
      const { text, metrics } = await logged(worker, { sample: { first: 2, thereafter: 3, interval: '1s' } }, (log, clock) => {
        for (let n = 1; n <= 8; n++) {
          clock.t = n * 100
          log.info('a', { n })
          if (n <= 3) log.info('b', { n })
        }
        // The next second (T0 is on a whole second) counts afresh.
        for (let n = 1; n <= 3; n++) {
          clock.t = 1000 + n
          log.info('a', { n })
        }
        clock.t = 1500
        log.error('a', { n: 'error' })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(100)}","level":"info","msg":"a","n":1}`,
          `{"time":"${at(100)}","level":"info","msg":"b","n":1}`,
          `{"time":"${at(200)}","level":"info","msg":"a","n":2}`,
          `{"time":"${at(200)}","level":"info","msg":"b","n":2}`,
          // b 3 is dropped: (3 - 2) % 3 !== 0; a 5 and a 8 are kept.
          `{"time":"${at(500)}","level":"info","msg":"a","n":5}`,
          `{"time":"${at(800)}","level":"info","msg":"a","n":8}`,
          `{"time":"${at(1001)}","level":"info","msg":"a","n":1}`,
          `{"time":"${at(1002)}","level":"info","msg":"a","n":2}`,
          `{"time":"${at(1500)}","level":"error","msg":"a","n":"error"}`,
        ),
      )
      // Dropped: a 3, 4, 6, 7; b 3; a 3 of the next second.
      expectCounters(metrics, { written: 9, sampled: 6 })
    })
  })

  describe('rateLimit', () => {
    it('a burst, then a refill by record time; the summary comes right before the next record of the key that passes, and at close', async () => {
      const { text, metrics } = await logged(worker, { rateLimit: { rate: 2, per: '1s', burst: 3 } }, (log, clock) => {
        for (let i = 0; i < 5; i++) log.info('tick', { i }) // 0..2 pass, 3 and 4 are suppressed
        clock.t = 400
        log.info('tick', { i: 5 }) // 800 ms of a token refilled: suppressed
        clock.t = 500
        log.info('tick', { i: 6 }) // a whole token: passes, after the summary of 3
        log.info('tick', { i: 7 }) // suppressed
        clock.t = 750
        log.info('other') // its own bucket
        clock.t = 999
        log.info('tick', { i: 8 }) // 998 of 1000: suppressed
        clock.t = 1000
        log.info('tick', { i: 9 }) // passes, after the summary of 2
        log.info('tick', { i: 10 }) // suppressed: summed up at close, timed as the latest record
        clock.t = 1200
        log.info('other')
      })
      expect(text).toBe(
        '{"time":"2026-11-28T02:04:27.000Z","level":"info","msg":"tick","i":0}\n' +
          '{"time":"2026-11-28T02:04:27.000Z","level":"info","msg":"tick","i":1}\n' +
          '{"time":"2026-11-28T02:04:27.000Z","level":"info","msg":"tick","i":2}\n' +
          '{"time":"2026-11-28T02:04:27.500Z","level":"warn","msg":"rate limit: 3 records suppressed","rateLimitKey":"tick","suppressed":3,"since":"2026-11-28T02:04:27.000Z"}\n' +
          '{"time":"2026-11-28T02:04:27.500Z","level":"info","msg":"tick","i":6}\n' +
          '{"time":"2026-11-28T02:04:27.750Z","level":"info","msg":"other"}\n' +
          '{"time":"2026-11-28T02:04:28.000Z","level":"warn","msg":"rate limit: 2 records suppressed","rateLimitKey":"tick","suppressed":2,"since":"2026-11-28T02:04:27.500Z"}\n' +
          '{"time":"2026-11-28T02:04:28.000Z","level":"info","msg":"tick","i":9}\n' +
          '{"time":"2026-11-28T02:04:28.200Z","level":"info","msg":"other"}\n' +
          '{"time":"2026-11-28T02:04:28.200Z","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"tick","suppressed":1,"since":"2026-11-28T02:04:28.000Z"}\n',
      )
      // 7 records and 3 summaries written; i = 3, 4, 5, 7, 8, 10 suppressed.
      expectCounters(metrics, { written: 10, rateLimited: 6 })
    })

    it('burst defaults to rate; a bucket refills no more than its burst', async () => {
      const { text, metrics } = await logged(worker, { rateLimit: { rate: 1, per: 100 } }, (log, clock) => {
        log.info('m', { i: 0 })
        log.info('m', { i: 1 })
        clock.t = 10_000 // a long pause refills one token, not a hundred
        log.info('m', { i: 2 })
        log.info('m', { i: 3 })
        log.info('m', { i: 4 })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"m","i":0}`,
          `{"time":"${at(10_000)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"m","suppressed":1,"since":"${at(0)}"}`,
          `{"time":"${at(10_000)}","level":"info","msg":"m","i":2}`,
          `{"time":"${at(10_000)}","level":"warn","msg":"rate limit: 2 records suppressed","rateLimitKey":"m","suppressed":2,"since":"${at(10_000)}"}`,
        ),
      )
      expectCounters(metrics, { written: 4, rateLimited: 3 })
    })

    it('key: a field path, from fields or child bindings; records without it share one bucket', async () => {
      const { text, metrics } = await logged(worker, { rateLimit: { rate: 1, per: '1s', key: 'user.id' } }, (log, clock) => {
        const alice = log.child({ user: { id: 1 } })
        alice.info('click', { n: 1 })
        alice.info('scroll', { n: 2 }) // same key, another message: suppressed
        log.info('click', { user: { id: 2 }, n: 3 })
        log.info('click', { user: { id: 2 }, n: 4 }) // suppressed
        log.info('anonymous', { n: 5 })
        log.info('anonymous', { n: 6 }) // key '': suppressed
        clock.t = 1000
        alice.info('click', { n: 7 }) // refilled: the summary for key "1" first
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"click","user":{"id":1},"n":1}`,
          `{"time":"${at(0)}","level":"info","msg":"click","user":{"id":2},"n":3}`,
          `{"time":"${at(0)}","level":"info","msg":"anonymous","n":5}`,
          `{"time":"${at(1000)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"1","suppressed":1,"since":"${at(0)}"}`,
          `{"time":"${at(1000)}","level":"info","msg":"click","user":{"id":1},"n":7}`,
          // At close, the keys still owing a summary, timed as the latest record.
          `{"time":"${at(1000)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"2","suppressed":1,"since":"${at(0)}"}`,
          `{"time":"${at(1000)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"","suppressed":1,"since":"${at(0)}"}`,
        ),
      )
      expectCounters(metrics, { written: 7, rateLimited: 3 })
    })

    it("error and fatal are never limited (nor take tokens), unless levels: 'all'", async () => {
      const body = (log: Logger): void => {
        log.error('x', { i: 0 })
        log.fatal('x', { i: 1 })
        log.info('x', { i: 2 })
        log.error('x', { i: 3 })
        log.info('x', { i: 4 })
      }
      const exempt = await logged(worker, { rateLimit: { rate: 1, per: '1m' } }, body)
      expect(exempt.text).toBe(
        lines(
          `{"time":"${at(0)}","level":"error","msg":"x","i":0}`,
          `{"time":"${at(0)}","level":"fatal","msg":"x","i":1}`,
          `{"time":"${at(0)}","level":"info","msg":"x","i":2}`,
          `{"time":"${at(0)}","level":"error","msg":"x","i":3}`,
          `{"time":"${at(0)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"x","suppressed":1,"since":"${at(0)}"}`,
        ),
      )
      expectCounters(exempt.metrics, { written: 5, rateLimited: 1 })
      const all = await logged(worker, { rateLimit: { rate: 1, per: '1m', levels: 'all' } }, body)
      expect(all.text).toBe(
        lines(
          `{"time":"${at(0)}","level":"error","msg":"x","i":0}`,
          `{"time":"${at(0)}","level":"warn","msg":"rate limit: 4 records suppressed","rateLimitKey":"x","suppressed":4,"since":"${at(0)}"}`,
        ),
      )
      expectCounters(all.metrics, { written: 2, rateLimited: 4 })
    })
  })

  describe('dedupe', () => {
    it('a run of identical records is written once, then noted with its count, like the repeated record, at the time of the last repeat', async () => {
      const { text, metrics } = await logged(worker, { dedupe: true }, (log, clock) => {
        const api = log.child({ svc: 'api' })
        withContext({ requestId: 'r1' }, () => {
          for (let i = 0; i < 4; i++) {
            clock.t = i * 100
            api.warn('retrying', { attempt: 1 })
          }
        })
        clock.t = 500
        log.info('other')
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"warn","msg":"retrying","svc":"api","requestId":"r1","attempt":1}`,
          `{"time":"${at(300)}","level":"warn","msg":"last record repeated 3 times","svc":"api","requestId":"r1","repeated":3}`,
          `{"time":"${at(500)}","level":"info","msg":"other"}`,
        ),
      )
      expectCounters(metrics, { written: 3, deduplicated: 3 })
    })

    it('records that differ in fields, level, bindings or context are not repeats; a different level breaks a run', async () => {
      const { text, metrics } = await logged(worker, { dedupe: true }, (log, clock) => {
        log.info('x', { a: 1 })
        log.info('x', { a: 2 }) // other fields
        clock.t = 1
        log.warn('x', { a: 2 }) // other level
        log.warn('x', { a: 2 }) // repeat
        log.info('x', { a: 2 }) // other level: ends the run of warn
        log.child({ c: 1 }).info('x', { a: 2 }) // other bindings
        withContext({ c: 1 }, () => log.info('x', { a: 2 })) // a context
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"x","a":1}`,
          `{"time":"${at(0)}","level":"info","msg":"x","a":2}`,
          `{"time":"${at(1)}","level":"warn","msg":"x","a":2}`,
          `{"time":"${at(1)}","level":"warn","msg":"last record repeated 1 time","repeated":1}`,
          `{"time":"${at(1)}","level":"info","msg":"x","a":2}`,
          `{"time":"${at(1)}","level":"info","msg":"x","c":1,"a":2}`,
          `{"time":"${at(1)}","level":"info","msg":"x","c":1,"a":2}`,
        ),
      )
      expectCounters(metrics, { written: 7, deduplicated: 1 })
    })

    it('the window counts from the first record of a run: past it the same record starts a new run; the last run is noted at close', async () => {
      const { text, metrics } = await logged(worker, { dedupe: { window: '1s' } }, (log, clock) => {
        for (const t of [0, 400, 999, 1000, 1500, 1999, 2000, 2001]) {
          clock.t = t
          log.info('x')
        }
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"x"}`,
          `{"time":"${at(999)}","level":"info","msg":"last record repeated 2 times","repeated":2}`,
          `{"time":"${at(1000)}","level":"info","msg":"x"}`,
          `{"time":"${at(1999)}","level":"info","msg":"last record repeated 2 times","repeated":2}`,
          `{"time":"${at(2000)}","level":"info","msg":"x"}`,
          `{"time":"${at(2001)}","level":"info","msg":"last record repeated 1 time","repeated":1}`,
        ),
      )
      expectCounters(metrics, { written: 6, deduplicated: 5 })
    })

    it('a record written once, without repeats, gets no note', async () => {
      const { text, metrics } = await logged(worker, { dedupe: { window: 10 } }, (log, clock) => {
        log.info('x')
        clock.t = 10
        log.info('x')
      })
      expect(text).toBe(lines(`{"time":"${at(0)}","level":"info","msg":"x"}`, `{"time":"${at(10)}","level":"info","msg":"x"}`))
      expectCounters(metrics, { written: 2 })
    })
  })

  describe('fingersCrossed', () => {
    it("a request's error writes what it held first, in order; records above hold pass at once; another request's stay held", async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: true }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          withContext({ requestId: 'r2' }, () => {
            clock.t = 1
            log.debug('r2 held')
          })
          clock.t = 2
          log.debug('a')
          clock.t = 3
          log.trace('b')
          clock.t = 4
          log.info('c') // above hold: written at once
          log.warn('d') // below trigger: releases nothing
          clock.t = 5
          log.debug('e')
          clock.t = 6
          log.error('boom')
          clock.t = 7
          log.debug('after') // held again; discarded at close
        })
        clock.t = 8
        log.debug('outside') // no request: written
        log.error('no request') // releases nothing
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(4)}","level":"info","msg":"c","requestId":"r1"}`,
          `{"time":"${at(4)}","level":"warn","msg":"d","requestId":"r1"}`,
          `{"time":"${at(2)}","level":"debug","msg":"a","requestId":"r1"}`,
          `{"time":"${at(3)}","level":"trace","msg":"b","requestId":"r1"}`,
          `{"time":"${at(5)}","level":"debug","msg":"e","requestId":"r1"}`,
          `{"time":"${at(6)}","level":"error","msg":"boom","requestId":"r1"}`,
          `{"time":"${at(8)}","level":"debug","msg":"outside"}`,
          `{"time":"${at(8)}","level":"error","msg":"no request"}`,
        ),
      )
      // 'r2 held' and 'after' are discarded at close.
      expectCounters(metrics, { written: 8, discarded: 2 })
    })

    it('fatal triggers too; everything held is discarded at close when no error comes', async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: true }, (log) => {
        withContext({ requestId: 'r1' }, () => {
          log.debug('a')
          log.fatal('down')
        })
        withContext({ requestId: 'r2' }, () => {
          log.debug('b')
          log.trace('c')
          log.info('d')
        })
        withContext({ requestId: 'r3' }, () => log.debug('e'))
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"debug","msg":"a","requestId":"r1"}`,
          `{"time":"${at(0)}","level":"fatal","msg":"down","requestId":"r1"}`,
          `{"time":"${at(0)}","level":"info","msg":"d","requestId":"r2"}`,
        ),
      )
      expectCounters(metrics, { written: 3, discarded: 3 })
    })

    it('beyond limit per request the oldest held records are discarded', async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: { limit: 3 } }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          for (let i = 0; i < 7; i++) {
            clock.t = i
            log.debug('step', { i })
          }
          log.error('boom')
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(4)}","level":"debug","msg":"step","requestId":"r1","i":4}`,
          `{"time":"${at(5)}","level":"debug","msg":"step","requestId":"r1","i":5}`,
          `{"time":"${at(6)}","level":"debug","msg":"step","requestId":"r1","i":6}`,
          `{"time":"${at(6)}","level":"error","msg":"boom","requestId":"r1"}`,
        ),
      )
      expectCounters(metrics, { written: 4, discarded: 4 })
    })

    it('held records older than window are discarded, by record time, whatever request the record in hand belongs to', async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: { window: 1000, hold: 'info', trigger: 'warn' } }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          log.info('a') // 0
          clock.t = 600
          log.info('b')
          clock.t = 1000
          log.debug('c') // 'a' is exactly 1000 old: kept
          clock.t = 1300
          withContext({ requestId: 'r2' }, () => log.info('r2')) // a record of another request: 'a' (1300 old) goes
          log.warn('slow') // triggers: 'b' and 'c' first
          log.info('d')
          clock.t = 2400
          log.warn('slow again') // 'd' (1100 old) goes, and r2's: nothing left to write first
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(600)}","level":"info","msg":"b","requestId":"r1"}`,
          `{"time":"${at(1000)}","level":"debug","msg":"c","requestId":"r1"}`,
          `{"time":"${at(1300)}","level":"warn","msg":"slow","requestId":"r1"}`,
          `{"time":"${at(2400)}","level":"warn","msg":"slow again","requestId":"r1"}`,
        ),
      )
      // 'a', 'd' and 'r2', by the window; nothing is left for close.
      expectCounters(metrics, { written: 4, discarded: 3 })
    })

    it('an error writes only the held records within window, also between the sweeps (a few per window)', async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: { window: 1000 } }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          log.debug('a') // 0: swept at 0
          clock.t = 900
          log.debug('b') // swept at 900: 'a' is 900 old, kept
          clock.t = 1100
          log.error('boom') // no sweep 200 ms after the last; 'a' is 1100 old
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(900)}","level":"debug","msg":"b","requestId":"r1"}`,
          `{"time":"${at(1100)}","level":"error","msg":"boom","requestId":"r1"}`,
        ),
      )
      expectCounters(metrics, { written: 2, discarded: 1 })
    })

    it('key: a field path names the request, from fields or child bindings; records without it pass', async () => {
      const { text, metrics } = await logged(worker, { fingersCrossed: { key: 'job.id' } }, (log, clock) => {
        const job1 = log.child({ job: { id: 'j1' } })
        job1.debug('fetch', { n: 1 })
        log.debug('fetch', { job: { id: 'j2' }, n: 2 })
        clock.t = 1
        log.debug('no job') // no key: written at once
        withContext({ requestId: 'r1' }, () => log.debug('context is not the key'))
        job1.trace('parse', { n: 3 })
        clock.t = 2
        log.error('failed', { job: { id: 'j1' } }) // j1's records, not j2's
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(1)}","level":"debug","msg":"no job"}`,
          `{"time":"${at(1)}","level":"debug","msg":"context is not the key","requestId":"r1"}`,
          `{"time":"${at(0)}","level":"debug","msg":"fetch","job":{"id":"j1"},"n":1}`,
          `{"time":"${at(1)}","level":"trace","msg":"parse","job":{"id":"j1"},"n":3}`,
          `{"time":"${at(2)}","level":"error","msg":"failed","job":{"id":"j1"}}`,
        ),
      )
      expectCounters(metrics, { written: 5, discarded: 1 })
    })
  })

  describe('stages together', () => {
    it('filter, then dedupe, then sample, then rate limit: each counts only what reaches it', async () => {
      const { text, metrics } = await logged(
        worker,
        {
          filter: { not: { field: 'msg', equals: 'noise' } },
          dedupe: true,
          sample: { every: 2 },
          rateLimit: { rate: 1, per: '1m', burst: 2 },
        },
        (log, clock) => {
          for (let i = 0; i < 3; i++) log.info('noise') // filtered: 3
          log.info('poll') // written
          log.info('poll') // deduplicated
          log.info('noise') // filtered: does not break the run
          log.info('poll') // deduplicated
          for (let i = 0; i < 8; i++) {
            clock.t = i + 1
            // The sampler counted 'poll' first: the odd ones are kept (0, 2, 4, 6 sampled); the rate limit passes 1 and 3, suppresses 5 and 7.
            log.info('job', { i })
          }
        },
      )
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"poll"}`,
          `{"time":"${at(0)}","level":"info","msg":"last record repeated 2 times","repeated":2}`,
          `{"time":"${at(2)}","level":"info","msg":"job","i":1}`,
          `{"time":"${at(4)}","level":"info","msg":"job","i":3}`,
          `{"time":"${at(8)}","level":"warn","msg":"rate limit: 2 records suppressed","rateLimitKey":"job","suppressed":2,"since":"${at(6)}"}`,
        ),
      )
      expectCounters(metrics, { written: 5, filtered: 4, deduplicated: 2, sampled: 4, rateLimited: 2 })
    })

    it('redact censors what passes, after the rate limit; redacted counts the records changed', async () => {
      const { text, metrics } = await logged(worker, { redact: ['password'], rateLimit: { rate: 1, per: '1m' } }, (log) => {
        log.info('login', { user: 'ann', password: 'hunter2' })
        log.info('login', { user: 'bob', password: 'letmein' }) // suppressed before redaction
        log.info('logout', { user: 'ann' })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"login","user":"ann","password":"[Redacted]"}`,
          `{"time":"${at(0)}","level":"info","msg":"logout","user":"ann"}`,
          `{"time":"${at(0)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"login","suppressed":1,"since":"${at(0)}"}`,
        ),
      )
      expectCounters(metrics, { written: 3, rateLimited: 1, redacted: 1 })
    })

    it('a rate limit summary reaches fingers crossed but belongs to no request: written at close, not held', async () => {
      const { text, metrics } = await logged(worker, { rateLimit: { rate: 1, per: '1m' }, fingersCrossed: { hold: 'warn' } }, (log) => {
        withContext({ requestId: 'r1' }, () => {
          log.info('step')
          log.info('step') // suppressed
          log.error('boom')
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"step","requestId":"r1"}`,
          `{"time":"${at(0)}","level":"error","msg":"boom","requestId":"r1"}`,
          `{"time":"${at(0)}","level":"warn","msg":"rate limit: 1 record suppressed","rateLimitKey":"step","suppressed":1,"since":"${at(0)}"}`,
        ),
      )
      expectCounters(metrics, { written: 3, rateLimited: 1 })
    })

    it("dedupe's notes carry their own run's bindings and context when a sink has a filter", async () => {
      const dir = tempDir()
      const log = createLogger({
        worker,
        now: () => T0,
        dedupe: true,
        sinks: [
          { type: 'file', path: join(dir, 'all.log') },
          { type: 'file', path: join(dir, 'info.log'), filter: { field: 'level', equals: 'info' } },
        ],
      })
      const a = log.child({ svc: 'a' })
      const b = log.child({ svc: 'b' })
      a.info('x')
      a.info('x')
      b.info('y')
      b.info('y')
      b.info('y')
      withContext({ requestId: 'r1' }, () => {
        log.info('z')
        log.info('z')
      })
      log.info('end')
      await log.close()
      const expected = lines(
        `{"time":"${at(0)}","level":"info","msg":"x","svc":"a"}`,
        `{"time":"${at(0)}","level":"info","msg":"last record repeated 1 time","svc":"a","repeated":1}`,
        `{"time":"${at(0)}","level":"info","msg":"y","svc":"b"}`,
        `{"time":"${at(0)}","level":"info","msg":"last record repeated 2 times","svc":"b","repeated":2}`,
        `{"time":"${at(0)}","level":"info","msg":"z","requestId":"r1"}`,
        `{"time":"${at(0)}","level":"info","msg":"last record repeated 1 time","requestId":"r1","repeated":1}`,
        `{"time":"${at(0)}","level":"info","msg":"end"}`,
      )
      expect(readFileSync(join(dir, 'all.log'), 'utf8')).toBe(expected)
      expect(readFileSync(join(dir, 'info.log'), 'utf8')).toBe(expected)
      expectCounters(log.metrics(), { written: 14, deduplicated: 4 })
    })

    it("dedupe's note of a held record is held with it: written after it when the request fails", async () => {
      const { text, metrics } = await logged(worker, { dedupe: true, fingersCrossed: true }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          for (let i = 0; i < 3; i++) {
            clock.t = i
            log.debug('poll')
          }
          log.error('boom')
        })
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"debug","msg":"poll","requestId":"r1"}`,
          `{"time":"${at(2)}","level":"debug","msg":"last record repeated 2 times","requestId":"r1","repeated":2}`,
          `{"time":"${at(2)}","level":"error","msg":"boom","requestId":"r1"}`,
        ),
      )
      expectCounters(metrics, { written: 3, deduplicated: 2 })
    })

    it("dedupe's note of a held record is not written when the request ends without an error", async () => {
      const { text, metrics } = await logged(worker, { dedupe: true, fingersCrossed: true }, (log, clock) => {
        withContext({ requestId: 'r1' }, () => {
          for (let i = 0; i < 3; i++) {
            clock.t = i
            log.debug('poll')
          }
          log.info('done')
        })
      })
      expect(text).toBe(lines(`{"time":"${at(2)}","level":"info","msg":"done","requestId":"r1"}`))
      // The first 'poll' and the note of its two repeats.
      expectCounters(metrics, { written: 1, deduplicated: 2, discarded: 2 })
    })

    it('a run whose first record was sampled out leaves no note: its repeats count as deduplicated', async () => {
      const { text, metrics } = await logged(worker, { dedupe: true, sample: { every: 2 } }, (log) => {
        log.info('a') // kept
        log.info('b') // sampled out
        log.info('b') // deduplicated
        log.info('b') // deduplicated
        log.info('c') // kept
        log.info('c') // deduplicated
        log.info('d') // sampled out
      })
      expect(text).toBe(
        lines(
          `{"time":"${at(0)}","level":"info","msg":"a"}`,
          `{"time":"${at(0)}","level":"info","msg":"c"}`,
          `{"time":"${at(0)}","level":"info","msg":"last record repeated 1 time","repeated":1}`,
        ),
      )
      expectCounters(metrics, { written: 3, deduplicated: 3, sampled: 2 })
    })
  })
})

describe('bad policy options fail at createLogger() naming the option and the value', () => {
  const cases: [string, LoggerOptions, string][] = [
    [
      'a filter with an unknown operator',
      { filter: { field: 'msg', startsWith: 'GET' } as never },
      'ringlog: invalid option filter.startsWith: "GET"; expected a filter operator: one of equals, oneOf, matches, exists, all, any, not',
    ],
    [
      'a filter with an invalid regular expression',
      { filter: { field: 'msg', matches: '(unclosed' } },
      'ringlog: invalid option filter.matches: "(unclosed"; expected a valid regular expression (unterminated group)',
    ],
    [
      'an invalid regular expression nested in all and not',
      { filter: { all: [{ field: 'a', exists: true }, { not: { field: 'msg', matches: '[z-a]' } }] } },
      'ringlog: invalid option filter.all[1].not.matches: "[z-a]"; expected a valid regular expression (range out of order in character class)',
    ],
    [
      "a sink's filter with an unknown operator",
      { sinks: [{ type: 'file', path: join(tempDir(), 'a.log') }, { type: 'file', path: join(tempDir(), 'b.log'), filter: { field: 'level', like: 'warn' } as never }] },
      'ringlog: invalid option sinks[1].filter.like: "warn"; expected a filter operator: one of equals, oneOf, matches, exists, all, any, not',
    ],
    ['a sample rate of 2', { sample: { rate: 2 } }, 'ringlog: invalid option sample.rate: 2; expected a number from 0 to 1 (0.1 keeps one record in ten)'],
    ['a sample every 0', { sample: { every: 0 } }, 'ringlog: invalid option sample.every: 0; expected a whole number, 1 or more'],
    [
      'two ways to sample',
      { sample: { rate: 0.5, every: 2 } as never },
      `ringlog: invalid option sample: {"rate":0.5,"every":2}; expected one way to sample: { rate: 0.1 }, { every: 10 } or { first: 100, thereafter: 10, interval: '1s' }`,
    ],
    ['a rateLimit rate of 0', { rateLimit: { rate: 0 } }, 'ringlog: invalid option rateLimit.rate: 0; expected a number of records, more than 0'],
    ['an empty rateLimit key', { rateLimit: { rate: 1, key: '' } }, `ringlog: invalid option rateLimit.key: ""; expected 'msg' or a field path, like 'req.url'`],
    [
      'a dedupe window that is no duration',
      { dedupe: { window: 'soon' } },
      `ringlog: invalid option dedupe.window: "soon"; expected a duration: milliseconds as a number, or like '30 days' or '12 hours'`,
    ],
    [
      'a fingersCrossed trigger below hold',
      { fingersCrossed: { hold: 'info', trigger: 'debug' } },
      'ringlog: invalid option fingersCrossed.trigger: "debug"; expected a level above hold (info)',
    ],
    [
      'a fingersCrossed hold at the default trigger',
      { fingersCrossed: { hold: 'error' } },
      'ringlog: invalid option fingersCrossed.trigger: "error"; expected a level above hold (error)',
    ],
    ['a fingersCrossed limit of 0', { fingersCrossed: { limit: 0 } }, 'ringlog: invalid option fingersCrossed.limit: 0; expected a whole number of records, 1 or more'],
  ]
  describe.each([false, true])('worker: %s', (worker) => {
    it.each(cases)('%s', (_name, options, message) => {
      expect(errorOf({ worker, ...options })).toBe(message)
    })
  })
})
