/**
 * A ring's metrics in shared memory, after its control words (src/ring.ts): what the consumer
 * wrote and failed per level and per sink, and how long records took from the log call to the
 * sink's write. The consumer (the drain worker, or the calling thread draining itself) counts;
 * `metrics()` reads them on the calling thread without a message.
 */

/** Where the region starts in the ring's control block, and its size. */
export const METRICS_OFFSET = 1024
export const METRICS_BYTES = 7168

/** Sinks counted one by one; those after share the last slot. */
export const COUNTED_SINKS = 16
/** Upper bounds of the latency buckets, in ms (a record's time has ms resolution); the last is +Inf. */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, Infinity]
/** The sliding window of the latency quantiles: this many slots of WINDOW_MS. */
const WINDOW_SLOTS = 6
const WINDOW_MS = 10_000

const BUCKETS = LATENCY_BOUNDS_MS.length
const F64 = 8
const LEVEL_WRITTEN = 0
const LEVEL_FAILED = 256
const SINKS = 512
/** Per counted sink: written, failed, bytes, when it last wrote, when a write last failed (ms). */
const SINK_FIELDS = 5
const CUMULATIVE = SINKS + COUNTED_SINKS * SINK_FIELDS
/** The cumulative histogram's buckets, then its sum in ms. */
const LATENCY_SUM = CUMULATIVE + BUCKETS
/** Per window slot: the window's number (time / WINDOW_MS), then its buckets. */
const WINDOWS = LATENCY_SUM + 1
/** Live analytics: templates known, templates evicted, anomalies reported. */
const ANALYTICS = WINDOWS + WINDOW_SLOTS * (1 + BUCKETS)
const FLOATS = ANALYTICS + 3

if (FLOATS * F64 > METRICS_BYTES) throw new Error('ring metrics do not fit their region')

/** The latency of the records written, from the log call (the record's time) to the sink's write. */
export interface LatencyMetrics {
  /** Records observed since the logger started: equals the records written, summed over sinks. */
  count: number
  /** Their latencies summed, in ms. */
  sumMs: number
  /** Cumulative counts: records at most `le` ms (the last, Infinity, is every record). */
  buckets: { le: number; count: number }[]
  /** Over the last minute: the bucket bound under which half, 99 % and 99.9 % of the records fall (ms); undefined with none. */
  p50Ms: number | undefined
  p99Ms: number | undefined
  p999Ms: number | undefined
}

/** Views over one ring's metrics region. */
export class RingMetrics {
  private readonly f: Float64Array

  constructor(sab: SharedArrayBuffer) {
    this.f = new Float64Array(sab, METRICS_OFFSET, FLOATS)
  }

  /** Metrics of a pipeline without a ring (`worker: false`): the same layout, in memory of their own. */
  static alone(): RingMetrics {
    return new RingMetrics(new SharedArrayBuffer(METRICS_OFFSET + METRICS_BYTES))
  }

  /** `whole` of the records in `levels` were written to sink `sink`, `bytes` bytes; the rest failed. `times`: each record's time, for its latency at `now`. */
  wrote(sink: number, levels: Uint8Array, times: Float64Array, records: number, whole: number, bytes: number, now: number): void {
    const f = this.f
    const at = SINKS + Math.min(sink, COUNTED_SINKS - 1) * SINK_FIELDS
    f[at] += whole
    f[at + 1] += records - whole
    f[at + 2] += bytes
    if (whole > 0 || records === 0) f[at + 3] = now
    if (whole < records) f[at + 4] = now
    const window = Math.floor(now / WINDOW_MS)
    const slot = WINDOWS + (window % WINDOW_SLOTS) * (1 + BUCKETS)
    if (f[slot] !== window) {
      f.fill(0, slot + 1, slot + 1 + BUCKETS)
      f[slot] = window
    }
    for (let i = 0; i < records; i++) {
      const level = levels[i]
      if (i >= whole) {
        f[LEVEL_FAILED + level]++
        continue
      }
      f[LEVEL_WRITTEN + level]++
      const latency = Math.max(0, now - times[i])
      let b = 0
      while (latency > LATENCY_BOUNDS_MS[b]) b++
      f[CUMULATIVE + b]++
      f[slot + 1 + b]++
      f[LATENCY_SUM] += latency
    }
  }

  /** Live analytics' counts, as they are now. */
  analytics(templates: number, evicted: number, anomalies: number): void {
    this.f[ANALYTICS] = templates
    this.f[ANALYTICS + 1] = evicted
    this.f[ANALYTICS + 2] = anomalies
  }

  analyticsCounts(): { templates: number; evicted: number; anomalies: number } {
    return { templates: this.f[ANALYTICS], evicted: this.f[ANALYTICS + 1], anomalies: this.f[ANALYTICS + 2] }
  }

  written(level: number): number {
    return this.f[LEVEL_WRITTEN + level]
  }

  failed(level: number): number {
    return this.f[LEVEL_FAILED + level]
  }

  /** When sink `i` last wrote and last failed to (ms since the epoch; -Infinity: never). */
  sinkTimes(i: number): { lastWrittenAt: number; lastFailedAt: number } {
    const at = SINKS + i * SINK_FIELDS
    return { lastWrittenAt: this.f[at + 3] || -Infinity, lastFailedAt: this.f[at + 4] || -Infinity }
  }

  /** Sink `i`'s counts (for i < COUNTED_SINKS). */
  sink(i: number): { written: number; failed: number; bytes: number } {
    const at = SINKS + i * SINK_FIELDS
    return { written: this.f[at], failed: this.f[at + 1], bytes: this.f[at + 2] }
  }

  latency(now: number): LatencyMetrics {
    const f = this.f
    const buckets: { le: number; count: number }[] = []
    let count = 0
    for (let b = 0; b < BUCKETS; b++) buckets.push({ le: LATENCY_BOUNDS_MS[b], count: (count += f[CUMULATIVE + b]) })
    const recent = new Float64Array(BUCKETS)
    const window = Math.floor(now / WINDOW_MS)
    for (let s = 0; s < WINDOW_SLOTS; s++) {
      const slot = WINDOWS + s * (1 + BUCKETS)
      if (window - f[slot] < WINDOW_SLOTS) for (let b = 0; b < BUCKETS; b++) recent[b] += f[slot + 1 + b]
    }
    return { count, sumMs: f[LATENCY_SUM], buckets, p50Ms: quantile(recent, 0.5), p99Ms: quantile(recent, 0.99), p999Ms: quantile(recent, 0.999) }
  }
}

/** The bound of the bucket in which the q-quantile falls; undefined without records. */
function quantile(counts: Float64Array, q: number): number | undefined {
  let total = 0
  for (const c of counts) total += c
  if (total === 0) return undefined
  let seen = 0
  for (let b = 0; b < counts.length; b++) {
    seen += counts[b]
    if (seen >= q * total) return LATENCY_BOUNDS_MS[b]
  }
  return Infinity
}
