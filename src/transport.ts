import type { LatencyMetrics, RingMetrics } from './ring-metrics.js'
import type { ShippingMetrics } from './shipping/sink-counters.js'
import { STAT_DEDUPLICATED, STAT_DISCARDED, STAT_FILTERED, STAT_RATE_LIMITED, STAT_REDACTED, STAT_SAMPLED } from './ring.js'

/** What the logger's counters say; see Logger.metrics(). */
export interface Metrics {
  /** Records written to the destination. */
  written: number
  /** Records dropped because the ring was full (onFull 'drop', or 'block' past blockTimeoutMs), or logged after close(). */
  dropped: number
  /** Records that could not be formatted or written (a write error, a record lost with a crashed worker). */
  failed: number
  /** Bytes written to the destination. */
  bytes: number
  /** The most bytes the ring has held at once. */
  ringHighWater: number
  /** Drain workers started to replace one that died. */
  workerRestarts: number
  /**
   * Of `written`, the records the calling thread wrote itself: no drain worker had the ring (before
   * the first was up, between a death and its replacement, at exit, or for good once none could be
   * started), or `worker: false`.
   */
  writtenOnCaller: number
  /** Records the `filter` let go. */
  filtered: number
  /** Repeats of an identical record skipped by `dedupe` (each run is written once, then noted with its count). */
  deduplicated: number
  /** Records `sample` left out. */
  sampled: number
  /** Records `rateLimit` suppressed. */
  rateLimited: number
  /** Records `fingersCrossed` held back and then discarded (their request logged no error). */
  discarded: number
  /** Records and child bindings in which `redact` changed something. */
  redacted: number
  /** Declared events with a value that did not fit its field, written as log.info would write them (`validate: 'off'`). */
  invalidEvents: number
  /** The latest error writing, formatting or archiving, like `write ENOSPC: no space left on device`; undefined while there was none. */
  lastError: string | undefined
  /** Each network sink (http, syslog, otlp, pino transports, plugins), in the order of `sinks`: what it sent, retried, spooled, dropped. */
  sinks: ShippingMetrics[]
  /**
   * By level label (every level of the logger, custom ones too): records logged by this logger
   * tree, dropped of those (the ring full, or after close()), and written and failed, summed over
   * the sinks (a record written to two sinks counts twice, as `written` does).
   */
  levels: Record<string, LevelMetrics>
  /** Each sink, in the order of `sinks` (the first 15 one by one, the rest together in the 16th): records written and failed, bytes. */
  bySink: SinkWrites[]
  /** Bytes in the ring now (logged, not yet read), and its size; 0 and 0 with `worker: false`. */
  ringUsed: number
  ringSize: number
  /** From the log call (the record's time) to its sink's write: a histogram since the start, and quantiles over the last minute. */
  latency: LatencyMetrics
  /** Records at error level or above (pino's 50) logged in the last minute. */
  errorsLastMinute: number
  /** With the `analytics` option: templates known now, templates let go to stay within maxTemplates, anomalies reported; zeros without it. */
  analytics: AnalyticsMetrics
}

export interface AnalyticsMetrics {
  templates: number
  evicted: number
  anomalies: number
}

export interface LevelMetrics {
  logged: number
  dropped: number
  written: number
  failed: number
}

export interface SinkWrites {
  written: number
  failed: number
  bytes: number
}

/** What a transport counts itself; the logger adds what its calling thread and the ring's metrics say. */
export type TransportMetrics = Omit<Metrics, 'invalidEvents' | 'levels' | 'bySink' | 'ringUsed' | 'ringSize' | 'latency' | 'errorsLastMinute' | 'analytics'>

/** The record policy's counters, from the consumer's stats. */
export function policyMetrics(stats: Float64Array): Pick<Metrics, 'filtered' | 'deduplicated' | 'sampled' | 'rateLimited' | 'discarded' | 'redacted'> {
  return {
    filtered: stats[STAT_FILTERED],
    deduplicated: stats[STAT_DEDUPLICATED],
    sampled: stats[STAT_SAMPLED],
    rateLimited: stats[STAT_RATE_LIMITED],
    discarded: stats[STAT_DISCARDED],
    redacted: stats[STAT_REDACTED],
  }
}

/** Where a logger's frames go: the ring and its drain worker, or the inline pipeline. */
export interface Transport {
  /** Takes the frame in frame[0, length); the buffer is reused as soon as this returns. False when it was dropped (and counted). */
  write(frame: Buffer, length: number): boolean
  /** The ring position after the last frame written (0 when there is no ring). */
  readonly position: number
  /** The ring position consumers have read up to (`position` when there is no ring). */
  readonly consumed: number
  flush(): Promise<void>
  close(): Promise<void>
  /** Writes everything logged so far before this returns: for process exit (`final`) and signals. */
  drainSync(final: boolean): void
  /** The counters the transport keeps: all but those of the calling thread's logger. */
  metrics(): TransportMetrics
  /** Where the consumer counts per level and per sink, and the latencies. */
  readonly ringMetrics: RingMetrics
  /** The ring's size in bytes (0 without a ring). */
  readonly ringSize: number
  /** The hub's word for the drain worker (DRAIN_UP, ...); undefined without one (`worker: false`). */
  readonly drainState: number | undefined
}
