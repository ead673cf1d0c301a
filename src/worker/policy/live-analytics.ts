import type { AnalyticsConfig } from '../../analytics-options.js'
import { AnomalyDetector, type Anomaly } from '../../analytics/anomaly-detector.js'
import { TemplateMiner } from '../../analytics/template-miner.js'
import { FrameEncoder } from '../../encode.js'
import { KIND_RECORD, OFFSET_KIND } from '../../frame.js'
import { LEVEL_LABELS as LABELS } from '../../levels.js'
import type { RingMetrics } from '../../ring-metrics.js'
import { RecordClock } from './record-clock.js'
import type { FrameSink } from './record-policy.js'
import type { RecordView } from './record-view.js'

/** Message shapes whose template is remembered, so a message of a known shape is not mined again; emptied when full. */
const KNOWN_SHAPES = 4096
/** How often windows that no record comes to close are looked at. */
const TICK_MS = 1000

/**
 * Template mining and anomaly detection on the records that pass the record policy: each record's
 * message is mined into its template (a structured log repeats its messages, so a message seen
 * recently costs a lookup), and counted per window by template and level. Each anomaly becomes a
 * record through the sinks and goes past the alert rules, which can act on it. Time is the
 * records', carried on by the wall clock between records, as the alerts' is.
 */
export class LiveAnalytics {
  private readonly miner: TemplateMiner | undefined
  private readonly detector: AnomalyDetector | undefined
  private readonly known = new Map<number, string>()
  /** The declared events seen, each its own template, at most maxTemplates of them (in the order first seen: a program declares a few). */
  private readonly events = new Set<string>()
  private eventsEvicted = 0
  private readonly encoder = new FrameEncoder()
  private readonly tick: NodeJS.Timeout | undefined
  private readonly clock = new RecordClock()
  /** When the open window ends: a record at or past it closes it. */
  private closes = -Infinity
  private anomalies = 0

  constructor(
    private readonly config: AnalyticsConfig,
    private readonly view: (src: Buffer, offset: number, length: number) => RecordView,
    /** Where the anomaly records go: the sinks, then the alert rules. */
    private readonly next: FrameSink,
    private readonly metrics: RingMetrics,
    /** Called after the timer closed a window with anomalies: the pipeline writes their records now. */
    private readonly written: () => void,
  ) {
    this.miner = config.templates === undefined ? undefined : new TemplateMiner({ maxTemplates: config.templates.maxTemplates, masks: config.templates.masks })
    const anomalies = config.anomalies
    if (anomalies !== undefined) {
      this.detector = new AnomalyDetector({ windowMs: anomalies.windowMs, seasonMs: anomalies.seasonMs, maxSeries: anomalies.maxSeries })
      this.tick = setInterval(() => {
        const now = this.clock.now()
        if (Number.isFinite(now) && this.judge(now)) this.written()
      }, TICK_MS).unref()
    }
  }

  readonly frame = (src: Buffer, offset: number, length: number): void => {
    if (src[offset + OFFSET_KIND] !== KIND_RECORD) return
    const view = this.view(src, offset, length)
    const time = view.time
    const level = view.level
    const id = this.miner === undefined ? undefined : this.template(view)
    const detector = this.detector
    if (detector === undefined) return
    this.clock.saw(time)
    if (time >= this.closes) this.judge(time)
    detector.observe(time, id, level)
  }

  /**
   * The template id of the record's message; a declared event's is its name and version, as
   * `ringlog analyze` has it. A shape seen before is not looked at again, its fields not decoded:
   * two declared events with one message text count as the first of them.
   */
  private template(view: RecordView): string {
    const shape = view.messageShape()
    const known = this.known.get(shape)
    if (known !== undefined) return known
    const event = view.get('event')
    const version = view.get('v')
    let id: string
    if (typeof event === 'string' && typeof version === 'number') {
      id = `${event}@v${version}`
      if (!this.events.has(id)) {
        if (this.events.size >= this.config.templates!.maxTemplates) {
          const oldest = this.events.values().next().value!
          this.events.delete(oldest)
          this.eventsEvicted++
        }
        this.events.add(id)
      }
    } else {
      id = this.miner!.add(view.message ?? '').id
    }
    if (!Number.isNaN(shape)) {
      if (this.known.size >= KNOWN_SHAPES) this.known.clear()
      this.known.set(shape, id)
    }
    this.count()
    return id
  }

  private count(): void {
    this.metrics.analytics((this.miner?.size ?? 0) + this.events.size, (this.miner?.evicted ?? 0) + this.eventsEvicted, this.anomalies)
  }

  /** Judges the windows that ended by `now`; true when an anomaly was written. */
  private judge(now: number): boolean {
    const detector = this.detector!
    const { windowMs } = this.config.anomalies!
    this.closes = Math.floor(now / windowMs) * windowMs + windowMs
    const found = detector.advance(now)
    for (const anomaly of found) this.emit(anomaly)
    return found.length > 0
  }

  private emit(anomaly: Anomaly): void {
    const template = anomaly.templateId === undefined ? undefined : this.events.has(anomaly.templateId) ? anomaly.templateId : this.miner?.templateOf(anomaly.templateId)
    const series = anomaly.templateId !== undefined ? template ?? anomaly.templateId : anomaly.kind === 'error-ratio' ? 'the share of errors' : `level ${LABELS.get(anomaly.level ?? NaN) ?? String(anomaly.level)}`
    const fields = {
      anomaly: {
        kind: anomaly.kind,
        ...(anomaly.templateId === undefined ? {} : { templateId: anomaly.templateId, template: template ?? null }),
        ...(anomaly.level === undefined ? {} : { level: LABELS.get(anomaly.level) ?? anomaly.level }),
        expected: Math.round(anomaly.expected * 1000) / 1000,
        observed: Math.round(anomaly.observed * 1000) / 1000,
        window: new Date(anomaly.time).toISOString(),
        windowMs: anomaly.windowMs,
      },
    }
    this.anomalies++
    this.count()
    const length = this.encoder.record(this.config.anomalies!.logLevel, anomaly.time + anomaly.windowMs, 0, 0, `anomaly ${anomaly.kind}: ${series}`, fields)
    this.next(this.encoder.buffer, 0, length)
  }

  close(): void {
    if (this.tick !== undefined) clearInterval(this.tick)
  }
}
