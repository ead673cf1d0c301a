import { FrameEncoder } from '../../encode.js'
import { KIND_RECORD, OFFSET_KIND } from '../../frame.js'
import type { AlertConfig, AlertEvent } from '../../alert-options.js'
import type { Sink } from '../destinations.js'
import { Output } from '../output.js'
import { shippedSink } from '../shipping/shipped.js'
import { streamSink } from '../sinks/stream.js'
import { compileFilter, type Filter } from './filter.js'
import { RecordClock } from './record-clock.js'
import type { FrameSink } from './record-policy.js'
import type { RecordView } from './record-view.js'

/** The window is counted in this many slots. */
const SLOTS = 12
/** Groups watched per rule at most; the least recently seen goes. */
const MAX_GROUPS = 1000
/** How often an alert that no record comes to re-evaluate is looked at. */
const TICK_MS = 1000
const INFO = 30

/**
 * One group's counts in the window's slots, with their sums kept as slots come and go (a record
 * costs an add, not a sum over the slots), and its state.
 */
class Window {
  private readonly matched = new Float64Array(SLOTS)
  private readonly all = new Float64Array(SLOTS)
  /** The newest slot's number (time / slot length); slots older than head - SLOTS + 1 are empty. */
  private head = -Infinity
  private matchedSum = 0
  private allSum = 0
  firing = false
  /** Until when it may not fire again. */
  quietUntil = -Infinity

  add(index: number, matched: boolean): void {
    // A record older than the window (another thread's, written late) counts no more.
    if (index <= this.head - SLOTS) return
    this.advance(index)
    const i = index % SLOTS
    this.all[i]++
    this.allSum++
    if (matched) {
      this.matched[i]++
      this.matchedSum++
    }
  }

  /** The matched and all records of the window ending in slot `index`. */
  sums(index: number): [number, number] {
    this.advance(index)
    return [this.matchedSum, this.allSum]
  }

  /** Empties the slots that fall out of the window when it moves on to end at `index`. */
  private advance(index: number): void {
    if (index <= this.head) return
    const from = Math.max(this.head + 1, index - SLOTS + 1)
    if (index - this.head >= SLOTS) {
      this.matched.fill(0)
      this.all.fill(0)
      this.matchedSum = 0
      this.allSum = 0
    } else {
      for (let n = from; n <= index; n++) {
        const i = n % SLOTS
        this.matchedSum -= this.matched[i]
        this.allSum -= this.all[i]
        this.matched[i] = 0
        this.all[i] = 0
      }
    }
    this.head = index
  }
}

class Rule {
  readonly filter: Filter | undefined
  readonly slotMs: number
  readonly groups = new Map<string, Window>()
  /** Where its events go besides a record: webhooks (http sinks) and callbacks (streams handed back). */
  readonly webhooks: Sink[]
  readonly callbacks: Sink[]

  constructor(readonly config: AlertConfig) {
    this.filter = config.filter === undefined ? undefined : compileFilter(config.filter)
    this.slotMs = config.windowMs / SLOTS
    this.webhooks = config.webhooks.map((ship) => shippedSink(ship))
    this.callbacks = config.callbacks.map((stream) => streamSink(stream))
  }

  /** The group of the record before, whose window is not looked up again (a rule without groupBy has one). */
  private lastGroup: string | undefined
  private lastWindow: Window | undefined

  window(group: string): Window {
    if (group === this.lastGroup) return this.lastWindow!
    let window = this.groups.get(group)
    if (window !== undefined) {
      // Map order is use order: the least recently seen group is first.
      this.groups.delete(group)
    } else {
      window = new Window()
      if (this.groups.size >= MAX_GROUPS) this.groups.delete(this.groups.keys().next().value!)
    }
    this.groups.set(group, window)
    this.lastGroup = group
    this.lastWindow = window
    return window
  }

  /** What the condition measures over a window: the count, or the rate; undefined when a rate has too few records. */
  observed([matched, all]: [number, number]): number | undefined {
    if (this.config.measure === 'count') return matched
    return all < this.config.minRecords ? undefined : matched / all
  }

  holds(observed: number | undefined): boolean {
    const { threshold, strict } = this.config
    return observed !== undefined && (strict ? observed > threshold : observed >= threshold)
  }
}

/**
 * Alert rules, evaluated on each record that passes the record policy: counts per window slot and
 * group, a rule fires when its condition holds (then not again within its cooldown) and resolves
 * when it no longer does, looked at with every record and every second. Time is the records'
 * (the `now` option's clock), carried on by the wall clock between records. Each change goes to
 * the rule's actions: a record through the sinks, webhooks (http sinks, retried), callbacks (on the
 * logging thread, through a stream handed back).
 */
export class Alerts {
  private readonly rules: Rule[]
  private readonly encoder = new FrameEncoder()
  private readonly out = new Output(1024)
  private readonly tick: NodeJS.Timeout
  private readonly clock = new RecordClock()
  /** The record time firing alerts were last looked at for resolving. */
  private evaluated = -Infinity

  constructor(
    configs: readonly AlertConfig[],
    private readonly view: (src: Buffer, offset: number, length: number) => RecordView,
    /** Where the alert's own records go: to the sinks. */
    private readonly next: FrameSink,
    private readonly report: (error: unknown) => void,
    /** Called after the timer's look made an alert record: the pipeline writes it now, not with the next records. */
    private readonly written: () => void,
  ) {
    this.rules = configs.map((config) => new Rule(config))
    this.tick = setInterval(() => {
      if (this.evaluate(this.clock.now())) this.written()
    }, TICK_MS).unref()
  }

  /** A whole frame past the record policy: records are counted; nothing is changed. */
  readonly frame = (src: Buffer, offset: number, length: number): void => {
    if (src[offset + OFFSET_KIND] !== KIND_RECORD) return
    const view = this.view(src, offset, length)
    const time = view.time
    this.clock.saw(time)
    // Records that a rule does not count still move its windows on: firing alerts are looked at every 100 ms of records.
    if (time - this.evaluated >= 100) {
      this.evaluated = time
      this.evaluate(time)
    }
    for (const rule of this.rules) {
      const { config } = rule
      const matched = rule.filter === undefined || rule.filter(view.get)
      // A count watches only what matches; a rate all the records, of which the matched are a share.
      if (!matched && config.measure === 'count') continue
      const group = config.groupBy === undefined ? '' : String(view.get(config.groupBy) ?? '')
      const window = rule.window(group)
      const index = Math.floor(time / rule.slotMs)
      window.add(index, matched)
      // A record that does not match lowers a rate: it can resolve a firing alert, never fire one.
      if (matched || window.firing) this.judge(rule, group, window, index, time)
    }
  }

  /** Resolves what no longer holds, when no record comes to tell; true when an alert changed. */
  private evaluate(now: number): boolean {
    if (!Number.isFinite(now)) return false
    let changed = false
    for (const rule of this.rules) {
      const index = Math.floor(now / rule.slotMs)
      for (const [group, window] of rule.groups) if (window.firing && this.judge(rule, group, window, index, now)) changed = true
    }
    return changed
  }

  /** Fires or resolves the alert of `group` as its window says at slot `index`; true when it changed. */
  private judge(rule: Rule, group: string, window: Window, index: number, time: number): boolean {
    const observed = rule.observed(window.sums(index))
    const holds = rule.holds(observed)
    if (holds && !window.firing && time >= window.quietUntil) {
      window.firing = true
      window.quietUntil = time + rule.config.cooldownMs
      this.emit(rule, group, 'firing', observed!, time)
      return true
    }
    if (!holds && window.firing) {
      window.firing = false
      this.emit(rule, group, 'resolved', observed ?? 0, time)
      return true
    }
    return false
  }

  private emit(rule: Rule, group: string, state: AlertEvent['state'], observed: number, time: number): void {
    const { config } = rule
    const event: AlertEvent = {
      alert: config.name, state, group: config.groupBy === undefined ? null : group, condition: config.condition,
      observed: config.measure === 'rate' ? Math.round(observed * 10_000) / 10_000 : observed, threshold: config.threshold, time: new Date(time).toISOString(),
    }
    if (config.logLevel !== undefined) {
      const level = state === 'firing' ? config.logLevel : INFO
      const length = this.encoder.record(level, time, 0, 0, `alert ${config.name} ${state}`, { alert: event })
      this.next(this.encoder.buffer, 0, length)
    }
    for (const sink of [...rule.webhooks, ...rule.callbacks]) {
      const out = this.out
      out.utf8(JSON.stringify(event))
      out.byte(10)
      out.endRecord()
      try {
        sink.write(out)
      } catch (error) {
        this.report(error)
      } finally {
        out.clear()
      }
    }
  }

  /** A flush: webhooks send what they hold now. */
  seal(): void {
    for (const rule of this.rules) for (const sink of rule.webhooks) sink.seal?.()
  }

  idle(): Promise<void> {
    return Promise.all(this.rules.flatMap((rule) => rule.webhooks.map((sink) => sink.idle?.()))).then(() => undefined)
  }

  close(): void {
    clearInterval(this.tick)
    for (const rule of this.rules) for (const sink of [...rule.webhooks, ...rule.callbacks]) sink.close()
  }

  abandon(): void {
    for (const rule of this.rules) for (const sink of rule.webhooks) sink.abandon?.()
  }
}
