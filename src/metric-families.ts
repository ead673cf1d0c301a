import type { RingLogger } from './logger.js'
import type { Metrics } from './transport.js'
import { invalid } from './validate.js'

/**
 * The metrics every exporter exposes (ringlog/prometheus, ringlog/otel), named as Prometheus names
 * them: what each family is, its labels, and how its samples are read from `metrics()`.
 */

/** The loggers to expose, by the value of their `logger` label: one logger is `{ default: log }`. */
export type ExposedLoggers = RingLogger | Record<string, RingLogger>

export type Kind = 'counter' | 'gauge' | 'histogram'
export interface Sample {
  labels: Record<string, string>
  value: number
}
export interface Family {
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

export const FAMILIES: readonly Family[] = [
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
  { name: 'ringlog_analytics_templates', help: 'Message templates the live analytics knows now.', type: 'gauge', labels: LOGGER, samples: one((m) => m.analytics.templates) },
  { name: 'ringlog_analytics_templates_evicted_total', help: 'Templates let go to stay within analytics.templates.maxTemplates.', type: 'counter', labels: LOGGER, samples: one((m) => m.analytics.evicted) },
  { name: 'ringlog_analytics_anomalies_total', help: 'Anomalies the live analytics reported.', type: 'counter', labels: LOGGER, samples: one((m) => m.analytics.anomalies) },
]

export const LATENCY = 'ringlog_write_latency_seconds'
export const LATENCY_HELP = "From the log call (the record's time, ms resolution) to its sink's write."

export function loggersOf(loggers: ExposedLoggers): [string, RingLogger][] {
  if (loggers === null || typeof loggers !== 'object') return invalid('prometheus loggers', loggers, 'a logger, or loggers by name: { api: log, jobs: jobLog }')
  if (typeof (loggers as { metrics?: unknown }).metrics === 'function') return [['default', loggers as RingLogger]]
  return Object.entries(loggers as Record<string, RingLogger>).map(([name, logger]) => {
    if (typeof (logger as { metrics?: unknown })?.metrics !== 'function') invalid(`prometheus loggers.${name}`, logger, 'a logger')
    return [name, logger]
  })
}

