import { writeSync } from 'node:fs'
import { FRAGMENT_HEADER_BYTES, KIND_EVENT, KIND_EVENT_DEFINITION, KIND_RECORD, OFFSET_KIND } from '../frame.js'
import { STAT_BYTES, STAT_FAILED, STAT_FILTERED, STAT_WRITTEN, type RingConsumer } from '../ring.js'
import type { RingMetrics } from '../ring-metrics.js'
import { wallClock } from '../wall-clock.js'
import { Branch, type SinkConfig } from './branch.js'
import { EventRecords } from './events/event-records.js'
import { FragmentJoiner } from './fragments.js'
import { InlineFields } from './inline-fields.js'
import { eventSchema } from './frames.js'
import { compileFilter, type Filter } from './policy/filter.js'
import { Alerts } from './policy/alerts.js'
import { LiveAnalytics } from './policy/live-analytics.js'
import { Encryptor } from './policy/encryptor.js'
import { Processors, type ProcessorConfig } from './policy/processors.js'
import { RecordPolicy, type PolicyConfig } from './policy/record-policy.js'
import type { RecordKeys, RecordView } from './policy/record-view.js'
import { wholeRecords, WriteFailed } from './sinks/write-fd.js'
import { describe, errorCode } from '../serialize.js'

/** What a pipeline needs to know; plain data, because it crosses into the worker. */
export interface PipelineOptions {
  sinks: SinkConfig[]
  policy: PolicyConfig
  /** The logger's message, level and time keys and level labels: what filters call 'msg', 'level' and 'time'. */
  keys: RecordKeys
  /** Plugin modules that change or drop records before the sinks. */
  processors?: ProcessorConfig[]
}

/** How a pipeline shares the logger's errors with the other pipeline on the same ring, if there is one. */
export interface PipelineRole {
  /** Errors said on stderr already, by `stage:CODE`, also by the other pipeline: each is said once. */
  reported?: Set<string>
  /** Told of every error, for metrics().lastError and the other pipeline. */
  onError?: (key: string, text: string) => void
  /** Told once the processors have loaded and the frames held meanwhile are written. */
  onReady?: () => void
}

/**
 * Frames in, bytes out: for each sink a reader, a format and a destination. The drain worker runs
 * one per ring; the calling thread runs another for `worker: false` and for the times it drains
 * its ring itself (before the worker has it, after it died, at exit). Both produce the same bytes
 * from the same frames.
 */
/**
 * Whether a frame of `length` bytes, in fragments, fits in the ring with READ held at its first
 * fragment: as the producer reckons it (src/ring-writer.ts), its fragments, their headers, and a
 * wrap. A larger one moves READ on as it is read, or the producer could never write its end.
 */
function fitsInRing(length: number, capacity: number): boolean {
  const maxFrame = capacity / 4
  const chunk = maxFrame - FRAGMENT_HEADER_BYTES
  return length + Math.ceil(length / chunk) * FRAGMENT_HEADER_BYTES + maxFrame <= capacity
}

export class Pipeline {
  private readonly branches: Branch[]
  private readonly joiner: FragmentJoiner
  /** Each sink's own filter, if it has one. */
  private readonly sinkFilters: (Filter | undefined)[]
  /** The first fragment of the frame being joined, where READ stays (-1: none held); and where reading goes on. */
  private heldAt = -1
  private cursor = 0
  /** There when a policy stage, a sink's filter or a processor is configured. */
  private readonly policy: RecordPolicy | undefined
  /** There when processors are configured: after the policy's stages. */
  private readonly processors: Processors | undefined
  /** There when `encrypt` is configured: the last stage before the sinks. */
  private readonly encryptor: Encryptor | undefined
  /** There when `alerts` are configured: they watch what the policy passes on. */
  private readonly alerts: Alerts | undefined
  /** There when `analytics` is configured: it watches what the policy passes on, after the alerts. */
  private readonly analytics: LiveAnalytics | undefined
  /** Where a whole frame goes: the policy, or straight to the branches. */
  private readonly entry: (src: Buffer, offset: number, length: number) => void
  /** Before the entry: fields records carry inline become announced ones. */
  private readonly inline: InlineFields
  private readonly reported: Set<string>
  /** The latest error, as `stage CODE: message`. */
  lastError: string | undefined

  /** @param metrics where the counts per level and per sink, and the latencies, go (shared memory of the ring, or the inline transport's own). */
  constructor(options: PipelineOptions, private readonly stats: Float64Array, private readonly metrics: RingMetrics, private readonly role: PipelineRole = {}) {
    this.reported = role.reported ?? new Set()
    this.joiner = new FragmentJoiner(() => this.stats[STAT_FAILED]++)
    this.branches = options.sinks.map((sink, i) => new Branch(sink, i, (error) => this.report('archive', error)))
    this.sinkFilters = options.sinks.map((sink) => (sink.filter === undefined ? undefined : compileFilter(sink.filter)))
    const processors = options.processors ?? []
    if (RecordPolicy.wanted(options.policy) || processors.length > 0 || this.sinkFilters.some((filter) => filter !== undefined)) {
      // Processors and encryption see records through the policy's view, which knows the bindings they refer to.
      const view = (src: Buffer, offset: number, length: number): RecordView => policy.view(src, offset, length)
      const loaded = (): void => {
        this.write()
        role.onReady?.()
      }
      const encrypt = options.policy.encrypt
      this.encryptor = encrypt === undefined ? undefined : new Encryptor(encrypt, options.sinks[0].format.limits, view, stats, this.whole, (error) => this.report('encrypt', error), loaded)
      this.processors = processors.length === 0 ? undefined : new Processors(
        processors, view, stats, this.encryptor?.frame ?? this.whole, (error) => this.report('process', error), loaded)
      const afterPolicy = this.processors?.frame ?? this.encryptor?.frame ?? this.whole
      const rules = options.policy.alerts
      const alerts = rules === undefined ? undefined : new Alerts(rules, view, this.whole, (error) => this.report('alert', error), () => this.write())
      this.alerts = alerts
      const analyticsConfig = options.policy.analytics
      // An anomaly's record is written, and alert rules may act on it.
      const analytics = analyticsConfig === undefined ? undefined : new LiveAnalytics(analyticsConfig, view, alerts === undefined ? this.whole : (src, offset, length) => {
        this.whole(src, offset, length)
        alerts.frame(src, offset, length)
      }, metrics, () => this.write())
      this.analytics = analytics
      // The record first, then what it made an alert or an anomaly say.
      const policy = new RecordPolicy(options.policy, options.keys, stats, alerts === undefined && analytics === undefined ? afterPolicy : (src, offset, length) => {
        afterPolicy(src, offset, length)
        alerts?.frame(src, offset, length)
        analytics?.frame(src, offset, length)
      })
      const events = new EventRecords()
      this.policy = policy
      // The policy's stages read record frames: an event becomes the record log.info would have written.
      this.entry = (src, offset, length) => {
        switch (src[offset + OFFSET_KIND]) {
          case KIND_EVENT_DEFINITION:
            events.define(eventSchema(src, offset, length))
            return
          case KIND_EVENT: {
            // The length first: making the record may give it a larger buffer.
            const recordLength = events.record(src, offset, length)
            policy.frame(events.buffer, 0, recordLength)
            return
          }
          default:
            policy.frame(src, offset, length)
        }
      }
    } else {
      this.entry = this.whole
    }
    this.inline = new InlineFields(this.entry)
  }

  /** True while the processors load or a key provider answers: the drain worker leaves the frames in the ring meanwhile. */
  get loading(): boolean {
    return (this.processors?.loading ?? false) || (this.encryptor?.loading ?? false)
  }

  /** Resolves once the processors have loaded and the key is known (at once without either). */
  get ready(): Promise<void> {
    return Promise.all([this.processors?.ready, this.encryptor?.ready]).then(() => undefined)
  }

  /** True while a fragmented frame is half read: the ring must not change hands then. */
  get midFrame(): boolean {
    return this.joiner.midFrame
  }

  /** Feeds frames known from before (child bindings) without writing anything. */
  replay(frames: readonly Uint8Array[]): void {
    if (this.policy !== undefined) this.policy.replaying = true
    for (const frame of frames) this.frame(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 0, frame.byteLength)
    if (this.policy !== undefined) this.policy.replaying = false
  }

  frame(src: Buffer, offset: number, length: number): void {
    try {
      this.joiner.frame(src, offset, length, this.inline.frame)
    } catch (error) {
      // A frame that cannot be read (its bytes damaged: test/frame-fuzz.test.ts) is counted and
      // skipped, said once; thrown on, it would end the drain worker, and its replacement would
      // meet the same frame again.
      this.stats[STAT_FAILED]++
      this.report('read', error)
    }
  }

  /** A whole frame, past the record policy, to every sink's branch. */
  private readonly whole = (src: Buffer, offset: number, length: number): void => {
    const branches = this.branches
    for (let i = 0; i < branches.length; i++) {
      const branch = branches[i]
      const filter = this.sinkFilters[i]
      if (filter !== undefined && src[offset + OFFSET_KIND] === KIND_RECORD && !filter(this.policy!.view(src, offset, length).get)) {
        this.stats[STAT_FILTERED]++
        continue
      }
      try {
        branch.frame(src, offset, length, () => this.writeBranch(branch))
      } catch (error) {
        // A frame that cannot be formatted is counted and skipped; it must not stop the others.
        this.stats[STAT_FAILED]++
        this.report('format', error)
      }
    }
  }

  /**
   * Writes what has been formatted; records that cannot be written are counted as failed. With
   * several sinks a record counts once for each sink it was written to.
   */
  write(): void {
    for (const branch of this.branches) if (branch.out.pos > 0) this.writeBranch(branch)
  }

  /** Writes a branch's output; records that cannot be written are counted as failed. */
  private writeBranch(branch: Branch): void {
    const { out, sink } = branch
    const records = out.records
    const bytes = out.pos
    try {
      sink.write(out)
      this.stats[STAT_WRITTEN] += records
      this.stats[STAT_BYTES] += bytes
      this.metrics.wrote(branch.index, out.levels, out.times, records, records, bytes, wallClock())
    } catch (error) {
      // What went out before the error is written, whole records counted so; the rest failed.
      const partial = error instanceof WriteFailed ? error : undefined
      const whole = partial === undefined ? 0 : wholeRecords(out.ends, records, partial.written)
      this.stats[STAT_WRITTEN] += whole
      this.stats[STAT_BYTES] += partial?.written ?? 0
      this.stats[STAT_FAILED] += records - whole
      this.metrics.wrote(branch.index, out.levels, out.times, records, whole, partial?.written ?? 0, wallClock())
      this.report('write', partial?.cause ?? error)
    } finally {
      out.clear()
    }
  }

  /** Resolves when the archives of rotated files asked for so far are written, and closed network sinks are done. */
  idle(): Promise<void> {
    return Promise.all([this.alerts?.idle(), ...this.branches.map((branch) => Promise.all([branch.rotating?.idle(), branch.sink.idle?.()]))]).then(() => undefined)
  }

  /** Where this pipeline reads on from: READ, or past the fragments of a frame it is joining. */
  readFrom(consumer: RingConsumer): number {
    return this.heldAt === consumer.read ? this.cursor : consumer.read
  }

  /**
   * Formats and writes up to maxBytes of the ring, then publishes the read position. While it joins
   * a fragmented frame that fits in the ring, READ stays at the frame's first fragment: a consumer
   * that takes over after this one died reads the frame whole again (written at least once, like
   * any record of a batch whose read position was not published), rather than finding only its end.
   */
  drain(consumer: RingConsumer, maxBytes: number): boolean {
    if (this.heldAt !== consumer.read) {
      // Another consumer moved READ: a frame this one was joining is theirs to read now.
      if (this.heldAt !== -1) this.joiner.reset()
      this.heldAt = -1
    }
    const from = this.readFrom(consumer)
    const bytes = consumer.ring.bytes
    const { capacity } = consumer.ring
    let firstFragment = -1
    const to = consumer.scan(from, maxBytes, (offset, length, position) => {
      const joining = this.joiner.midFrame
      this.frame(bytes, offset, length)
      if (!joining && this.joiner.midFrame) firstFragment = position
    })
    if (to === from) return false
    this.write()
    // Publish only after the write: a new consumer resumes here if this one dies.
    if (!this.joiner.midFrame) {
      this.heldAt = -1
      consumer.commit(to)
    } else if (firstFragment !== -1 || this.heldAt !== -1) {
      if (firstFragment !== -1) this.heldAt = fitsInRing(this.joiner.joining, capacity) ? firstFragment : -1
      this.cursor = to
      consumer.commit(this.heldAt === -1 ? to : this.heldAt)
    } else {
      consumer.commit(to)
    }
    return true
  }

  /** A flush: network sinks send what they are batching now. */
  seal(): void {
    for (const branch of this.branches) branch.sink.seal?.()
    this.alerts?.seal()
  }

  /** The process ends on this thread: network sinks spool what they hold, or count it. */
  abandon(): void {
    for (const branch of this.branches) branch.sink.abandon?.()
    this.alerts?.abandon()
  }

  close(): void {
    this.policy?.close()
    this.processors?.close()
    this.encryptor?.close()
    this.alerts?.close()
    this.analytics?.close()
    this.write()
    for (const branch of this.branches) branch.close()
  }

  private report(stage: string, error: unknown): void {
    const code = errorCode(error)
    const text = describe(error)
    // Node's system errors start their message with the code already.
    const message = text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text
    this.lastError = `${stage} ${code}: ${message}`
    const key = `${stage}:${code}`
    this.role.onError?.(key, this.lastError)
    if (this.reported.has(key)) return
    this.reported.add(key)
    try {
      writeSync(2, `ringlog: cannot ${stage} records (${code}): ${message}; failed records are counted in metrics().failed\n`)
    } catch {
      // stderr itself is gone: the count in metrics() is all that is left.
    }
  }
}
