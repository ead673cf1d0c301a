import { FAMILIES, loggersOf, type ExposedLoggers } from './metric-families.js'
import type { Metrics } from './transport.js'

/**
 * `ringlog/otel`: the loggers' metrics through an OpenTelemetry meter (`metrics.getMeter('ringlog')`
 * of `@opentelemetry/api`, an optional peer): one observable instrument per family, all read in one
 * batch callback when the meter's reader collects. Names follow OpenTelemetry's conventions:
 * dotted, no `_total` (`ringlog.records.logged` with the `logger` and `level` attributes); the
 * latency's quantiles over the last minute are gauges in seconds.
 */

/** What registerOtelMetrics() needs of an OpenTelemetry Meter. */
export interface OtelMeter {
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): object
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): object
  addBatchObservableCallback(callback: (result: { observe(observable: object, value: number, attributes?: Record<string, string>): void }) => void, observables: object[]): void
  removeBatchObservableCallback(callback: (result: { observe(observable: object, value: number, attributes?: Record<string, string>): void }) => void, observables: object[]): void
}

/** `ringlog_records_logged_total` as OpenTelemetry names it: `ringlog.records.logged`. */
export function otelName(prometheusName: string): string {
  return prometheusName.replace(/_total$/, '').replace(/_bytes$/, '').replaceAll('_', '.')
}

const QUANTILES = [['p50Ms', 'ringlog.write.latency.p50'], ['p99Ms', 'ringlog.write.latency.p99'], ['p999Ms', 'ringlog.write.latency.p999']] as const

/** Registers the metrics with `meter`; returns what unregisters them. */
export function registerOtelMetrics(meter: OtelMeter, loggers: ExposedLoggers): () => void {
  loggersOf(loggers)
  const instruments = FAMILIES.map((family) => {
    const options = { description: family.help, unit: family.name.endsWith('_bytes') || family.name.endsWith('_bytes_total') ? 'By' : '1' }
    return family.type === 'counter' ? meter.createObservableCounter(otelName(family.name), options) : meter.createObservableGauge(otelName(family.name), options)
  })
  const quantiles = QUANTILES.map(([, name]) => meter.createObservableGauge(name, { description: "The bucket bound under which this share of the last minute's records' latency fell.", unit: 's' }))
  const callback = (result: { observe(observable: object, value: number, attributes?: Record<string, string>): void }): void => {
    const all: [string, Metrics][] = loggersOf(loggers).map(([name, logger]) => [name, logger.metrics()])
    FAMILIES.forEach((family, i) => {
      for (const [name, metrics] of all) for (const { labels, value } of family.samples(name, metrics)) result.observe(instruments[i], value, labels)
    })
    for (const [name, metrics] of all) {
      QUANTILES.forEach(([field], i) => {
        const ms = metrics.latency[field]
        if (ms !== undefined) result.observe(quantiles[i], ms / 1000, { logger: name })
      })
    }
  }
  const observables = [...instruments, ...quantiles]
  meter.addBatchObservableCallback(callback, observables)
  return () => meter.removeBatchObservableCallback(callback, observables)
}
