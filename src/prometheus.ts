import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RingLogger } from './logger.js'
import type { Metrics } from './transport.js'
import { invalid } from './validate.js'

/**
 * `ringlog/prometheus`: a logger's metrics in Prometheus' text exposition format (0.0.4), served
 * by ringlog itself, or collected by a prom-client registry. Names follow Prometheus' conventions:
 * counters end in `_total`, sizes are `_bytes`, the latency histogram is in seconds.
 */

/** The loggers to expose, by the value of their `logger` label: one logger is `{ default: log }`. */
export type ExposedLoggers = RingLogger | Record<string, RingLogger>

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Kind = 'counter' | 'gauge' | 'histogram'
interface Sample {
  labels: Record<string, string>
  value: number
}
interface Family {
  name: string
  help: string
  type: Kind
  /** The labels its samples have. */
  labels: string[]
  samples: (logger: string, metrics: Metrics) => Sample[]
}

const LOGGER = ['logger']
const LEVEL = ['logger', 'level']
const SINK = ['logger', 'sink']
const POLICY = ['filtered', 'deduplicated', 'sampled', 'rateLimited', 'discarded', 'redacted'] as const
const SHIPPING = ['sent', 'retried', 'failed', 'spooled', 'dropped'] as const

const byLevel = (field: 'logged' | 'dropped' | 'written' | 'failed') => (logger: string, m: Metrics): Sample[] =>
  Object.entries(m.levels).map(([level, counts]) => ({ labels: { logger, level }, value: counts[field] }))
const bySink = (field: 'written' | 'failed' | 'bytes') => (logger: string, m: Metrics): Sample[] =>
  m.bySink.map((sink, i) => ({ labels: { logger, sink: String(i) }, value: sink[field] }))
const one = (read: (m: Metrics) => number) => (logger: string, m: Metrics): Sample[] => [{ labels: { logger }, value: read(m) }]
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const FAMILIES: readonly Family[] = [
  { name: 'ringlog_records_logged_total', help: 'Records logged, by level.', type: 'counter', labels: LEVEL, samples: byLevel('logged') },
  { name: 'ringlog_records_dropped_total', help: 'Records dropped before the ring (full, or logged after close), by level.', type: 'counter', labels: LEVEL, samples: byLevel('dropped') },
  { name: 'ringlog_records_written_total', help: 'Records written, summed over the sinks, by level.', type: 'counter', labels: LEVEL, samples: byLevel('written') },
  { name: 'ringlog_records_failed_total', help: 'Records that could not be written, summed over the sinks, by level.', type: 'counter', labels: LEVEL, samples: byLevel('failed') },
  { name: 'ringlog_sink_records_written_total', help: 'Records written, by sink (its index in sinks).', type: 'counter', labels: SINK, samples: bySink('written') },
  { name: 'ringlog_sink_records_failed_total', help: 'Records that could not be written, by sink.', type: 'counter', labels: SINK, samples: bySink('failed') },
  { name: 'ringlog_sink_written_bytes_total', help: 'Bytes written, by sink.', type: 'counter', labels: SINK, samples: bySink('bytes') },
  ...POLICY.map((stage): Family => ({ name: `ringlog_records_${snake(stage)}_total`, help: `Records the ${stage} stage of the record policy counted.`, type: 'counter', labels: LOGGER, samples: one((m) => m[stage]) })),
  ...SHIPPING.map((field): Family => ({
    name: `ringlog_network_sink_records_${field}_total`, help: `Records a network sink ${field}.`, type: 'counter', labels: SINK,
    samples: (logger, m) => m.sinks.map((sink) => ({ labels: { logger, sink: sink.name }, value: sink[field] })),
  })),
  { name: 'ringlog_network_sink_circuit_open', help: 'Whether a network sink takes its destination for down (1) or not (0).', type: 'gauge', labels: SINK, samples: (logger, m) => m.sinks.map((sink) => ({ labels: { logger, sink: sink.name }, value: sink.circuitOpen ? 1 : 0 })) },
  { name: 'ringlog_ring_used_bytes', help: 'Bytes logged and not yet read from the ring.', type: 'gauge', labels: LOGGER, samples: one((m) => m.ringUsed) },
  { name: 'ringlog_ring_size_bytes', help: 'The ring size.', type: 'gauge', labels: LOGGER, samples: one((m) => m.ringSize) },
  { name: 'ringlog_ring_high_water_bytes', help: 'The most bytes the ring has held at once.', type: 'gauge', labels: LOGGER, samples: one((m) => m.ringHighWater) },
  { name: 'ringlog_worker_restarts_total', help: 'Drain workers started to replace one that died.', type: 'counter', labels: LOGGER, samples: one((m) => m.workerRestarts) },
  { name: 'ringlog_errors_last_minute', help: 'Records at error level or above logged in the last minute.', type: 'gauge', labels: LOGGER, samples: one((m) => m.errorsLastMinute) },
]

const LATENCY = 'ringlog_write_latency_seconds'
const LATENCY_HELP = "From the log call (the record's time, ms resolution) to its sink's write."

function loggersOf(loggers: ExposedLoggers): [string, RingLogger][] {
  if (loggers === null || typeof loggers !== 'object') return invalid('prometheus loggers', loggers, 'a logger, or loggers by name: { api: log, jobs: jobLog }')
  if (typeof (loggers as { metrics?: unknown }).metrics === 'function') return [['default', loggers as RingLogger]]
  return Object.entries(loggers as Record<string, RingLogger>).map(([name, logger]) => {
    if (typeof (logger as { metrics?: unknown })?.metrics !== 'function') invalid(`prometheus loggers.${name}`, logger, 'a logger')
    return [name, logger]
  })
}

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: Record<string, string>): string => `{${Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`
const number = (n: number): string => (n === Infinity ? '+Inf' : Number.isNaN(n) ? 'NaN' : String(n))

/** The metrics of the loggers in the text exposition format. */
export function prometheusText(loggers: ExposedLoggers): string {
  const all = loggersOf(loggers).map(([name, logger]) => [name, logger.metrics()] as const)
  let text = ''
  for (const family of FAMILIES) {
    text += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`
    for (const [name, metrics] of all) for (const sample of family.samples(name, metrics)) text += `${family.name}${labelText(sample.labels)} ${number(sample.value)}\n`
  }
  text += `# HELP ${LATENCY} ${LATENCY_HELP}\n# TYPE ${LATENCY} histogram\n`
  for (const [logger, { latency }] of all) {
    for (const bucket of latency.buckets) text += `${LATENCY}_bucket${labelText({ logger, le: number(bucket.le / 1000) })} ${bucket.count}\n`
    text += `${LATENCY}_sum${labelText({ logger })} ${latency.sumMs / 1000}\n${LATENCY}_count${labelText({ logger })} ${latency.count}\n`
  }
  return text
}

/** A request handler for node:http (and Express) that answers with the loggers' metrics: mount it at /metrics. */
export function prometheusHandler(loggers: ExposedLoggers): (request: IncomingMessage, response: ServerResponse) => void {
  loggersOf(loggers)
  return (_request, response) => {
    const body = prometheusText(loggers)
    response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) })
    response.end(body)
  }
}

/** What registerMetrics() needs of a prom-client Registry. */
export interface PromRegistry {
  registerMetric(metric: never): void
}

/**
 * Registers the loggers' metrics with a prom-client registry (`register` or a `new Registry()`), so
 * they are scraped with the application's own: one collector per family, read when scraped.
 */
export async function registerMetrics(registry: PromRegistry, loggers: ExposedLoggers): Promise<void> {
  loggersOf(loggers)
  const client = await import('prom-client').catch((error: unknown) => {
    throw new Error(`ringlog/prometheus: registerMetrics() needs prom-client (npm install prom-client): ${(error as Error).message}`)
  })
  const read = (): (readonly [string, Metrics])[] => loggersOf(loggers).map(([name, logger]) => [name, logger.metrics()] as const)
  for (const family of FAMILIES) {
    const Type = family.type === 'counter' ? client.Counter : client.Gauge
    new Type({
      name: family.name, help: family.help, labelNames: family.labels, registers: [registry as never],
      collect(this: { reset(): void; inc?(labels: Record<string, string>, value: number): void; set?(labels: Record<string, string>, value: number): void }) {
        this.reset()
        for (const [name, metrics] of read()) {
          for (const { labels, value } of family.samples(name, metrics)) {
            if (this.inc !== undefined && family.type === 'counter') this.inc(labels, value)
            else this.set!(labels, value)
          }
        }
      },
    })
  }
  registry.registerMetric(latencyCollector(read) as never)
}

/** The latency histogram as a prom-client metric object: prom-client's Histogram observes values one by one, these are already counted. */
function latencyCollector(read: () => (readonly [string, Metrics])[]): object {
  return {
    name: LATENCY,
    help: LATENCY_HELP,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = []
      for (const [logger, { latency }] of read()) {
        for (const bucket of latency.buckets) values.push({ metricName: `${LATENCY}_bucket`, labels: { logger, le: bucket.le === Infinity ? '+Inf' : bucket.le / 1000 }, value: bucket.count })
        values.push({ metricName: `${LATENCY}_sum`, labels: { logger }, value: latency.sumMs / 1000 })
        values.push({ metricName: `${LATENCY}_count`, labels: { logger }, value: latency.count })
      }
      return { name: LATENCY, help: LATENCY_HELP, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {},
  }
}
