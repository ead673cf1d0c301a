import { LEVEL_LABELS } from '../levels.js'
import { durationText } from './duration-text.js'
import type { AnalysisReport, ErrorBurst, RateChange, ReportedAnomaly, TemplateSummary } from './analysis-report.js'
import { AnomalyDetector, type AnomalyOptions } from './anomaly-detector.js'
import { logUpperTail } from './poisson.js'
import { TemplateMiner, type MinerOptions } from './template-miner.js'

/**
 * The report of `ringlog analyze`, built from records in any order: each is mined into its
 * template as it comes and kept as (time, template, level) in typed arrays, 16 bytes a record; the
 * rate series, the new templates and the anomalies need the whole time span, so they are made at
 * the end, in time order.
 */

/** A record as the analysis needs it: time NaN and level NaN when the line had none. */
export interface AnalysedRecord {
  time: number
  level: number
  label: string
  message: string
  /** A declared event's name and version: its own template, nothing mined. */
  event?: string
}

export interface AnalysisOptions {
  miner?: MinerOptions
  /** The rate series' bucket; by default the span cut into about 200 buckets of a round length. */
  bucketMs?: number
  /** The anomaly detector's options; its window is the bucket unless given. */
  anomalies?: AnomalyOptions
  /** Where the range whose new templates are listed starts; by default at three quarters of the span. */
  since?: number
}

/** Round bucket lengths, the shortest that cuts the span into at most MAX_BUCKETS. */
const ROUND_MS = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000]
const MAX_BUCKETS = 240
/** Buckets at most when their length is given: each template's series has one number per bucket. */
const MOST_BUCKETS = 100_000
const DAY_MS = 86_400_000
/** Stored sample messages per template, from which example values are read at the end. */
const SAMPLES = 8
const EXAMPLES = 3
/** The templates whose rate is searched for a change: the most frequent ones. */
const RATE_CHANGE_TEMPLATES = 200


interface Template {
  id: string
  template: string
  event: boolean
  count: number
  first: number
  last: number
  levels: Map<string, number>
  samples: string[]
  /** The record number it was last seen at, to let the least recent go. */
  seen: number
}

/** A level's label as reports show it: the standard name for a standard number, else as written. */
function labelOf(level: number, label: string): string {
  return LEVEL_LABELS.get(level) ?? label.toLowerCase()
}

export class Analysis {
  private readonly miner: TemplateMiner
  private readonly cap: number
  private readonly byId = new Map<string, number>()
  private readonly templates: (Template | undefined)[] = []
  /**
   * Every template's id by index, kept when its summary is let go: the records it had still count
   * in its series of the anomaly detector, which would otherwise take it for new when it came back.
   */
  private readonly ids: string[] = []
  private times = new Float64Array(1024)
  private kinds = new Int32Array(1024)
  private levels = new Float32Array(1024)
  private readonly labelByCode = new Map<number, string>()
  private count = 0
  lines = 0
  readonly skipped: Record<string, number> = {}

  constructor(private readonly options: AnalysisOptions = {}) {
    this.miner = new TemplateMiner(options.miner)
    this.cap = options.miner?.maxTemplates ?? 50_000
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1
  }

  add(record: AnalysedRecord): void {
    const message = record.message
    let id: string
    let text: string
    if (record.event !== undefined) {
      id = text = record.event
    } else {
      const mined = this.miner.add(message)
      id = mined.id
      text = mined.template
    }
    let index = this.byId.get(id)
    let template = index === undefined ? undefined : this.templates[index]
    if (template === undefined) {
      index = this.templates.length
      template = { id, template: text, event: record.event !== undefined, count: 0, first: Infinity, last: -Infinity, levels: new Map(), samples: [], seen: 0 }
      this.templates.push(template)
      this.ids.push(id)
      this.byId.set(id, index)
      if (this.byId.size > 2 * this.cap) this.evictLeastRecent()
    }
    template.template = text
    template.count++
    template.seen = this.count
    const time = record.time
    if (time < template.first) template.first = time
    if (time > template.last) template.last = time
    const label = labelOf(record.level, record.label)
    template.levels.set(label, (template.levels.get(label) ?? 0) + 1)
    if (template.samples.length < SAMPLES && !template.samples.includes(message)) template.samples.push(message)
    this.push(time, index!, record.level, label)
  }

  private push(time: number, index: number, level: number, label: string): void {
    if (this.count === this.times.length) {
      const grow = <T extends Float64Array | Int32Array | Float32Array>(from: T, to: T): T => (to.set(from), to)
      this.times = grow(this.times, new Float64Array(this.count * 2))
      this.kinds = grow(this.kinds, new Int32Array(this.count * 2))
      this.levels = grow(this.levels, new Float32Array(this.count * 2))
    }
    this.times[this.count] = time
    this.kinds[this.count] = index
    // A level without a number is kept by its label, as a negative code.
    this.levels[this.count] = Number.isNaN(level) ? -this.codeOf(label) : level
    this.count++
  }

  private readonly codes = new Map<string, number>()
  private codeOf(label: string): number {
    let code = this.codes.get(label)
    if (code === undefined) {
      this.codes.set(label, (code = this.codes.size + 1))
      this.labelByCode.set(-code, label)
    }
    return code
  }

  private levelLabel(stored: number): string {
    return stored < 0 ? this.labelByCode.get(stored)! : labelOf(stored, String(stored))
  }

  /** The summaries beyond the cap go, the least recently seen half; their records are counted as evicted. */
  private evictLeastRecent(): void {
    const live = this.templates.map((template, index) => ({ template, index })).filter((entry) => entry.template !== undefined)
    live.sort((a, b) => a.template!.seen - b.template!.seen)
    for (const { template, index } of live.slice(0, live.length - this.cap)) {
      this.byId.delete(template!.id)
      this.templates[index] = undefined
    }
  }

  report(inputs: string[]): AnalysisReport {
    const n = this.count
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(this.times[i]))
    order.sort((a, b) => this.times[a] - this.times[b] || a - b)
    const start = order.length === 0 ? null : this.times[order[0]]
    const end = order.length === 0 ? null : this.times[order[order.length - 1]]
    const bucketMs = this.options.bucketMs ?? roundBucket(start === null ? 0 : end! - start)
    const first = start === null ? 0 : Math.floor(start / bucketMs) * bucketMs
    const bucketCount = start === null ? 0 : Math.floor((end! - first) / bucketMs) + 1
    if (bucketCount > MOST_BUCKETS) throw new Error(`buckets of ${durationText(bucketMs)} cut the ${durationText(end! - start!)} of these logs into ${bucketCount} buckets, more than ${MOST_BUCKETS}: give longer ones`)
    const buckets = Array.from({ length: bucketCount }, (_, i) => first + i * bucketMs)
    const bucketOf = (time: number): number => Math.floor((time - first) / bucketMs)

    // Labels come from the logs: `__proto__` is a label like any other.
    const levels = Object.create(null) as Record<string, number[]>
    const series = new Map<number, number[]>()
    for (const i of order) {
      const b = bucketOf(this.times[i])
      const label = this.levelLabel(this.levels[i])
      ;(levels[label] ??= new Array<number>(bucketCount).fill(0))[b]++
      const kind = this.kinds[i]
      if (this.templates[kind] === undefined) continue
      let counts = series.get(kind)
      if (counts === undefined) series.set(kind, (counts = new Array<number>(bucketCount).fill(0)))
      counts[b]++
    }

    const summaries: TemplateSummary[] = []
    this.templates.forEach((template, index) => {
      if (template === undefined) return
      const summary: TemplateSummary = {
        id: template.id,
        template: template.template,
        event: template.event,
        count: template.count,
        share: template.count / n,
        firstSeen: Number.isFinite(template.first) ? template.first : null,
        lastSeen: Number.isFinite(template.last) ? template.last : null,
        levels: Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(template.levels)),
        examples: template.event ? [] : this.examples(template),
        series: series.get(index) ?? new Array<number>(bucketCount).fill(0),
      }
      summaries.push(summary)
    })
    summaries.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id))

    const since = this.options.since ?? (start === null ? null : start + (end! - start) * 0.75)
    const newTemplates = since === null || start === null || since <= start ? null : {
      since,
      templateIds: summaries.filter((s) => s.firstSeen !== null && s.firstSeen >= since).sort((a, b) => a.firstSeen! - b.firstSeen!).map((s) => s.id),
    }
    return {
      inputs,
      lines: this.lines,
      analysed: n,
      skipped: { ...this.skipped },
      start,
      end,
      bucketMs,
      buckets,
      levels,
      templates: summaries,
      evicted: this.miner.evicted,
      newTemplates,
      errorBursts: errorBursts(buckets, bucketMs, levels),
      rateChanges: rateChanges(summaries.slice(0, RATE_CHANGE_TEMPLATES), buckets, bucketMs),
      anomalies: this.anomalies(order, bucketMs),
    }
  }

  /** Up to EXAMPLES distinct values for each variable of the template, read from its sample messages. */
  private examples(template: Template): string[][] {
    const examples: string[][] = []
    for (const sample of template.samples) {
      const values = this.miner.variables(template.template, sample)
      values.forEach((value, i) => {
        const seen = (examples[i] ??= [])
        if (seen.length < EXAMPLES && !seen.includes(value)) seen.push(value)
      })
    }
    return examples
  }

  /** The records in time order through the anomaly detector, a window closed as the next record passes its end. */
  private anomalies(order: number[], bucketMs: number): ReportedAnomaly[] {
    if (order.length === 0) return []
    const windowMs = this.options.anomalies?.windowMs ?? bucketMs
    // A daily season needs windows shorter than a day: logs over months are cut into longer buckets.
    const seasonMs = this.options.anomalies?.seasonMs ?? (windowMs <= DAY_MS ? DAY_MS : 0)
    if (seasonMs !== 0 && seasonMs < windowMs) throw new Error(`a season of ${durationText(seasonMs)} is shorter than the window, ${durationText(windowMs)}: give a longer season or a shorter window or bucket, or a season of 0 for none`)
    const detector = new AnomalyDetector({ ...this.options.anomalies, windowMs, seasonMs })
    const found: ReportedAnomaly[] = []
    const report = (anomalies: ReturnType<AnomalyDetector['advance']>): void => {
      for (const anomaly of anomalies) {
        const template = anomaly.templateId === undefined ? undefined : this.templates[this.byId.get(anomaly.templateId) ?? -1]
        found.push({
          kind: anomaly.kind,
          ...(anomaly.templateId === undefined ? {} : { templateId: anomaly.templateId }),
          series: anomaly.templateId !== undefined ? template?.template ?? `(a template let go: ${anomaly.templateId})` : anomaly.kind === 'error-ratio' ? 'error ratio' : this.levelLabel(anomaly.level ?? NaN),
          time: anomaly.time,
          windowMs: anomaly.windowMs,
          expected: anomaly.expected,
          observed: anomaly.observed,
        })
      }
    }
    let closes = Math.floor(this.times[order[0]] / windowMs) * windowMs + windowMs
    for (const i of order) {
      const time = this.times[i]
      if (time >= closes) {
        report(detector.advance(time))
        closes = Math.floor(time / windowMs) * windowMs + windowMs
      }
      const level = this.levels[i]
      detector.observe(time, this.ids[this.kinds[i]], level < 0 ? NaN : level)
    }
    report(detector.advance(closes))
    return found
  }
}

function roundBucket(spanMs: number): number {
  return ROUND_MS.find((ms) => spanMs / ms < MAX_BUCKETS) ?? Math.ceil(spanMs / MAX_BUCKETS / DAY_MS) * DAY_MS
}

/** The middle value: a usual count that a few bursts do not move. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Buckets on each side of a bucket whose median is its usual count: the traffic's own swing over the day moves it along. */
const AROUND = 30

/** How unlikely a bucket's errors must be at the usual rate around it (a Poisson tail) to be a burst. */
const BURST_ODDS = Math.log(1e-6)

/**
 * Runs of buckets with far more errors (and fatals) than usual around them: the median of the 61
 * buckets centred on each, its errors at least twice that and at least 3, and as many less likely
 * than one in a million at that rate (so that a day of 1,440 quiet buckets has none). A median,
 * so that a burst shorter than half of them does not raise its own bar; centred, so that the
 * errors of a busy afternoon are measured against that afternoon.
 */
function errorBursts(buckets: number[], bucketMs: number, levels: Record<string, number[]>): ErrorBurst[] {
  const errors = buckets.map((_, b) => (levels.error?.[b] ?? 0) + (levels.fatal?.[b] ?? 0))
  const usual = errors.map((_, b) => median(errors.slice(Math.max(0, b - AROUND), b + AROUND + 1)))
  const burst = (b: number): boolean => errors[b] >= Math.max(3, 2 * usual[b]) && logUpperTail(errors[b], Math.max(usual[b], 0.5)) < BURST_ODDS
  const bursts: ErrorBurst[] = []
  for (let b = 0; b < errors.length; b++) {
    if (!burst(b)) continue
    const from = b
    let count = 0
    let expected = 0
    for (; b < errors.length && burst(b); b++) {
      count += errors[b]
      expected += usual[b]
    }
    bursts.push({ start: buckets[from], end: buckets[b - 1] + bucketMs, errors: count, expected })
  }
  return bursts
}

/** Poisson log-likelihood of `count` events at the rate that fits them best, over `span` buckets (terms that cancel left out). */
function fitted(count: number, span: number): number {
  return count === 0 ? 0 : count * Math.log(count / span)
}

/** Parts of each side of a rate change that must all be on their side of the change. */
const CHUNKS = 4

/** The rate over each of CHUNKS equal parts of `counts`. */
function chunkRates(counts: readonly number[]): number[] {
  const size = counts.length / CHUNKS
  return Array.from({ length: CHUNKS }, (_, k) => {
    const part = counts.slice(Math.round(k * size), Math.max(Math.round((k + 1) * size), Math.round(k * size) + 1))
    return part.reduce((sum, c) => sum + c, 0) / part.length
  })
}

/**
 * Each template's one strongest change of rate: the split of its series where two Poisson rates,
 * before and after, explain the counts far better than one (log-likelihood ratio over 10), the
 * rates at least 2x apart, each side at least 3 buckets long (a day, when the logs span two days or
 * more); and a change that stayed: every
 * quarter of the time after it is above (or below) every quarter before it, which a daily swing
 * on both sides never is.
 */
function rateChanges(summaries: readonly TemplateSummary[], buckets: number[], bucketMs: number): RateChange[] {
  const changes: RateChange[] = []
  const n = buckets.length
  if (n < 6) return changes
  const perMinute = 60_000 / bucketMs
  // Over two days or more, each side is a day at least: a night against the days after it is the daily swing, not a change.
  const side = n * bucketMs >= 2 * DAY_MS ? Math.max(3, Math.ceil(DAY_MS / bucketMs)) : 3
  for (const summary of summaries) {
    const total = summary.series.reduce((sum, c) => sum + c, 0)
    if (total < 20) continue
    const whole = fitted(total, n)
    let best = 0
    let at = -1
    let before = 0
    for (let b = 1; b < n; b++) {
      before += summary.series[b - 1]
      if (b < side || n - b < side) continue
      const gain = fitted(before, b) + fitted(total - before, n - b) - whole
      if (gain > best) {
        best = gain
        at = b
      }
    }
    if (at < 0 || best < 10) continue
    const countBefore = summary.series.slice(0, at).reduce((sum, c) => sum + c, 0)
    const rateBefore = countBefore / at
    const rateAfter = (total - countBefore) / (n - at)
    const ratio = Math.max(rateBefore, rateAfter) / Math.max(Math.min(rateBefore, rateAfter), 1e-9)
    // From or to nothing is a new or a silenced template, which are told apart.
    if (ratio < 2 || rateBefore === 0 || rateAfter === 0) continue
    const partsBefore = chunkRates(summary.series.slice(0, at))
    const partsAfter = chunkRates(summary.series.slice(at))
    const stayed = rateAfter > rateBefore ? Math.min(...partsAfter) > Math.max(...partsBefore) : Math.max(...partsAfter) < Math.min(...partsBefore)
    if (!stayed) continue
    const round = (rate: number): number => Number((rate * perMinute).toPrecision(3))
    changes.push({ templateId: summary.id, template: summary.template, time: buckets[at], before: round(rateBefore), after: round(rateAfter) })
  }
  return changes.sort((a, b) => a.time - b.time)
}
