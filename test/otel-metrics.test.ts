/** `ringlog/otel`: the metrics through a real OpenTelemetry SDK meter, read by a metric reader's collect(). */
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { otelName, registerOtelMetrics } from '../dist/src/otel-metrics.js'
import { tempDir } from './helpers/files.js'

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Each metric's data points by name: attributes and value. */
function points(collected: ResourceMetrics): Map<string, { attributes: Record<string, unknown>; value: unknown }[]> {
  const byName = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>()
  for (const scope of collected.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })))
  return byName
}

describe('ringlog/otel', () => {
  it('every family as an observable instrument, the values metrics() has, read anew at each collection', async () => {
    const dir = tempDir()
    const log = createLogger({ sinks: [{ type: 'file', path: join(dir, 'a.log') }, { type: 'file', path: join(dir, 'b.log'), level: 'error' }] })
    for (let i = 0; i < 40; i++) log.info({ i }, 'tick')
    log.error('failed')
    await log.flush()
    const reader = new CollectingReader()
    const provider = new MeterProvider({ readers: [reader] })
    const unregister = registerOtelMetrics(provider.getMeter('ringlog'), { api: log })
    const first = points((await reader.collect()).resourceMetrics)
    // Every family that has samples here: the network sinks' have none without a network sink; the latency histogram is its quantiles.
    expect([...first.keys()].sort()).toEqual([
      'ringlog.analytics.anomalies', 'ringlog.analytics.templates', 'ringlog.analytics.templates.evicted', 'ringlog.errors.last.minute',
      'ringlog.records.deduplicated', 'ringlog.records.discarded', 'ringlog.records.dropped', 'ringlog.records.failed', 'ringlog.records.filtered',
      'ringlog.records.logged', 'ringlog.records.rate.limited', 'ringlog.records.redacted', 'ringlog.records.sampled', 'ringlog.records.written',
      'ringlog.ring.high.water', 'ringlog.ring.size', 'ringlog.ring.used', 'ringlog.sink.records.failed', 'ringlog.sink.records.written',
      'ringlog.sink.written', 'ringlog.worker.restarts', 'ringlog.write.latency.p50', 'ringlog.write.latency.p99', 'ringlog.write.latency.p999',
    ])
    expect(first.get('ringlog.records.logged')!.find((p) => p.attributes.level === 'info')).toEqual({ attributes: { logger: 'api', level: 'info' }, value: 40 })
    expect(first.get('ringlog.records.written')!.find((p) => p.attributes.level === 'error')!.value).toBe(2)
    expect(first.get('ringlog.sink.records.written')!.map((p) => [p.attributes.sink, p.value])).toEqual([['0', 41], ['1', 1]])
    expect(first.get('ringlog.ring.size')![0].value).toBe(8 << 20)
    expect(first.get('ringlog.write.latency.p99')![0].value).toBeGreaterThan(0)
    expect(otelName('ringlog_records_logged_total')).toBe('ringlog.records.logged')
    log.info('one more')
    await log.flush()
    const second = points((await reader.collect()).resourceMetrics)
    expect(second.get('ringlog.records.logged')!.find((p) => p.attributes.level === 'info')!.value).toBe(41)
    unregister()
    await provider.shutdown()
    await log.close()
  })
})
