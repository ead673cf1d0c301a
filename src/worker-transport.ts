import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { BindingsRegistry } from './bindings.js'
import { pipelineOptions, type ResolvedOptions } from './config.js'
import { drainOnExit, drainOnSignals, forgetOnExit } from './exit.js'
import {
  LOCK, LOCK_CALLER, LOCK_FREE, LOCK_WORKER, READ, RingConsumer, RingProducer, RingViews, STAT_BYTES,
  STAT_FAILED, STAT_HIGH_WATER, STAT_WRITTEN, STATE, STATE_FRESH, STATE_HANDOVER, STATE_RUNNING,
} from './ring.js'
import { RingFrameWriter } from './ring-writer.js'
import { policyMetrics, type Metrics, type Transport } from './transport.js'
import type { DrainData, DrainTask, ToCaller } from './worker/drain.js'
import { Pipeline, type PipelineOptions } from './worker/pipeline.js'

/** At exit, how long to wait for the worker to finish the batch it holds before taking the ring anyway. */
const EXIT_LOCK_TIMEOUT_MS = 5000
/** More restarts than this within RESTART_WINDOW_MS, and the calling thread writes from then on. */
const MAX_RESTARTS = 5
const RESTART_WINDOW_MS = 10_000

/** How long close() waits for the first drain worker to come up. */
const FIRST_START_WAIT_MS = 5000
/** The calling thread's pipeline id on the ring; workers' are their thread ids (1 and up). */
const CALLER_PIPELINE = -1

const drainFile = fileURLToPath(new URL('./worker/drain.js', import.meta.url))

/**
 * The caller's end of the ring: frames go into the ring, a drain worker hosted by piscina reads
 * them. The two meet only at the ring and a MessagePort (start, flush, stop).
 *
 * The calling thread drains the ring itself, with the same pipeline, whenever no worker is running
 * (before the first one is up, between a crash and its replacement, at exit), so a full ring never
 * waits on a worker that cannot come.
 */
export class WorkerTransport implements Transport {
  private readonly ring: RingViews
  private readonly producer: RingProducer
  private readonly writer: RingFrameWriter
  private readonly consumer: RingConsumer
  private readonly pool: Piscina
  private readonly pipelineOptions: PipelineOptions
  private port: MessagePort | undefined
  private callerPipeline: Pipeline | undefined
  /** READ when the calling thread last drained: if it moved since, the worker read bindings the caller's pipeline has not seen. */
  private callerRead = -1
  /** After exit, or when workers keep dying: frames skip the ring and are written on the calling thread. */
  private direct = false
  private closed = false
  /** The latest error either side's pipeline reported. */
  private lastError: string | undefined
  /** Errors said on stderr already, by either side: each is said once. */
  private readonly reported = new Set<string>()
  private restarts = 0
  private readonly starts: number[] = []
  private readonly flushes = new Map<number, { target: number; resolve: () => void }>()
  private nextFlushId = 1
  private stopped: (() => void) | undefined
  private removeSignalHandlers: (() => void) | undefined
  private workerThreadId = -1
  /** The control channel of the last worker that said it was ready. */
  private readyPort: MessagePort | undefined
  private onRunning: (() => void)[] = []
  /** READ when the ring was found full, and since when it has not moved. */
  private stallRead = 0
  private stallSince = 0
  /**
   * A frame was dropped after blockTimeoutMs without progress: later frames are dropped at once
   * until READ moves. Waiting again for each would stall a caller that logs in a loop for
   * blockTimeoutMs per record, with no turn of the event loop that would tell it the worker died.
   */
  private stalledOut = false

  constructor(private readonly options: ResolvedOptions, private readonly registry: BindingsRegistry) {
    this.ring = RingViews.create(options.bufferSize)
    this.producer = new RingProducer(this.ring, (needed, first) => this.waitForRoom(needed, first))
    this.writer = new RingFrameWriter(this.ring, this.producer, options.onFull === 'block')
    this.consumer = new RingConsumer(this.ring)
    this.pipelineOptions = pipelineOptions(options)
    const workerData: DrainData = { sab: this.ring.sab, options: this.pipelineOptions }
    this.pool = new Piscina({
      filename: drainFile,
      // The worker reads the ring as soon as it has loaded, without waiting for a task: that needs
      // this thread's event loop, which a burst of logging at start-up does not give back.
      workerData,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      // The drain task returns at once and the worker goes on draining on its own event loop,
      // which piscina's default (blocking the worker in Atomics.wait between tasks) would stop.
      atomics: 'disabled',
    })
    this.pool.on('error', (error: unknown) => this.warn(`drain worker error: ${error instanceof Error ? error.message : String(error)}`))
    drainOnExit(this)
    if (options.handleSignals) this.removeSignalHandlers = drainOnSignals(this)
    this.startWorker()
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
    return this.writer.write(frame, length)
  }

  flush(): Promise<void> {
    if (this.closed || this.direct) return Promise.resolve()
    if (this.writer.unreportedDrops > 0) this.writer.reportDropped()
    const target = this.producer.position
    if (Atomics.load(this.ring.control, STATE) !== STATE_RUNNING && this.drainOnCaller()) return Promise.resolve()
    return new Promise((resolve) => {
      const id = this.nextFlushId++
      this.flushes.set(id, { target, resolve })
      if (this.port !== undefined && Atomics.load(this.ring.control, STATE) === STATE_RUNNING) this.sendFlush(id, target)
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    // The first worker, still starting, is waited for (a while at most): it tidies what earlier runs
    // left in the files' folders. A replacement is not: the first one did that already.
    if (this.workerThreadId === -1) await Promise.race([this.running(), delay(FIRST_START_WAIT_MS, undefined, { ref: false })])
    this.closed = true
    forgetOnExit(this)
    this.removeSignalHandlers?.()
    const port = this.port
    if (port !== undefined && Atomics.load(this.ring.control, STATE) === STATE_RUNNING) {
      const stopped = new Promise<void>((resolve) => (this.stopped = resolve))
      port.ref()
      port.postMessage({ type: 'stop' })
      await stopped
    }
    this.callerPipeline?.close()
    await this.callerPipeline?.idle()
    await this.pool.destroy()
  }

  drainSync(): void {
    if (this.closed || this.direct) return
    const { control } = this.ring
    Atomics.store(control, STATE, STATE_HANDOVER)
    this.takeLock(EXIT_LOCK_TIMEOUT_MS)
    this.drainOnCaller()
    if (this.writer.unreportedDrops > 0 && this.writer.reportDropped()) this.drainOnCaller()
    // Anything logged later in this exit (other 'exit' listeners) is written on the spot.
    this.direct = true
  }

  metrics(): Omit<Metrics, 'invalidEvents'> {
    const { stats } = this.ring
    return {
      written: stats[STAT_WRITTEN],
      dropped: this.writer.dropped,
      failed: stats[STAT_FAILED],
      bytes: stats[STAT_BYTES],
      ringHighWater: stats[STAT_HIGH_WATER],
      workerRestarts: this.restarts,
      ...policyMetrics(stats),
      lastError: this.lastError,
    }
  }

  /** Resolves once a drain worker owns the ring, or once none will (the calling thread writes). */
  running(): Promise<void> {
    if (this.direct || Atomics.load(this.ring.control, STATE) === STATE_RUNNING) return Promise.resolve()
    return new Promise((resolve) => this.onRunning.push(resolve))
  }

  /** For tests: ends the drain worker thread as a crash would. */
  killWorker(): Promise<number> {
    const [thread] = this.pool.threads
    return thread === undefined ? Promise.resolve(0) : thread.terminate()
  }

  private writeDirect(frame: Buffer, length: number): boolean {
    const pipeline = this.callerPipelineFor(this.consumer.read)
    pipeline.frame(frame, 0, length)
    pipeline.write()
    return true
  }

  private startWorker(): void {
    if (this.closed) return
    this.starts.push(performance.now())
    const { port1, port2 } = new MessageChannel()
    port1.on('message', (message: ToCaller) => this.onMessage(port1, message))
    port1.on('close', () => this.onWorkerGone(port1))
    port1.unref()
    this.port = port1
    const task: DrainTask = { port: port2 }
    this.pool.run(task, { transferList: [port2] }).catch((error: unknown) => {
      // A worker that said it was ready and then fails its task has died: its port's 'close' handles that.
      if (!this.closed && this.readyPort !== port1) this.warn(`cannot start the drain worker: ${error instanceof Error ? error.message : String(error)}`)
      port1.close()
    })
  }

  private onMessage(port: MessagePort, message: ToCaller): void {
    if (port !== this.port) return
    switch (message.type) {
      case 'ready':
        this.workerThreadId = message.threadId
        this.readyPort = port
        this.handOver(port)
        break
      case 'flushed': {
        const flush = this.flushes.get(message.id)
        this.flushes.delete(message.id)
        if (this.flushes.size === 0 && this.stopped === undefined) port.unref()
        flush?.resolve()
        break
      }
      case 'stopped':
        this.stopped?.()
        break
      case 'error':
        this.lastError = message.text
        this.reported.add(message.key)
        break
    }
  }

  /**
   * Gives the ring to a worker that has just started, with the bindings it needs to read it. A
   * worker that found the ring fresh has taken it already and ignores the table.
   */
  private handOver(port: MessagePort): void {
    if (this.closed || this.direct) return
    const { control } = this.ring
    if (Atomics.load(control, STATE) !== STATE_RUNNING) {
      // The calling thread keeps the lock only while it holds half of a fragmented frame; finish it.
      if (Atomics.load(control, LOCK) === LOCK_CALLER) this.drainOnCaller()
      Atomics.store(control, STATE, STATE_RUNNING)
    }
    port.postMessage({ type: 'start', snapshot: this.registry.snapshot(this.consumer.read), reported: [...this.reported] })
    for (const [id, flush] of this.flushes) this.sendFlush(id, flush.target)
    for (const resolve of this.onRunning.splice(0)) resolve()
  }

  private sendFlush(id: number, target: number): void {
    this.port!.ref()
    this.port!.postMessage({ type: 'flush', id, target })
  }

  private onWorkerGone(port: MessagePort): void {
    if (port !== this.port) return
    this.port = undefined
    if (this.closed) {
      this.stopped?.()
      return
    }
    this.takeBackRing()
    if (this.direct) return
    this.restarts++
    const now = performance.now()
    while (this.starts.length > 0 && now - this.starts[0] > RESTART_WINDOW_MS) this.starts.shift()
    if (this.starts.length > MAX_RESTARTS) {
      this.warn(`the drain worker died ${this.starts.length} times in ${RESTART_WINDOW_MS / 1000} s; writing on the calling thread from now on`)
      this.drainOnCaller()
      this.direct = true
      for (const flush of this.flushes.values()) flush.resolve()
      this.flushes.clear()
      for (const resolve of this.onRunning.splice(0)) resolve()
      return
    }
    // Frames logged meanwhile wait in the ring, or are written by the calling thread if it fills.
    // A task posted before piscina has removed the dead thread would be sent to it and fail.
    if (this.pool.threads.some((thread) => thread.threadId === this.workerThreadId)) {
      this.pool.once('workerDestroy', () => setImmediate(() => this.startWorker()))
    } else {
      this.startWorker()
    }
    if (this.flushes.size > 0 && this.drainOnCaller()) {
      for (const flush of this.flushes.values()) flush.resolve()
      this.flushes.clear()
    }
  }

  /** The producer's answer to a full ring: true to look again, false to drop the frame. */
  private waitForRoom(_needed: number, first: boolean): boolean {
    const { control } = this.ring
    if (this.options.onFull === 'drop') return false
    if (Atomics.load(control, STATE) !== STATE_RUNNING && this.drainOnCaller()) return true
    if (this.workerDied()) {
      // This thread, busy logging, has not yet had the event loop turn that says so (onWorkerGone):
      // take the ring now rather than wait blockTimeoutMs per record.
      this.takeBackRing()
      if (this.drainOnCaller()) return true
    }
    const read = Atomics.load(control, READ)
    const now = performance.now()
    if (read !== this.stallRead || (first && !this.stalledOut)) {
      this.stallRead = read
      this.stallSince = now
      this.stalledOut = false
    } else if (this.stalledOut || now - this.stallSince > this.options.blockTimeoutMs) {
      this.stalledOut = true
      return false
    }
    Atomics.wait(control, READ, read, 10)
    return true
  }

  /** The worker is gone: nobody drains until a new one is handed the ring. */
  private takeBackRing(): void {
    const { control } = this.ring
    Atomics.store(control, STATE, STATE_HANDOVER)
    // A worker that died inside a batch still holds the lock; its unpublished batch is read again.
    if (Atomics.compareExchange(control, LOCK, LOCK_WORKER, LOCK_FREE) === LOCK_WORKER) Atomics.notify(control, LOCK)
  }

  /** True when the worker that owned the ring has ended (a thread's id reads -1 as soon as it stops, before its 'exit' event). */
  private workerDied(): boolean {
    if (this.workerThreadId === -1 || Atomics.load(this.ring.control, STATE) !== STATE_RUNNING) return false
    return !this.pool.threads.some((thread) => thread.threadId === this.workerThreadId)
  }

  /**
   * Drains the ring on the calling thread up to the current write position. False when a worker
   * holds the ring (it is still finishing a batch).
   */
  private drainOnCaller(): boolean {
    const { control } = this.ring
    // Reading frames here means a worker starting later needs the bindings table: mark the ring so.
    if (Atomics.compareExchange(control, STATE, STATE_FRESH, STATE_HANDOVER) === STATE_RUNNING) return false
    const lock = Atomics.compareExchange(control, LOCK, LOCK_FREE, LOCK_CALLER)
    if (lock === LOCK_WORKER) return false
    const pipeline = this.callerPipelineFor(this.consumer.read)
    while (pipeline.drain(this.consumer, this.ring.capacity)) { /* until READ reaches WRITE */ }
    this.callerRead = this.consumer.read
    if (!pipeline.midFrame) {
      Atomics.store(control, LOCK, LOCK_FREE)
      Atomics.notify(control, LOCK)
    }
    return true
  }

  private callerPipelineFor(read: number): Pipeline {
    // The worker's pipeline tidies what earlier runs left in the sinks' folders; this stand-in does not.
    const pipeline = (this.callerPipeline ??= new Pipeline(this.pipelineOptions, this.ring.stats, {
      recover: false,
      ring: { control: this.ring.control, id: CALLER_PIPELINE },
      reported: this.reported,
      onError: (_key, text) => (this.lastError = text),
    }))
    if (read !== this.callerRead) {
      pipeline.replay(this.registry.snapshot(read))
      this.callerRead = read
    }
    return pipeline
  }

  /** Waits for the worker to let go of the ring, up to timeoutMs, then takes it regardless. */
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

  private warn(message: string): void {
    process.stderr.write(`ringlog: ${message}\n`)
  }
}
