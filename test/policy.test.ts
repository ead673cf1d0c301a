import { describe, expect, it } from 'vitest'
import { Deduper, dedupeOption } from '../dist/src/worker/policy/dedupe.js'
import { compileFilter, filterOption, type FieldGetter } from '../dist/src/worker/policy/filter.js'
import { RateLimiter, rateLimitOption } from '../dist/src/worker/policy/rate-limit.js'
import { Sampler, sampleOption, type SampleConfig } from '../dist/src/worker/policy/sampler.js'
import { optionError } from './helpers/option-error.js'

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }
const levelNumber = (name: string): number | undefined => LEVELS[name]
const INFO = 30
const ERROR = 50


/** A getter over a plain record, as the drain worker gives filters. */
function getter(record: Record<string, unknown>): FieldGetter {
  return (path) => path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), record)
}

/** The indexes of the records a decision kept. */
function kept(decisions: boolean[]): number[] {
  return decisions.flatMap((keep, i) => (keep ? [i] : []))
}

describe('filters are plain data, checked up front', () => {
  it('returns the filter as data that crosses into the worker, regular expressions as { source, flags }', () => {
    const config = filterOption('option filter', {
      any: [{ field: 'status', oneOf: [500, 503] }, { field: 'msg', matches: /timeout/i }, { not: { field: 'req.method', equals: 'GET' } }],
    })
    expect(config).toEqual({
      any: [
        { field: 'status', oneOf: [500, 503] },
        { field: 'msg', matches: { source: 'timeout', flags: 'i' } },
        { not: { field: 'req.method', equals: 'GET' } },
      ],
    })
    expect(structuredClone(config)).toEqual(config)
    expect(filterOption('option filter', config)).toEqual(config)
    expect(filterOption('option filter', undefined)).toBeUndefined()
  })

  it('takes a regular expression as a string, and drops g and y, which would carry state from record to record', () => {
    expect(filterOption('option filter', { field: 'msg', matches: '^GET /' })).toEqual({ field: 'msg', matches: { source: '^GET /', flags: '' } })
    expect(filterOption('option filter', { field: 'msg', matches: /a/giy })).toEqual({ field: 'msg', matches: { source: 'a', flags: 'i' } })
  })

  it('rejects an unknown operator, naming it', () => {
    expect(optionError(() => filterOption('option filter', { field: 'msg', startsWith: 'GET' }))).toBe(
      'ringlog: invalid option filter.startsWith: "GET"; expected a filter operator: one of equals, oneOf, matches, exists, all, any, not',
    )
  })

  it('rejects an invalid regular expression, saying why and where it is nested', () => {
    expect(optionError(() => filterOption('option filter', { any: [{ field: 'err', exists: true }, { field: 'msg', matches: '(unclosed' }] }))).toBe(
      'ringlog: invalid option filter.any[1].matches: "(unclosed"; expected a valid regular expression (unterminated group)',
    )
    expect(optionError(() => filterOption('option sinks[1].filter', { field: 'msg', matches: { source: 'a', flags: 'q' } }))).toBe(
      `ringlog: invalid option sinks[1].filter.matches: {"source":"a","flags":"q"}; expected a valid regular expression (invalid flags supplied to RegExp constructor 'q')`,
    )
  })

  it('rejects two operators in one filter', () => {
    expect(optionError(() => filterOption('option filter', { field: 'status', equals: 500, oneOf: [500] }))).toBe(
      'ringlog: invalid option filter.oneOf: [500]; expected one operator per filter (this one has equals); combine filters with all or any',
    )
  })

  it('rejects a filter with no operator, or that is not an object', () => {
    const expected = 'a filter: { field, equals | oneOf | matches | exists }, { all: [...] }, { any: [...] } or { not: {...} }'
    expect(optionError(() => filterOption('option filter', { field: 'status' }))).toBe(`ringlog: invalid option filter: {"field":"status"}; expected ${expected}`)
    expect(optionError(() => filterOption('option sinks[1].filter', 'level > 30'))).toBe(`ringlog: invalid option sinks[1].filter: "level > 30"; expected ${expected}`)
    expect(optionError(() => filterOption('option filter', { not: [] }))).toBe(`ringlog: invalid option filter.not: []; expected ${expected}`)
  })

  it('rejects an empty all or any, and a field beside them', () => {
    expect(optionError(() => filterOption('option filter', { all: [] }))).toBe('ringlog: invalid option filter.all: []; expected a non-empty array of filters')
    expect(optionError(() => filterOption('option filter', { not: { any: [] } }))).toBe('ringlog: invalid option filter.not.any: []; expected a non-empty array of filters')
    expect(optionError(() => filterOption('option filter', { field: 'status', all: [{ field: 'status', exists: true }] }))).toBe(
      'ringlog: invalid option filter.field: "status"; expected no field beside all: fields go in the filters inside it',
    )
  })

  it('rejects a field that is not a name, and operands of the wrong kind', () => {
    expect(optionError(() => filterOption('option filter', { field: 42, equals: 1 }))).toBe(
      "ringlog: invalid option filter.field: 42; expected a field name, like 'status' or 'req.method'",
    )
    expect(optionError(() => filterOption('option filter', { all: [{ equals: 1 }] }))).toBe(
      "ringlog: invalid option filter.all[0].field: undefined; expected a field name, like 'status' or 'req.method'",
    )
    expect(optionError(() => filterOption('option filter', { field: 'a', equals: { b: 1 } }))).toBe(
      'ringlog: invalid option filter.equals: {"b":1}; expected a string, number, boolean or null',
    )
    expect(optionError(() => filterOption('option filter', { field: 'a', oneOf: [1, [2]] }))).toBe(
      'ringlog: invalid option filter.oneOf[1]: [2]; expected a string, number, boolean or null',
    )
    expect(optionError(() => filterOption('option filter', { field: 'a', oneOf: [] }))).toBe(
      'ringlog: invalid option filter.oneOf: []; expected a non-empty array, each a string, number, boolean or null',
    )
    expect(optionError(() => filterOption('option filter', { field: 'a', exists: 'yes' }))).toBe('ringlog: invalid option filter.exists: "yes"; expected true or false')
    expect(optionError(() => filterOption('option filter', { field: 'a', matches: 5 }))).toBe(
      'ringlog: invalid option filter.matches: 5; expected a regular expression: its source as a string, a RegExp, or { source, flags }',
    )
  })
})

describe('compiled filters', () => {
  const records = [
    { level: 30, msg: 'GET /health', status: 200, req: { method: 'GET' } },
    { level: 50, msg: 'upstream timeout', status: 503, req: { method: 'POST' }, err: { code: 'ETIMEDOUT' } },
    { level: 40, msg: 'slow query', status: '500', req: { method: 'GET' } },
    { level: 30, msg: 'user signed in', user: null },
  ]
  const passing = (filter: unknown): number[] => {
    const compiled = compileFilter(filterOption('option filter', filter)!)
    return kept(records.map((record) => compiled(getter(record))))
  }

  it('equals is strict: the number 500 is not the string "500", null is not absent', () => {
    expect(passing({ field: 'status', equals: 503 })).toEqual([1])
    expect(passing({ field: 'status', equals: '500' })).toEqual([2])
    expect(passing({ field: 'user', equals: null })).toEqual([3])
    expect(passing({ field: 'req.method', equals: 'GET' })).toEqual([0, 2])
  })

  it('oneOf, exists and nested fields', () => {
    expect(passing({ field: 'status', oneOf: [200, 503] })).toEqual([0, 1])
    expect(passing({ field: 'err.code', exists: true })).toEqual([1])
    expect(passing({ field: 'status', exists: false })).toEqual([3])
    expect(passing({ field: 'user', exists: true })).toEqual([3])
  })

  it('matches text, and numbers as written; objects and absent fields never match', () => {
    expect(passing({ field: 'msg', matches: 'TIMEOUT|slow' })).toEqual([2])
    expect(passing({ field: 'msg', matches: /TIMEOUT|slow/i })).toEqual([1, 2])
    expect(passing({ field: 'status', matches: '^5' })).toEqual([1, 2])
    expect(passing({ field: 'req', matches: 'object' })).toEqual([])
  })

  it('a global regular expression matches the same record every time', () => {
    const filter = compileFilter(filterOption('option filter', { field: 'msg', matches: /o/g })!)
    const get = getter(records[1])
    expect([filter(get), filter(get), filter(get)]).toEqual([true, true, true])
  })

  it('combines with all, any and not', () => {
    expect(passing({ all: [{ field: 'req.method', equals: 'GET' }, { not: { field: 'msg', matches: '^GET /health$' } }] })).toEqual([2])
    expect(passing({ any: [{ field: 'level', oneOf: [50, 60] }, { field: 'user', exists: true }] })).toEqual([1, 3])
    expect(passing({ not: { any: [{ field: 'level', equals: 30 }, { field: 'status', equals: 503 }] } })).toEqual([2])
  })
})

describe('sampling', () => {
  const sampler = (option: unknown): Sampler => new Sampler(sampleOption('option sample', option, levelNumber)!)

  it('fills in the defaults: errors exempt, a random 32-bit seed, a 1 s interval', () => {
    expect(sampleOption('option sample', { every: 10, seed: 7 }, levelNumber)).toEqual({ exemptFrom: 50, seed: 7, every: 10 })
    expect(sampleOption('option sample', { rate: 0.5, seed: 7, levels: 'all' }, levelNumber)).toEqual({ exemptFrom: Infinity, seed: 7, rate: 0.5 })
    const zap = sampleOption('option sample', { first: 100, thereafter: 10, interval: '1s' }, levelNumber) as SampleConfig & { interval: number }
    expect(zap).toMatchObject({ exemptFrom: 50, first: 100, thereafter: 10, interval: 1000 })
    expect(Number.isInteger(zap.seed) && zap.seed >= 0 && zap.seed < 2 ** 32).toBe(true)
    expect(sampleOption('option sample', { first: 1, thereafter: 2 }, levelNumber)).toMatchObject({ interval: 1000 })
    expect(sampleOption('option sample', undefined, levelNumber)).toBeUndefined()
  })

  it('a seeded rate keeps the same records every time, and about the rate of them', () => {
    const run = (seed: number): boolean[] => {
      const s = sampler({ rate: 0.1, seed })
      return Array.from({ length: 10_000 }, (_, i) => s.keep(INFO, i, 'msg'))
    }
    const first = run(42)
    expect(run(42)).toEqual(first)
    expect(run(43)).not.toEqual(first)
    const count = kept(first).length
    expect(count).toBeGreaterThan(900)
    expect(count).toBeLessThan(1100)
  })

  it('a rate of 0 keeps nothing and 1 everything, below error', () => {
    const none = sampler({ rate: 0, seed: 1 })
    const all = sampler({ rate: 1, seed: 1 })
    expect(kept(Array.from({ length: 1000 }, () => none.keep(INFO, 0, 'm')))).toEqual([])
    expect(kept(Array.from({ length: 1000 }, () => all.keep(INFO, 0, 'm'))).length).toBe(1000)
  })

  it('never samples error and fatal, unless levels is all', () => {
    const s = sampler({ rate: 0, seed: 1 })
    expect([s.keep(40, 0, 'm'), s.keep(50, 0, 'm'), s.keep(60, 0, 'm')]).toEqual([false, true, true])
    const all = sampler({ rate: 0, seed: 1, levels: 'all' })
    expect([all.keep(50, 0, 'm'), all.keep(60, 0, 'm')]).toEqual([false, false])
  })

  it('every 10 keeps records 1, 11, 21, whatever their message', () => {
    const s = sampler({ every: 10, seed: 1 })
    expect(kept(Array.from({ length: 25 }, (_, i) => s.keep(INFO, i, `m${i % 3}`)))).toEqual([0, 10, 20])
  })

  it('errors pass every without moving its count', () => {
    const s = sampler({ every: 2, seed: 1 })
    const levels = [INFO, ERROR, INFO, ERROR, INFO, INFO]
    expect(kept(levels.map((level, i) => s.keep(level, i, 'm')))).toEqual([0, 1, 3, 4])
  })

  it('first 3 thereafter 5: per message and interval, the first 3, then every 5th', () => {
    const s = sampler({ first: 3, thereafter: 5, interval: '1s', seed: 1 })
    // 20 of one message in the first second: counts 1, 2, 3, 8, 13, 18 are kept.
    expect(kept(Array.from({ length: 20 }, (_, i) => s.keep(INFO, i * 10, 'a')))).toEqual([0, 1, 2, 7, 12, 17])
    // Another message counts on its own.
    expect(kept(Array.from({ length: 4 }, (_, i) => s.keep(INFO, 500 + i, 'b')))).toEqual([0, 1, 2])
    // The next second starts again: counts 1, 2, 3, then 8.
    expect(kept(Array.from({ length: 8 }, (_, i) => s.keep(INFO, 1000 + i, 'a')))).toEqual([0, 1, 2, 7])
    // A late record from the past second counts in the current one (9th, dropped), not afresh.
    expect(s.keep(INFO, 999, 'a')).toBe(false)
    expect(s.keep(INFO, 2000, 'a')).toBe(true)
  })

  it('rejects a rate of 2', () => {
    expect(optionError(() => sampleOption('option sample', { rate: 2 }, levelNumber))).toBe(
      'ringlog: invalid option sample.rate: 2; expected a number from 0 to 1 (0.1 keeps one record in ten)',
    )
  })

  it('rejects mixing kinds of sampling, or none', () => {
    const expected = "one way to sample: { rate: 0.1 }, { every: 10 } or { first: 100, thereafter: 10, interval: '1s' }"
    expect(optionError(() => sampleOption('option sample', { rate: 0.5, every: 2 }, levelNumber))).toBe(
      `ringlog: invalid option sample: {"rate":0.5,"every":2}; expected ${expected}`,
    )
    expect(optionError(() => sampleOption('option sample', { every: 2, interval: '1s' }, levelNumber))).toBe(
      `ringlog: invalid option sample: {"every":2,"interval":"1s"}; expected ${expected}`,
    )
    expect(optionError(() => sampleOption('option sample', { seed: 1 }, levelNumber))).toBe(`ringlog: invalid option sample: {"seed":1}; expected ${expected}`)
    expect(optionError(() => sampleOption('option sample', 0.1, levelNumber))).toBe(`ringlog: invalid option sample: 0.1; expected ${expected}`)
  })

  it('rejects counts that are not positive whole numbers, a bad interval, levels, seed or key', () => {
    const error = (option: unknown): string => optionError(() => sampleOption('option sample', option, levelNumber))
    expect(error({ every: 2.5 })).toBe('ringlog: invalid option sample.every: 2.5; expected a whole number, 1 or more')
    expect(error({ first: 0, thereafter: 10 })).toBe('ringlog: invalid option sample.first: 0; expected a whole number, 1 or more')
    expect(error({ first: 5 })).toBe('ringlog: invalid option sample.thereafter: undefined; expected a whole number, 1 or more')
    expect(error({ first: 5, thereafter: 10, interval: 'soon' })).toBe(
      `ringlog: invalid option sample.interval: "soon"; expected a duration: milliseconds as a number, or like '30 days' or '12 hours'`,
    )
    expect(error({ rate: 0.1, levels: 'warn' })).toBe(`ringlog: invalid option sample.levels: "warn"; expected 'all' (to sample error and fatal too), or nothing`)
    expect(error({ rate: 0.1, seed: 1.5 })).toBe('ringlog: invalid option sample.seed: 1.5; expected a whole number')
    expect(error({ rate: 0.1, ratio: 2 })).toBe('ringlog: invalid option sample.ratio: 2; expected one of rate, every, first, thereafter, interval, levels, seed')
  })
})

describe('rate limiting: a token bucket per message', () => {
  it('fills in the defaults: per 1 s, a burst of rate, keyed by message, errors exempt', () => {
    expect(rateLimitOption('option rateLimit', { rate: 100 })).toEqual({ rate: 100, per: 1000, burst: 100, key: 'msg', exemptFrom: 50 })
    expect(rateLimitOption('option rateLimit', { rate: 5, per: '10 minutes', burst: 20, key: 'req.url', levels: 'all' })).toEqual({
      rate: 5, per: 600_000, burst: 20, key: 'req.url', exemptFrom: Infinity,
    })
    expect(rateLimitOption('option rateLimit', { rate: 0.5 })).toMatchObject({ burst: 1 })
    expect(rateLimitOption('option rateLimit', undefined)).toBeUndefined()
  })

  it('lets the burst through, then refills continuously from the record times', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 2, per: '1s', burst: 3 })!)
    const timeline = [0, 0, 0, 0, 0, 499, 500, 500, 1000, 10_000, 10_000, 10_000, 10_000]
    expect(timeline.map((time) => limiter.allow(INFO, time, 'a'))).toEqual([
      true, true, true, false, false, // the burst of 3, then empty
      false, // 499 ms refill 0.998 of a token
      true, false, // at 500 ms, one token
      true, // 500 ms later, another
      true, true, true, false, // a long pause refills the burst, not more
    ])
    expect(limiter.suppressed).toBe(5)
  })

  it('reports what a key held back when its next record passes, once', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, burst: 1 })!)
    const seen: unknown[] = []
    const send = (time: number, key: string): void => {
      if (!limiter.allow(INFO, time, key)) return
      const summary = limiter.takeSummary(key)
      seen.push(summary === undefined ? key : summary)
    }
    send(0, 'a'); send(10, 'a'); send(20, 'a'); send(30, 'b'); send(40, 'b'); send(1000, 'a'); send(1000, 'b'); send(1029, 'b')
    expect(seen).toEqual(['a', 'b', { key: 'a', count: 2, since: 10 }])
    expect(limiter.takeSummary('a')).toBeUndefined()
    expect(limiter.drain()).toEqual([{ key: 'b', count: 3, since: 40 }])
    expect(limiter.drain()).toEqual([])
    expect(limiter.suppressed).toBe(5)
  })

  it('refills exactly: at 1 record per 10 ms, records every ms pass at 0, 10, 20 …', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, per: 10 })!)
    expect(kept(Array.from({ length: 100 }, (_, time) => limiter.allow(INFO, time, 'tick')))).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
  })

  it('a time that goes back refills nothing', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, burst: 1 })!)
    expect([limiter.allow(INFO, 5000, 'a'), limiter.allow(INFO, 0, 'a'), limiter.allow(INFO, 5999, 'a'), limiter.allow(INFO, 6000, 'a')]).toEqual([true, false, false, true])
  })

  it('errors always pass and take no token, unless levels is all', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, burst: 1 })!)
    expect([limiter.allow(ERROR, 0, 'a'), limiter.allow(60, 0, 'a'), limiter.allow(INFO, 0, 'a'), limiter.allow(ERROR, 0, 'a')]).toEqual([true, true, true, true])
    const all = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, burst: 1, levels: 'all' })!)
    expect([all.allow(ERROR, 0, 'a'), all.allow(60, 0, 'a')]).toEqual([true, false])
  })

  it('keeps 10,000 keys: beyond that the oldest bucket that owes no summary is forgotten', () => {
    const limiter = new RateLimiter(rateLimitOption('option rateLimit', { rate: 1, per: '1 hour', burst: 1 })!)
    expect([limiter.allow(INFO, 0, 'k0'), limiter.allow(INFO, 0, 'k0')]).toEqual([true, false])
    for (let i = 1; i < 10_000; i++) limiter.allow(INFO, 0, `k${i}`)
    // k0 owes a summary: k1 is the oldest that does not.
    expect(limiter.allow(INFO, 0, 'k0')).toBe(false)
    expect(limiter.allow(INFO, 0, 'k10000')).toBe(true)
    expect(limiter.allow(INFO, 0, 'k1')).toBe(true)
    expect(limiter.allow(INFO, 0, 'k0')).toBe(false)
    expect(limiter.drain()).toEqual([{ key: 'k0', count: 3, since: 0 }])
  })

  it('rejects a rate, per, burst, key, levels or option it does not know', () => {
    const error = (option: unknown): string => optionError(() => rateLimitOption('option rateLimit', option))
    expect(error('fast')).toBe(`ringlog: invalid option rateLimit: "fast"; expected an object like { rate: 100, per: '1s' }`)
    expect(error({ rate: 0 })).toBe('ringlog: invalid option rateLimit.rate: 0; expected a number of records, more than 0')
    expect(error({ per: '1s' })).toBe('ringlog: invalid option rateLimit.rate: undefined; expected a number of records, more than 0')
    expect(error({ rate: 100, per: 'a while' })).toBe(
      `ringlog: invalid option rateLimit.per: "a while"; expected a duration: milliseconds as a number, or like '30 days' or '12 hours'`,
    )
    expect(error({ rate: 100, burst: 0.5 })).toBe('ringlog: invalid option rateLimit.burst: 0.5; expected a number of records, 1 or more')
    expect(error({ rate: 100, key: '' })).toBe(`ringlog: invalid option rateLimit.key: ""; expected 'msg' or a field path, like 'req.url'`)
    expect(error({ rate: 100, levels: 'error' })).toBe(`ringlog: invalid option rateLimit.levels: "error"; expected 'all' (to limit error and fatal too), or nothing`)
    expect(error({ rate: 100, window: '1s' })).toBe('ringlog: invalid option rateLimit.window: "1s"; expected one of rate, per, burst, key, levels')
  })
})

describe('dedupe: identical consecutive records', () => {
  const A = (): Buffer => Buffer.from('{"level":30,"msg":"disk full"}')
  const B = (): Buffer => Buffer.from('{"level":30,"msg":"retrying"}')

  it('takes true (a 60 s window) or a window', () => {
    expect(dedupeOption('option dedupe', true)).toEqual({ window: 60_000 })
    expect(dedupeOption('option dedupe', { window: '10s' })).toEqual({ window: 10_000 })
    expect(dedupeOption('option dedupe', { window: 2500 })).toEqual({ window: 2500 })
    expect(dedupeOption('option dedupe', {})).toEqual({ window: 60_000 })
    expect(dedupeOption('option dedupe', false)).toBeUndefined()
    expect(dedupeOption('option dedupe', undefined)).toBeUndefined()
  })

  it('rejects anything else', () => {
    expect(optionError(() => dedupeOption('option dedupe', 'yes'))).toBe(`ringlog: invalid option dedupe: "yes"; expected true, false or an object like { window: '10s' }`)
    expect(optionError(() => dedupeOption('option dedupe', { window: 0 }))).toBe(
      `ringlog: invalid option dedupe.window: 0; expected a duration: milliseconds as a number, or like '30 days' or '12 hours'`,
    )
    expect(optionError(() => dedupeOption('option dedupe', { windw: '1s' }))).toBe('ringlog: invalid option dedupe.windw: "1s"; expected window (no other dedupe option)')
  })

  it('skips repeats and tells how many when a different record comes', () => {
    const deduper = new Deduper({ window: 60_000 })
    const out: (string | number)[] = []
    const records: [Buffer, string][] = [[A(), 'A'], [A(), 'A'], [A(), 'A'], [B(), 'B'], [B(), 'B'], [A(), 'A'], [B(), 'B']]
    records.forEach(([identity, name], time) => {
      if (deduper.see(identity, time) === 'skip') return
      const repeated = deduper.takeRepeated()
      if (repeated > 0) out.push(repeated)
      out.push(name)
    })
    expect(out).toEqual(['A', 2, 'B', 1, 'A', 'B'])
    expect(deduper.deduplicated).toBe(3)
    expect(deduper.takeRepeated()).toBe(0)
  })

  it('at close, tells the repeats of the last run', () => {
    const deduper = new Deduper({ window: 60_000 })
    expect([deduper.see(A(), 0), deduper.see(A(), 1), deduper.see(A(), 2)]).toEqual(['write', 'skip', 'skip'])
    expect(deduper.takeRepeated()).toBe(2)
    expect(deduper.takeRepeated()).toBe(0)
  })

  it('writes the same record again once the window from the first of the run has passed', () => {
    const deduper = new Deduper(dedupeOption('option dedupe', { window: '10s' })!)
    expect(deduper.see(A(), 0)).toBe('write')
    expect(deduper.takeRepeated()).toBe(0)
    expect([deduper.see(A(), 5000), deduper.see(A(), 9999)]).toEqual(['skip', 'skip'])
    expect(deduper.see(A(), 10_000)).toBe('write')
    expect(deduper.takeRepeated()).toBe(2)
    // A new run, whose window starts at 10 s.
    expect([deduper.see(A(), 15_000), deduper.see(A(), 19_999), deduper.see(A(), 20_000)]).toEqual(['skip', 'skip', 'write'])
    expect(deduper.takeRepeated()).toBe(2)
    expect(deduper.deduplicated).toBe(4)
  })

  it('keeps its own copy: the caller may reuse the buffer it passed', () => {
    const deduper = new Deduper({ window: 60_000 })
    const scratch = A()
    deduper.see(scratch, 0)
    scratch.fill(0)
    expect(deduper.see(A(), 1)).toBe('skip')
  })

  it('takes identities as strings too', () => {
    const deduper = new Deduper({ window: 60_000 })
    expect([deduper.see('x', 0), deduper.see('x', 1), deduper.see('y', 2)]).toEqual(['write', 'skip', 'write'])
    expect(deduper.takeRepeated()).toBe(1)
  })
})
