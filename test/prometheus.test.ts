/**
 * The metrics (issue 21) against what was written, and `ringlog/prometheus`: the text exposition
 * read back by a parser of the format, served over HTTP, and collected through a prom-client registry.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import parse from 'parse-prometheus-text-format'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createLogger, type RingLogger } from '../dist/src/index.js'
import { CONTENT_TYPE, prometheusHandler, prometheusText, registerMetrics } from '../dist/src/prometheus.js'
import { RingViews } from '../dist/src/ring.js'
import { tempDir } from './helpers/files.js'

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '')

/** Two file sinks (the second warn and above), a filter, and records at three levels; one logged after close. */
async function logged(dir: string, worker: boolean): Promise<RingLogger> {
  const log = createLogger({
    worker,
    level: 'debug',
    filter: { not: { field: 'skip', equals: true } },
    sinks: [{ type: 'file', path: join(dir, 'all.log') }, { type: 'file', path: join(dir, 'warn.log'), level: 'warn' }],
  })
  for (let i = 0; i < 300; i++) log.info({ i }, 'request handled')
  for (let i = 0; i < 20; i++) log.debug({ i, skip: i % 2 === 0 }, 'detail')
  for (let i = 0; i < 7; i++) log.error({ i }, 'request failed')
  log.trace('below the level')
  await log.flush()
  return log
}

describe.each([{ worker: true }, { worker: false }])('metrics agree with the files (worker: $worker)', ({ worker }) => {
  it('per level, per sink, the latency histogram and the errors of the last minute', async () => {
    const dir = tempDir()
    const log = await logged(dir, worker)
    const m = log.metrics()
    const all = lines(join(dir, 'all.log'))
    const warn = lines(join(dir, 'warn.log'))
    expect(all).toHaveLength(300 + 10 + 7)
    expect(warn).toHaveLength(7)
    expect(m.levels.info).toEqual({ logged: 300, dropped: 0, written: 300, failed: 0 })
    expect(m.levels.debug).toEqual({ logged: 20, dropped: 0, written: 10, failed: 0 })
    expect(m.levels.error).toEqual({ logged: 7, dropped: 0, written: 14, failed: 0 })
    expect(m.levels.trace).toEqual({ logged: 0, dropped: 0, written: 0, failed: 0 })
    expect(m.filtered).toBe(10)
    expect(m.bySink).toEqual([
      { written: all.length, failed: 0, bytes: readFileSync(join(dir, 'all.log')).length },
      { written: warn.length, failed: 0, bytes: readFileSync(join(dir, 'warn.log')).length },
    ])
    expect(m.written).toBe(all.length + warn.length)
    // Every record written to every sink is one observation.
    expect(m.latency.count).toBe(m.written)
    expect(m.latency.buckets.at(-1)).toEqual({ le: Infinity, count: m.written })
    for (let b = 1; b < m.latency.buckets.length; b++) expect(m.latency.buckets[b].count).toBeGreaterThanOrEqual(m.latency.buckets[b - 1].count)
    expect(m.latency.p50Ms).toBeGreaterThanOrEqual(1)
    expect(m.latency.p999Ms).toBeGreaterThanOrEqual(m.latency.p50Ms!)
    expect(m.errorsLastMinute).toBe(7)
    expect(m.ringSize).toBe(worker ? 8 << 20 : 0)
    expect(m.ringUsed).toBe(0)
    await log.close()
    log.warn('after close')
    expect(log.metrics().levels.warn).toEqual({ logged: 1, dropped: 1, written: 0, failed: 0 })
  })

  it('a sink that cannot be written counts its records failed, per level and per sink', async () => {
    const dir = tempDir()
    const log = createLogger({ worker, sinks: [{ type: 'file', path: '/dev/full' }, { type: 'file', path: join(dir, 'ok.log') }] })
    for (let i = 0; i < 50; i++) log.warn({ i }, 'disk full')
    await log.flush()
    const m = log.metrics()
    expect(m.levels.warn).toEqual({ logged: 50, dropped: 0, written: 50, failed: 50 })
    expect(m.bySink[0]).toEqual({ written: 0, failed: 50, bytes: 0 })
    expect(m.bySink[1]).toMatchObject({ written: 50, failed: 0 })
    expect(m.latency.count).toBe(50)
    await log.close()
  })
})

it('a long last error stays in its place: the metrics after it in shared memory are untouched', () => {
  const ring = RingViews.create(4096)
  ring.metrics.wrote(0, Uint8Array.of(30), Float64Array.of(0), 1, 1, 10, 5)
  ring.lastError = `write EIO: ${'x'.repeat(3000)}`
  expect(ring.metrics.written(30)).toBe(1)
  expect(ring.metrics.sink(0)).toEqual({ written: 1, failed: 0, bytes: 10 })
  expect(ring.lastError!.length).toBeLessThan(600)
  expect(ring.lastError!.startsWith('write EIO: xxx')).toBe(true)
})

describe('ringlog/prometheus', () => {
  it('the text exposition parses, with the names, types and values of metrics()', async () => {
    const dir = tempDir()
    const api = await logged(join(dir, 'api'), true)
    const jobs = createLogger({ destination: join(dir, 'jobs.log') })
    jobs.info('started')
    await jobs.flush()
    const families = new Map(parse(prometheusText({ api, jobs })).map((family) => [family.name, family]))
    const value = (name: string, labels: Record<string, string>): number => Number(families.get(name)!.metrics.find((sample) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v))!.value)
    expect(families.get('ringlog_records_logged_total')!.type).toBe('COUNTER')
    expect(value('ringlog_records_logged_total', { logger: 'api', level: 'info' })).toBe(300)
    expect(value('ringlog_records_written_total', { logger: 'api', level: 'error' })).toBe(14)
    expect(value('ringlog_records_logged_total', { logger: 'jobs', level: 'info' })).toBe(1)
    expect(value('ringlog_sink_records_written_total', { logger: 'api', sink: '1' })).toBe(7)
    expect(value('ringlog_records_filtered_total', { logger: 'api' })).toBe(10)
    expect(families.get('ringlog_ring_used_bytes')!.type).toBe('GAUGE')
    expect(value('ringlog_ring_size_bytes', { logger: 'api' })).toBe(8 << 20)
    // One logger's: the parser keeps no labels of a histogram, so two loggers' would merge.
    const histogram = parse(prometheusText({ api })).find((family) => family.name === 'ringlog_write_latency_seconds')!
    expect(histogram.type).toBe('HISTOGRAM')
    // The parser keeps a labelled histogram's buckets, in order, but not its labels, sum or count: those are read from the lines.
    const [apiLatency] = histogram.metrics
    expect(new Set(Object.keys(apiLatency.buckets!))).toEqual(new Set(['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']))
    expect(Number(apiLatency.buckets!['+Inf'])).toBe(api.metrics().written)
    const text = prometheusText({ api, jobs })
    expect(text).toContain(`ringlog_write_latency_seconds_count{logger="api"} ${api.metrics().written}\n`)
    expect(text).toMatch(/^ringlog_write_latency_seconds_sum\{logger="api"\} [\d.]+$/m)
    for (const family of families.values()) expect(family.name).toMatch(/^ringlog_[a-z_]+$/)
    for (const family of families.values()) if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/)
    await Promise.all([api.close(), jobs.close()])
  })

  it('prometheusHandler answers a scrape over HTTP', async () => {
    const dir = tempDir()
    const log = await logged(dir, true)
    const server = createServer(prometheusHandler(log)).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)
      expect(response.headers.get('content-type')).toBe(CONTENT_TYPE)
      const families = parse(await response.text())
      expect(families.find((f) => f.name === 'ringlog_records_logged_total')!.metrics.find((s) => s.labels?.level === 'info')).toMatchObject({ value: '300', labels: { logger: 'default', level: 'info' } })
    } finally {
      server.close()
      await log.close()
    }
  })

  it('registerMetrics(): a prom-client registry scrapes them with its own', async () => {
    const dir = tempDir()
    const log = await logged(dir, true)
    const registry = new Registry()
    registry.setDefaultLabels({ app: 'shop' })
    await registerMetrics(registry, { api: log })
    const first = new Map(parse(await registry.metrics()).map((family) => [family.name, family]))
    expect(first.get('ringlog_records_logged_total')!.metrics.find((s) => s.labels?.level === 'info')).toMatchObject({ value: '300', labels: { logger: 'api', level: 'info', app: 'shop' } })
    expect(first.get('ringlog_write_latency_seconds')!.type).toBe('HISTOGRAM')
    const latency = (await registry.getMetricsAsJSON()).find((metric) => metric.name === 'ringlog_write_latency_seconds')!
    expect((latency.values as { metricName?: string }[]).find((v) => v.metricName === 'ringlog_write_latency_seconds_count')).toMatchObject({ value: log.metrics().written, labels: { logger: 'api' } })
    log.info('one more')
    await log.flush()
    // Read anew at each scrape, not added up.
    const second = new Map(parse(await registry.metrics()).map((family) => [family.name, family]))
    expect(second.get('ringlog_records_logged_total')!.metrics.find((s) => s.labels?.level === 'info')!.value).toBe('301')
    await log.close()
  })

  it('bad loggers are named', () => {
    expect(() => prometheusText(null as never)).toThrow(/invalid prometheus loggers: null/)
    expect(() => prometheusText({ api: {} } as never)).toThrow(/invalid prometheus loggers.api: \{\}; expected a logger/)
  })
})
