import type { RingEntry } from '../control.js'
import {
  ALIVE, ASKED, CLOSING, LOCK, LOCK_CALLER, LOCK_FREE, LOCK_WORKER, READ, RingConsumer, RingViews, STATE, STATE_FRESH, STATE_RUNNING, WRITE,
} from '../ring.js'
import { Pipeline, type PipelineOptions } from './pipeline.js'

/** Bytes of ring read per batch: one write to the destination each, and a look at the other rings in between. */
const BATCH_BYTES = 256 << 10
/** A ring left empty this long has its thread looked at: a thread that ended leaves its ring behind. */
const QUIET_MS = 2000
/** Between two looks at a thread. */
const PROBE_MS = 1000
/** Looks at a thread that found no waiter before it is taken as gone (a live one arms a new waiter when its event loop turns). */
const PROBES = 2

/**
 * One ring as the drain worker holds it: its consumer, its pipeline (whose destinations are shared
 * with the other rings' that name the same file or fd), and what tells whether the thread still lives.
 */
export class DrainedRing {
  readonly id: number
  readonly thread: number
  readonly views: RingViews
  readonly consumer: RingConsumer
  /**
   * Made when the ring is ours to read (taken fresh, or once the thread sent its bindings table):
   * opening its files (and tidying what earlier runs left in their folders) is for the pipeline
   * that writes them.
   */
  pipeline: Pipeline | undefined
  /** It has stream sinks: at exit, its thread writes it itself if it holds it (src/exit.ts). */
  readonly handsBack: boolean
  /** Errors said on stderr already, also by the thread's own pipeline. */
  readonly reported = new Set<string>()
  private readonly options: PipelineOptions
  private lastWrite = -1
  private quietSince = 0
  private probedAt = 0
  private misses = 0

  /** @param wake rouses the drain loop: the ring has frames to read again (its processors loaded). */
  constructor(entry: RingEntry, private readonly onError: (key: string) => void, private readonly wake: () => void) {
    this.id = entry.id
    this.thread = entry.thread
    this.options = entry.options
    this.handsBack = entry.options.sinks.some((sink) => sink.stream !== undefined)
    this.views = new RingViews(entry.sab)
    this.consumer = new RingConsumer(this.views)
  }

  get running(): boolean {
    return this.pipeline !== undefined
  }

  /** close() was called: write what is left, then let go. */
  get closing(): boolean {
    return Atomics.load(this.views.control, CLOSING) === 1
  }

  /** The thread handed the ring over ('start' is on its way) or the drain worker reads it. */
  get handedOver(): boolean {
    return Atomics.load(this.views.control, STATE) === STATE_RUNNING
  }

  /** The ring is ours to read from now on; `snapshot` is the thread's bindings table, if it was read before. */
  run(snapshot: readonly Uint8Array[] = []): void {
    this.pipeline ??= new Pipeline(this.options, this.views.stats, this.views.metrics, {
      reported: this.reported,
      onError: (key, text) => {
        this.views.lastError = text
        this.onError(key)
      },
      onReady: this.wake,
    })
    this.pipeline.replay(snapshot)
  }

  /**
   * Takes a ring that nobody has read yet; false when frames were read already: the thread must send
   * its table, and is asked to (ASKED) at once.
   */
  takeFresh(): boolean {
    if (Atomics.compareExchange(this.views.control, STATE, STATE_FRESH, STATE_RUNNING) === STATE_FRESH) {
      this.run()
      return true
    }
    Atomics.store(this.views.control, ASKED, 1)
    return false
  }

  /** True while a fragmented frame is half read, or the processors load: the ring must not change hands, nor close. */
  get midFrame(): boolean {
    return (this.pipeline?.midFrame || this.pipeline?.loading) ?? false
  }

  /** Frames to read, and the calling thread not reading them itself. */
  get pending(): boolean {
    const { control } = this.views
    return this.running && !this.pipeline!.loading && Atomics.load(control, WRITE) !== this.pipeline!.readFrom(this.consumer) && Atomics.load(control, LOCK) !== LOCK_CALLER
  }

  /** Reads one batch; false when there was nothing to read, or the calling thread holds the ring. */
  drain(): boolean {
    const pipeline = this.pipeline
    // Loading processors: the frames wait in the ring, where flush() and the ring's onFull see them.
    if (pipeline === undefined || pipeline.loading) return false
    const { control } = this.views
    const lock = Atomics.compareExchange(control, LOCK, LOCK_FREE, LOCK_WORKER)
    if (lock !== LOCK_FREE && lock !== LOCK_WORKER) return false
    const moved = pipeline.drain(this.consumer, BATCH_BYTES)
    // Keep the ring while a fragmented frame is half read: its first part exists only here.
    if (!pipeline.midFrame) {
      Atomics.store(control, LOCK, LOCK_FREE)
      Atomics.notify(control, LOCK)
    }
    return moved
  }

  /**
   * Drains up to where the thread had written when asked (the host's exit), waiting for a calling
   * thread that holds the ring; one with stream sinks that its thread holds is that thread's to write.
   */
  drainTo(target: number, onBatch: () => void): void {
    const { control } = this.views
    while (((target - this.consumer.read) | 0) > 0) {
      if (this.drain()) {
        onBatch()
      } else {
        const lock = Atomics.load(control, LOCK)
        if (lock !== LOCK_CALLER || this.handsBack) return
        Atomics.wait(control, LOCK, lock, 10)
      }
    }
  }

  /**
   * True when the ring's thread has ended. Looked at only once the ring has been empty and unwritten
   * for QUIET_MS (or while it waits for a table): a thread that logs is alive.
   */
  threadGone(now: number): boolean {
    const { control } = this.views
    const write = Atomics.load(control, WRITE)
    if (write !== this.lastWrite || (this.running && write !== Atomics.load(control, READ))) {
      this.lastWrite = write
      this.quietSince = now
      this.misses = 0
      return false
    }
    if ((this.running && now - this.quietSince < QUIET_MS) || now - this.probedAt < PROBE_MS) return false
    this.probedAt = now
    // Wakes the thread's waiter, if it has one; it arms another when its event loop turns.
    this.misses = Atomics.notify(control, ALIVE, 1) === 0 ? this.misses + 1 : 0
    return this.misses >= PROBES
  }
}
