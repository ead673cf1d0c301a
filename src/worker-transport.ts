import type { RingMetrics } from './ring-metrics.js'
import { threadId } from 'node:worker_threads'
import type { BindingsRegistry } from './bindings.js'
import { pipelineOptions, type ResolvedOptions } from './config.js'
import type { RingEntry, ToThread } from './control.js'
import { host } from '#build'
import { ShippedSinks } from './shipping/shipped-sinks.js'
import { drainOnExit, flushBeforeExit, forgetBeforeExit, forgetOnExit } from './exit.js'
import { DRAIN_FAILED, DRAIN_STARTING, DRAIN_UP, FLUSHES, processHub, RESTARTS } from './hub.js'
import { loadedPipeline, loadPipeline } from './pipeline-loader.js'
import {
  ALIVE, ASKED, CLOSING, LOCK, LOCK_CALLER, LOCK_FREE, LOCK_WORKER, READ, reclaimRing, RingConsumer, RingProducer, RingViews, STAT_BYTES,
  STAT_FAILED, STAT_HIGH_WATER, STAT_WRITTEN, STATE, STATE_CLOSED, STATE_FRESH, STATE_GONE, STATE_HANDOVER, STATE_RUNNING,
} from './ring.js'
import { RingFrameWriter } from './ring-writer.js'
import { targetsOf, withStreamFailures, type StreamTarget } from './stream-sinks.js'
import { threadLink, type LinkedRing, type ThreadLink } from './thread-link.js'
import { policyMetrics, type TransportMetrics, type Transport } from './transport.js'
import type { Pipeline, PipelineOptions } from './worker/pipeline.js'

/** At exit, how long to wait for the drain worker to finish the batch it holds before taking the ring anyway. */
const EXIT_LOCK_TIMEOUT_MS = 5000
/** flush() and close() look at the ring at least this often while they wait (the drain worker may die meanwhile). */
const WAIT_MS = 20

// Loading ringlog makes this thread the process's host if no thread before it made the hub: the
// drain worker then lives as long as this thread does, and the rings of threads it starts later
// (with their loggers) join it. The build's `#build` module (src/builds/) has started the host,
// with the pipeline loaded, by the time this runs: the host drains on its own thread at start-up
// and at exit, synchronously. Another thread loads the pipeline only if it must.
const hub = processHub()

/**
 * A logger's ring, from the thread that logs into it: frames go into the ring, and the process's one
 * drain worker (src/worker/drain.ts, started by the host, src/drain-host.ts) reads it, with the rings
 * of every other logger and thread. The two meet only at the ring and the control channel
 * (src/control.ts): the ring is announced once, and flush and close are asked for and answered there.
 *
 * The calling thread drains the ring itself, with the same pipeline, whenever no drain worker has it
 * (before it has taken the ring, between a crash and its replacement, at exit), so a full ring never
 * waits on a worker that cannot come.
 */
export class WorkerTransport implements Transport, LinkedRing {
  private readonly hub = hub
  /** Set in the host's thread, which can tell at once when the drain worker died. */
  private readonly host = host
  private readonly link: ThreadLink
  private readonly entry: RingEntry
  private readonly ring: RingViews
  private readonly producer: RingProducer
  private readonly writer: RingFrameWriter
  private readonly consumer: RingConsumer
  private readonly pipelineOptions: PipelineOptions
  /** The logger's stream sinks: the drain worker hands their bytes back to this thread. */
  private readonly streams: StreamTarget[]
  private readonly shipped: ShippedSinks
  private callerPipeline: Pipeline | undefined
  /** READ when the calling thread last drained: if it moved since, the worker read bindings the caller's pipeline has not seen. */
  private callerRead = -1
  /** After exit, or when the drain worker keeps dying: frames skip the ring and are written on the calling thread. */
  private direct = false
  private closed = false
  private closing: Promise<void> | undefined
  /** Errors said on stderr already, by either side: each is said once. */
  private readonly reported = new Set<string>()
  /** Records this thread's pipeline wrote (metrics().writtenOnCaller). */
  private writtenOnCaller = 0
  /** The process's drain restarts when this logger was made: metrics() counts those since. */
  private readonly restartsBefore: number
  /** READ when the ring was found full, and since when it has not moved. */
  private stallRead = 0
  private stallSince = 0
  /**
   * A frame was dropped after blockTimeoutMs without progress: later frames are dropped at once
   * until READ moves. Waiting again for each would stall a caller that logs in a loop for
   * blockTimeoutMs per record, with no turn of the event loop that would tell it the worker died.
   */
  private stalledOut = false
  /**
   * Until the drain worker is up (about 100 ms after the process's first logger), a turn of this
   * thread's event loop writes what was logged before it, here: a record logged at start-up is in
   * its file within the turn, not once the worker has started.
   */
  private early = true
  private earlyTurn: NodeJS.Immediate | undefined

  constructor(private readonly options: ResolvedOptions, private readonly registry: BindingsRegistry) {
    this.restartsBefore = Atomics.load(this.hub.ints, RESTARTS)
    // No drain worker could be started in this process: records are written on the spot, by a
    // thread that has the pipeline; one that must load it first keeps them in the ring meanwhile.
    const failed = this.hub.drainState === DRAIN_FAILED
    this.direct = failed && loadedPipeline() !== undefined
    this.ring = RingViews.create(options.bufferSize)
    this.producer = new RingProducer(this.ring, this.hub.ints, (needed, first) => this.waitForRoom(needed, first))
    this.writer = new RingFrameWriter(this.ring, this.producer, options.onFull === 'block')
    this.consumer = new RingConsumer(this.ring)
    this.pipelineOptions = pipelineOptions(options)
    this.streams = targetsOf(options.sinks)
    this.shipped = new ShippedSinks(options.sinks)
    this.entry = { id: this.hub.nextRingId(), thread: threadId, sab: this.ring.sab, options: this.pipelineOptions, signals: options.handleSignals }
    this.link = threadLink(this.hub)
    this.link.add(this.entry.id, this)
    drainOnExit(this)
    if (this.streams.length > 0) flushBeforeExit(this)
    this.arm()
    this.host?.register(this.entry)
    this.link.post({ type: 'attach', ring: this.entry })
    if (failed && !this.direct) this.writeOnCaller()
  }

  get position(): number {
    return this.producer.position
  }

  get consumed(): number {
    return Atomics.load(this.ring.control, READ)
  }

  write(frame: Buffer, length: number): boolean {
    if (this.direct) return this.writeDirect(frame, length)
    if (this.closed) {
      this.writer.dropped++
      return false
    }
    if (this.early) this.writeSoon()
    return this.writer.write(frame, length)
  }

  private writeSoon(): void {
    if (this.earlyTurn !== undefined) return
    if (this.hub.drainState === DRAIN_UP) {
      this.early = false
      return
    }
    this.earlyTurn = setImmediate(() => {
      this.earlyTurn = undefined
      if (this.hub.drainState !== DRAIN_UP) this.drainOnCaller()
    })
    // The exit writes what is left: this turn is not worth keeping the process for.
    this.earlyTurn.unref()
  }

  /**
   * Resolves once every record logged before the call is written: by the drain worker to its
   * destinations, and, for stream sinks, handed back to this thread and taken by the stream.
   */
  async flush(): Promise<void> {
    await this.flushRing()
    await this.handedBack()
    await this.shipped.settled(() => {
      this.callerPipeline?.seal()
      Atomics.add(this.hub.ints, FLUSHES, 1)
      this.hub.wake()
    })
  }

  /**
   * True while records logged have not reached this thread's streams, for a flush before the event
   * loop ends. A write the stream has not called back yet is left out: a stream that writes
   * asynchronously keeps the loop alive itself, and one that is stuck must not keep it forever.
   */
  get pending(): boolean {
    return ((this.producer.position - this.consumer.read) | 0) > 0 || this.streams.some((stream) => stream.inFlight)
  }

  /** Resolves once the drain worker, or this thread, has written what was logged; records this thread's processors hold included. */
  private async flushRing(): Promise<void> {
    await this.drainRing()
    // Records this thread read while its processors load are written once they have.
    await this.callerPipeline?.ready
  }

  private async drainRing(): Promise<void> {
    // Rounds until the drops are reported: each drained round makes room for more of their reports, which can be many frames.
    let left = Number.POSITIVE_INFINITY
    while (!this.closed && !this.direct) {
      if (this.writer.unreportedDrops > 0) this.writer.reportDropped()
      const unreported = this.writer.unreportedDrops
      const target = this.producer.position
      if (!this.drainComing()) await loadPipeline()
      if (this.drainComing() || !this.drainOnCaller()) {
        // The drain worker writes at once rather than lingering for more.
        Atomics.add(this.hub.ints, FLUSHES, 1)
        this.hub.wake()
        await this.waitUntil(() => ((this.consumer.read - target) | 0) >= 0 || (!this.drainComing() && this.drainOnCaller()))
      }
      // Done, or the round made no room for another report.
      if (this.writer.unreportedDrops === 0 || unreported >= left) return
      left = unreported
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown())
  }

  /**
   * With stream sinks, at exit or on a signal, before the host asks the drain worker to write every
   * ring: this thread takes its ring (after the batch the worker holds), so that what is left is
   * written here, straight to the streams, and not handed back to an event loop that will not turn.
   */
  holdForExit(): void {
    if (this.streams.length === 0 || this.closed || this.direct || loadedPipeline() === undefined) return
    this.takeLock(EXIT_LOCK_TIMEOUT_MS)
  }

  /**
   * Writes everything logged so far before it returns: for process exit (`final`) and signals. The
   * host has asked the drain worker to write every ring first (src/exit.ts); what it did not, this
   * thread writes. After the exit, records are written on the spot.
   */
  drainSync(final: boolean): void {
    if (this.closed || this.direct) return
    if (loadedPipeline() === undefined) {
      this.awaitDrained()
      return
    }
    if (this.writer.unreportedDrops > 0) this.writer.reportDropped()
    // As flush(): rounds while the reports of dropped records still fit a few more at a time.
    for (let left = Number.POSITIVE_INFINITY; ((this.producer.position - this.consumer.read) | 0) > 0 && this.writer.unreportedDrops < left;) {
      left = this.writer.unreportedDrops
      this.takeLock(EXIT_LOCK_TIMEOUT_MS)
      this.drainHere()
      // Records dropped while the ring was full: their count goes in now that there is room.
      if (this.writer.unreportedDrops > 0) this.writer.reportDropped()
    }
    // Taken by holdForExit() with nothing left to write: a signal the application survives must not leave it held.
    if (Atomics.load(this.ring.control, LOCK) === LOCK_CALLER && !this.callerPipeline?.midFrame) this.letGoOfRing()
    if (final) for (const stream of this.streams) stream.sayUnreceived()
    if (final) this.callerPipeline?.abandon()
    // Anything logged later in this exit (other 'exit' listeners) is written on the spot.
    if (final && loadedPipeline() !== undefined) this.direct = true
  }

  /**
   * A thread other than the host that never loaded the pipeline: the drain worker writes its ring,
   * and the thread's end waits for that, as the host's end waits for every ring, so that a thread
   * that ended has its records written. Without progress for EXIT_LOCK_TIMEOUT_MS the thread goes
   * anyway; the drain worker, which outlives it, still writes the ring.
   */
  private awaitDrained(): void {
    const { control } = this.ring
    Atomics.add(this.hub.ints, FLUSHES, 1)
    this.hub.wake()
    let read = this.consumer.read
    let since = performance.now()
    while (((this.producer.position - read) | 0) > 0) {
      Atomics.wait(control, READ, read, 10)
      const now = performance.now()
      if (this.consumer.read !== read) {
        read = this.consumer.read
        since = now
      } else if (now - since > EXIT_LOCK_TIMEOUT_MS) {
        return
      } else {
        this.recover()
      }
    }
  }

  get ringMetrics(): RingMetrics {
    return this.ring.metrics
  }

  get ringSize(): number {
    return this.ring.capacity
  }

  get drainState(): number {
    return this.hub.drainState
  }

  metrics(): TransportMetrics {
    const { stats } = this.ring
    return withStreamFailures({
      written: stats[STAT_WRITTEN],
      dropped: this.writer.dropped,
      failed: stats[STAT_FAILED],
      bytes: stats[STAT_BYTES],
      ringHighWater: stats[STAT_HIGH_WATER],
      workerRestarts: Atomics.load(this.hub.ints, RESTARTS) - this.restartsBefore,
      writtenOnCaller: this.writtenOnCaller,
      ...policyMetrics(stats),
      lastError: this.ring.lastError,
      sinks: this.shipped.metrics(),
    }, this.streams)
  }

  /** Resolves once the drain worker owns the ring, or once none will (the calling thread writes). */
  async running(): Promise<void> {
    while (!this.direct && Atomics.load(this.ring.control, STATE) !== STATE_RUNNING) await new Promise((resolve) => setTimeout(resolve, 2))
  }

  /** For tests: ends the drain worker thread as a crash would (from the host's thread). */
  killWorker(): Promise<void> {
    return this.host?.killDrain() ?? Promise.resolve()
  }

  /** For tests: ends the drain worker that is being started, before it is up (from the host's thread). */
  killStartingWorker(): Promise<void> {
    return this.host?.killStarting() ?? Promise.resolve()
  }

  onMessage(message: ToThread): void {
    switch (message.type) {
      case 'ready':
        // Unless this thread saw ASKED first, at a full ring.
        if (Atomics.load(this.ring.control, ASKED) === 1) this.handOver()
        break
      case 'error':
        this.reported.add(message.key)
        break
      case 'failed':
        this.writeOnCaller()
        break
    }
  }

  /** No drain worker will come: this thread writes what its ring holds, and then each record on the spot, once it has the pipeline. */
  private writeOnCaller(): void {
    void loadPipeline().then(() => {
      this.drainOnCaller()
      this.direct = true
    })
  }

  private async shutdown(): Promise<void> {
    // Network sinks are not waited for here: closing them below waits their close timeout, once.
    await this.flushRing()
    await this.handedBack()
    this.closed = true
    forgetOnExit(this)
    forgetBeforeExit(this)
    const { control } = this.ring
    Atomics.store(control, CLOSING, 1)
    this.hub.wake()
    // The drain worker writes what is left and closes the ring's files; with none (or once it died), this thread does.
    await this.waitUntil(() => {
      const state = Atomics.load(control, STATE)
      return state === STATE_CLOSED || this.direct || (state !== STATE_RUNNING && this.drainOnCaller())
    })
    this.link.post({ type: 'detach', ring: this.entry.id })
    this.link.remove(this.entry.id)
    // The liveness waiter is let go: nothing is pending for this ring any more.
    Atomics.notify(this.ring.control, ALIVE)
    this.callerPipeline?.close()
    await this.callerPipeline?.idle()
    // What the drain worker wrote after the flush above (logged while it waited) reaches the streams too.
    await this.handedBack()
    for (const stream of this.streams) stream.close()
  }

  /** Resolves once the streams have taken every batch the drain worker handed back so far. */
  private async handedBack(): Promise<void> {
    await Promise.all(this.streams.map((stream) => stream.handedBack(this.link)))
  }

  /**
   * Keeps a waiter pending on ALIVE for as long as this thread lives: the drain worker's way to
   * tell a ring whose thread ended. Woken by its look, it arms another.
   */
  private arm(): void {
    if (this.closed) return
    const wait = Atomics.waitAsync(this.ring.control, ALIVE, 0)
    if (!wait.async) return
    void wait.value.then(() => {
      // Taken for gone while this thread was busy for long: the ring is handed over again.
      if (!this.closed && Atomics.compareExchange(this.ring.control, STATE, STATE_GONE, STATE_HANDOVER) === STATE_GONE) {
        this.link.post({ type: 'attach', ring: this.entry })
      }
      this.arm()
    })
  }

  /** Resolves once `done()` is true, looked at whenever READ moves and every WAIT_MS; the thread is kept alive meanwhile. */
  private async waitUntil(done: () => boolean): Promise<void> {
    this.link.hold()
    try {
      while (!done()) {
        const wait = Atomics.waitAsync(this.ring.control, READ, Atomics.load(this.ring.control, READ), WAIT_MS)
        if (wait.async) await wait.value
      }
    } finally {
      this.link.release()
    }
  }

  /**
   * True when a drain worker has the ring, or will take it (it has not read it yet): one that is up,
   * or, for a thread other than the host, one that is starting (the host drains meanwhile itself,
   * for a quick start; another thread would have to load the pipeline first).
   */
  private drainComing(): boolean {
    const state = Atomics.load(this.ring.control, STATE)
    if (state === STATE_RUNNING) return true
    const drain = this.hub.drainState
    return state === STATE_FRESH && (drain === DRAIN_UP || (drain === DRAIN_STARTING && this.host === undefined))
  }

  private writeDirect(frame: Buffer, length: number): boolean {
    const pipeline = this.callerPipelineFor(this.consumer.read)
    const before = this.ring.stats[STAT_WRITTEN]
    pipeline.frame(frame, 0, length)
    pipeline.write()
    this.writtenOnCaller += this.ring.stats[STAT_WRITTEN] - before
    return true
  }

  /**
   * Gives the ring to the drain worker that asked for it ('ready'), with the bindings it needs to read it.
   */
  private handOver(): void {
    if (this.closed || this.direct) return
    // Records this thread read are held until its processors load: the drain worker's must come after them.
    if (this.callerPipeline?.loading) {
      void this.callerPipeline.ready.then(() => this.handOver())
      return
    }
    const { control } = this.ring
    Atomics.store(control, ASKED, 0)
    if (Atomics.load(control, STATE) !== STATE_RUNNING) {
      // The calling thread keeps the lock only while it holds half of a fragmented frame; finish it.
      if (Atomics.load(control, LOCK) === LOCK_CALLER) this.drainOnCaller()
      Atomics.store(control, STATE, STATE_RUNNING)
    }
    this.link.post({ type: 'start', ring: this.entry.id, snapshot: this.registry.snapshot(this.consumer.read), reported: [...this.reported] })
  }

  /** The producer's answer to a full ring: true to look again, false to drop the frame. */
  private waitForRoom(_needed: number, first: boolean): boolean {
    const { control } = this.ring
    if (this.options.onFull === 'drop') return false
    // The drain worker came up after this thread began to write the ring itself: it takes it now,
    // unless this thread holds half of a fragmented frame, which it may be writing the rest of.
    if (Atomics.load(control, ASKED) === 1 && this.callerPipeline?.loading !== true && this.callerPipeline?.midFrame !== true) this.handOver()
    if (Atomics.load(control, STATE) !== STATE_RUNNING && this.drainOnCaller()) return true
    const read = Atomics.load(control, READ)
    const now = performance.now()
    if (read !== this.stallRead || (first && !this.stalledOut)) {
      this.stallRead = read
      this.stallSince = now
      this.stalledOut = false
    } else if (this.recover()) {
      return true
    } else if (this.stalledOut || now - this.stallSince > this.options.blockTimeoutMs) {
      this.stalledOut = true
      return false
    }
    Atomics.wait(control, READ, read, 10)
    return true
  }

  /**
   * The ring did not move since the last look. If the drain worker that had it died (seen without
   * the event loop, which this thread, busy logging, may not give back for long), the ring is taken
   * back and written here, or, by a thread without the pipeline, handed to the replacement as soon
   * as that is up. True when there is room now.
   */
  private recover(): boolean {
    const { control } = this.ring
    if (this.host !== undefined) {
      this.host.takeBackIfDied()
    } else if (Atomics.load(control, STATE) === STATE_RUNNING && this.hub.drainGone()) {
      reclaimRing(control)
    }
    const state = Atomics.load(control, STATE)
    if (state === STATE_RUNNING) return false
    if (this.drainOnCaller()) return true
    // The replacement asks for a ring taken back (ASKED; its 'ready' this thread reads only in a turn
    // of its event loop). A fresh ring the drain worker takes on its own, without a table.
    if (state === STATE_HANDOVER && Atomics.load(control, ASKED) === 1 && !this.hub.drainGone()) {
      this.handOver()
      // Dead meanwhile, its rings taken back before this one was marked running: taken back again.
      if (this.hub.drainState !== DRAIN_UP || this.hub.drainGone()) reclaimRing(control)
    }
    return false
  }

  /**
   * Drains the ring on the calling thread up to the current write position, when no drain worker
   * owns it. False when one does (or is still finishing a batch).
   */
  private drainOnCaller(): boolean {
    const { control } = this.ring
    if (Atomics.load(control, STATE) === STATE_RUNNING || loadedPipeline() === undefined) return false
    if (Atomics.compareExchange(control, LOCK, LOCK_FREE, LOCK_CALLER) === LOCK_WORKER) return false
    this.drainHere()
    return true
  }

  /** Drains up to WRITE while holding the lock, and lets it go unless a fragmented frame is half read. */
  private drainHere(): void {
    const { control } = this.ring
    // Read here: a drain worker that comes later needs the bindings table first.
    Atomics.compareExchange(control, STATE, STATE_FRESH, STATE_HANDOVER)
    const pipeline = this.callerPipelineFor(this.consumer.read)
    const before = this.ring.stats[STAT_WRITTEN]
    while (pipeline.drain(this.consumer, this.ring.capacity)) { /* until READ reaches WRITE */ }
    // No drain worker writes this ring's counters meanwhile: this thread holds its lock.
    this.writtenOnCaller += this.ring.stats[STAT_WRITTEN] - before
    this.callerRead = this.consumer.read
    if (!pipeline.midFrame) this.letGoOfRing()
  }

  private letGoOfRing(): void {
    const { control } = this.ring
    Atomics.store(control, LOCK, LOCK_FREE)
    Atomics.notify(control, LOCK)
    // The drain worker skips a ring this thread holds; what came meanwhile is its to read.
    this.hub.wake()
  }

  /** Only once the pipeline is loaded in this thread (drainOnCaller() and direct mode make sure of it). */
  private callerPipelineFor(read: number): Pipeline {
    const Pipeline = loadedPipeline()!
    const pipeline = (this.callerPipeline ??= new Pipeline(this.pipelineOptions, this.ring.stats, this.ring.metrics, {
      reported: this.reported,
      onError: (_key, text) => (this.ring.lastError = text),
    }))
    if (read !== this.callerRead) {
      pipeline.replay(this.registry.snapshot(read))
      this.callerRead = read
    }
    return pipeline
  }

  /** Waits for the drain worker to let go of the ring, up to timeoutMs, then takes it regardless. */
  private takeLock(timeoutMs: number): void {
    const { control } = this.ring
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const lock = Atomics.compareExchange(control, LOCK, LOCK_FREE, LOCK_CALLER)
      if (lock !== LOCK_WORKER) return
      const left = deadline - performance.now()
      if (left <= 0) {
        Atomics.store(control, LOCK, LOCK_CALLER)
        return
      }
      Atomics.wait(control, LOCK, LOCK_WORKER, left)
    }
  }
}
