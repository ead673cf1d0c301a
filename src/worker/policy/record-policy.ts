import { Packr } from 'msgpackr'
import { FrameEncoder } from '../../encode.js'
import {
  HEADER_BYTES, KIND_BINDINGS, KIND_RECORD, KIND_RELEASE, OFFSET_BINDINGS, OFFSET_KIND, OFFSET_LEVEL, OFFSET_TIME, payloadEnd,
} from '../../frame.js'
import {
  STAT_DEDUPLICATED, STAT_DISCARDED, STAT_FILTERED, STAT_RATE_LIMITED, STAT_REDACTED, STAT_SAMPLED,
} from '../../ring.js'
import { PlainDecoder } from '../format/plain-decoder.js'
import type { PlainObject } from '../format/values.js'
import { Deduper, type DedupeConfig } from './dedupe.js'
import { compileFilter, type Filter, type FilterConfig } from './filter.js'
import { FingersCrossed, type FingersCrossedConfig } from './fingers-crossed.js'
import { RateLimiter, type RateLimitConfig, type Suppressed } from './rate-limit.js'
import { RecordView, type RecordKeys } from './record-view.js'
import { reencode, reencodeBindings } from './reencode.js'
import { PathKeyScan, Redactor, type RedactConfig } from './redact.js'
import { Sampler, type SampleConfig } from './sampler.js'
import type { EncryptConfig } from '../../encryption/encrypt-options.js'
import type { AlertConfig } from '../../alert-options.js'
import type { AnalyticsConfig } from '../../analytics-options.js'

/** What happens to records between the ring and the sinks, as plain data (it crosses into the worker). */
export interface PolicyConfig {
  filter?: FilterConfig
  dedupe?: DedupeConfig
  sample?: SampleConfig
  rateLimit?: RateLimitConfig
  redact?: RedactConfig
  fingersCrossed?: FingersCrossedConfig
  /** Not a stage of the policy: the Encryptor, after the processors (src/worker/pipeline.ts). */
  encrypt?: EncryptConfig
  /** Not a stage either: the alert rules, which watch what the policy passes on (src/worker/policy/alerts.ts). */
  alerts?: AlertConfig[]
  /** Not a stage either: live template mining and anomaly detection (src/worker/policy/live-analytics.ts). */
  analytics?: AnalyticsConfig
}

export type FrameSink = (src: Buffer, offset: number, length: number) => void

const WARN = 40
const WHOLE = { maxDepth: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity }

/** The record a run of identical records began with: the repeat note is written as it. */
interface Run {
  level: number
  bindingsId: number
  contextId: number
  lastTime: number
  /** The first record passed sampling and the rate limit: its repeats are noted only then. */
  written: boolean
}

/**
 * The record policy: filter, deduplicate, sample, rate-limit, redact and hold back ("fingers
 * crossed"), in that order, before the frames reach the sinks. Each stage is there only when it is
 * configured; what a stage drops is counted in the stats. Notes the policy writes itself (a run of
 * repeats, records suppressed by the rate limit) are records like the others from there on.
 */
export class RecordPolicy {
  /** Child bindings and request contexts by id, decoded: filters and keys look into them. */
  private readonly tables = new Map<number, PlainObject>()
  private readonly recordView: RecordView
  /** The latest record time seen. */
  private latest = 0
  private readonly filter: Filter | undefined
  private readonly deduper: Deduper | undefined
  private readonly sampler: Sampler | undefined
  private readonly limiter: RateLimiter | undefined
  private readonly rateKey: string | undefined
  private readonly redactor: Redactor | undefined
  /** Redaction looks at a record's fields only when this finds one of the paths' keys in its bytes (or always, when undefined). */
  private readonly redactScan: PathKeyScan | undefined
  private readonly fingers: FingersCrossed | undefined
  private readonly decoder = new PlainDecoder(WHOLE, true)
  private readonly packr = new Packr({ useRecords: false, moreTypes: true })
  private readonly encoder = new FrameEncoder()
  private run: Run | undefined
  /** Frames fed again (bindings known from before, for a consumer that starts late): redacted, not counted again. */
  replaying = false

  constructor(config: PolicyConfig, keys: RecordKeys, private readonly stats: Float64Array, private readonly next: FrameSink) {
    this.recordView = new RecordView(keys, this.tables)
    if (config.filter !== undefined) this.filter = compileFilter(config.filter)
    if (config.dedupe !== undefined) this.deduper = new Deduper(config.dedupe)
    if (config.sample !== undefined) this.sampler = new Sampler(config.sample)
    if (config.rateLimit !== undefined) {
      this.limiter = new RateLimiter(config.rateLimit)
      this.rateKey = config.rateLimit.key
    }
    if (config.redact !== undefined) {
      this.redactor = new Redactor(config.redact)
      this.redactScan = config.redact.detectors.length > 0 ? undefined : PathKeyScan.of(config.redact.paths)
    }
    if (config.fingersCrossed !== undefined) this.fingers = new FingersCrossed(config.fingersCrossed)
  }

  /** True when any stage is configured: without one, frames go straight to the sinks. */
  static wanted(config: PolicyConfig): boolean {
    return Object.values(config).some((stage) => stage !== undefined)
  }

  /** A whole frame from the ring. */
  frame(src: Buffer, offset: number, length: number): void {
    switch (src[offset + OFFSET_KIND]) {
      case KIND_RECORD:
        this.record(src, offset, length)
        return
      case KIND_BINDINGS:
        this.bindings(src, offset, length)
        return
      case KIND_RELEASE: {
        const id = src.readUInt32LE(offset + OFFSET_BINDINGS)
        this.tables.delete(id)
        if (this.fingers?.byContext) this.fingers.end(id)
        this.next(src, offset, length)
        this.countDiscarded()
        return
      }
      default:
        this.next(src, offset, length)
    }
  }

  /** The record in src as fields, for a sink's filter. */
  view(src: Buffer, offset: number, length: number): RecordView {
    this.recordView.set(src, offset, length)
    return this.recordView
  }

  /** At close: the notes still owed (repeats, suppressed counts), timed as the latest record; what fingers crossed holds is discarded. */
  close(): void {
    this.endRun()
    if (this.limiter !== undefined) for (const suppressed of this.limiter.drain()) this.suppressedNote(suppressed, this.latest)
    this.fingers?.endAll()
    this.countDiscarded()
  }

  private record(src: Buffer, offset: number, length: number): void {
    const view = this.recordView
    view.set(src, offset, length)
    const level = src[offset + OFFSET_LEVEL]
    const time = src.readDoubleLE(offset + OFFSET_TIME)
    if (time > this.latest) this.latest = time
    if (this.filter !== undefined && !this.filter(view.get)) {
      this.stats[STAT_FILTERED]++
      return
    }
    const deduper = this.deduper
    if (deduper !== undefined) {
      // Records that differ only in their time: level, bindings, context and payload are the same.
      if (deduper.see(src.subarray(offset + OFFSET_BINDINGS, payloadEnd(src, offset, length)), time, level) === 'skip') {
        this.run!.lastTime = time
        this.stats[STAT_DEDUPLICATED]++
        return
      }
      // The note endRun() writes goes through the sinks' filters, which point the view elsewhere.
      const { bindingsId, contextId } = view
      this.endRun()
      this.run = { level, bindingsId, contextId, lastTime: time, written: false }
      view.set(src, offset, length)
    }
    if (this.sampler !== undefined && !this.sampler.keep(level, time, view.message ?? '')) {
      this.stats[STAT_SAMPLED]++
      return
    }
    const limiter = this.limiter
    if (limiter !== undefined) {
      const key = this.rateKey === 'msg' ? view.message ?? '' : String(view.get(this.rateKey!) ?? '')
      if (!limiter.allow(level, time, key)) {
        this.stats[STAT_RATE_LIMITED]++
        return
      }
      const suppressed = limiter.takeSummary(key)
      if (suppressed !== undefined) {
        this.suppressedNote(suppressed, time)
        view.set(src, offset, length)
      }
    }
    if (this.run !== undefined) this.run.written = true
    this.redactRecord(src, offset, length)
  }

  /** Redacts (when configured), then holds back or writes. */
  private redactRecord(src: Buffer, offset: number, length: number): void {
    const redactor = this.redactor
    if (redactor !== undefined && this.mayHold(src, offset, length)) {
      const view = this.recordView
      view.set(src, offset, length)
      const fields = view.fields
      const message = view.message
      const found = fields === undefined ? 0 : redactor.fields(fields)
      const scrubbed = message === undefined ? message : redactor.message(message)
      if (found > 0 || scrubbed !== message) {
        this.stats[STAT_REDACTED]++
        const encoded = reencode(this.packr, src, offset, length, scrubbed, fields)
        this.hold(encoded, 0, encoded.length)
        return
      }
    }
    this.hold(src, offset, length)
  }

  private hold(src: Buffer, offset: number, length: number): void {
    const fingers = this.fingers
    if (fingers !== undefined) {
      const view = this.recordView
      view.set(src, offset, length)
      const request = fingers.byContext ? view.contextId || undefined : view.get(fingers.key)
      const frame = src.subarray(offset, offset + length)
      const held = fingers.record(request, view.level, view.time, frame, (earlier) => this.next(earlier, 0, earlier.length))
      this.countDiscarded()
      if (held) return
    }
    this.next(src, offset, length)
  }

  /**
   * The repeats of the run that just ended, as one record like the repeated one, redacted and held
   * back with it. A run whose first record was sampled out or rate-limited leaves no note: its
   * repeats count as deduplicated.
   */
  private endRun(): void {
    const deduper = this.deduper
    const run = this.run
    if (deduper === undefined || run === undefined) return
    const repeated = deduper.takeRepeated()
    if (repeated === 0 || !run.written) return
    const message = `last record repeated ${repeated} ${repeated === 1 ? 'time' : 'times'}`
    const length = this.encoder.record(run.level, run.lastTime, run.bindingsId, run.contextId, message, { repeated })
    this.redactRecord(this.encoder.buffer, 0, length)
  }

  private suppressedNote(suppressed: Suppressed, time: number): void {
    const { key, count, since } = suppressed
    const message = `rate limit: ${count} ${count === 1 ? 'record' : 'records'} suppressed`
    const length = this.encoder.record(WARN, time, 0, 0, message, { rateLimitKey: key, suppressed: count, since: new Date(since).toISOString() })
    const buffer = this.encoder.buffer
    this.redactRecord(buffer, 0, length)
  }

  private bindings(src: Buffer, offset: number, length: number): void {
    const fields = this.decoder.fields(src, offset + HEADER_BYTES)
    const id = src.readUInt32LE(offset + OFFSET_BINDINGS)
    const redactor = this.redactor
    if (redactor !== undefined && redactor.fields(fields) > 0) {
      if (!this.replaying) this.stats[STAT_REDACTED]++
      const frame = reencodeBindings(this.packr, src, offset, fields)
      this.tables.set(id, fields)
      this.next(frame, 0, frame.length)
      return
    }
    this.tables.set(id, fields)
    this.next(src, offset, length)
  }

  /** Whether redaction has anything to look at: without detectors, only records whose bytes hold one of the paths' keys. */
  private mayHold(src: Buffer, offset: number, length: number): boolean {
    return this.redactScan === undefined || this.redactScan.mayHold(src, offset + HEADER_BYTES, payloadEnd(src, offset, length))
  }

  private countDiscarded(): void {
    const fingers = this.fingers
    if (fingers === undefined || fingers.discarded === 0) return
    this.stats[STAT_DISCARDED] += fingers.discarded
    fingers.discarded = 0
  }
}
