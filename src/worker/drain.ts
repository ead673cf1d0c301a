import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { threadId, workerData, type MessagePort } from 'node:worker_threads'
import {
  LOCK, LOCK_FREE, LOCK_WORKER, RingConsumer, RingViews, SLEEP, STATE, STATE_FRESH, STATE_RUNNING, WRITE,
} from '../ring.js'
import { Pipeline, type PipelineOptions } from './pipeline.js'

/** Given to every drain worker when piscina starts it (piscina's workerData). */
export interface DrainData {
  sab: SharedArrayBuffer
  options: PipelineOptions
}

/** The piscina task: the control channel, which needs the calling thread's event loop to arrive. */
export interface DrainTask {
  port: MessagePort
}

/** Messages from the calling thread. */
export type ToWorker =
  | { type: 'start'; snapshot: Uint8Array[]; reported: string[] }
  | { type: 'flush'; id: number; target: number }
  | { type: 'stop' }

/** Messages to the calling thread. */
export type ToCaller =
  | { type: 'ready'; threadId: number }
  | { type: 'flushed'; id: number }
  | { type: 'stopped' }
  | { type: 'error'; key: string; text: string }

/** Bytes of ring read per batch: one write to the destination each, and a look at the event loop in between. */
const BATCH_BYTES = 256 << 10
/** How long the loop may run without giving the event loop a turn (for flush and stop messages). */
const SLICE_MS = 4
/** Checks of WRITE before parking: about 10-30 us on these machines. */
const SPINS = 1000
/** Park at most this long, so a lost wake-up costs a delay, not a hang. */
const PARK_MS = 500
/**
 * Woken from parking by a frame, the worker waits this long for more before it reads: a service
 * that logs a record per request would otherwise cost a wake-up (a futex call on the calling
 * thread) and a write system call per record. Records are written this much later at most.
 */
const LINGER_MS = 1

class Drain {
  private readonly ring: RingViews
  private readonly consumer: RingConsumer
  private readonly pipeline: Pipeline
  private readonly flushes: { id: number; target: number }[] = []
  /** Errors said on stderr already, also by the calling thread's pipeline. */
  private readonly reported = new Set<string>()
  /** Errors reported before the port came, by key, told when it does. */
  private readonly unsent = new Map<string, ToCaller>()
  private port: MessagePort | undefined
  private running = false
  private stopping = false

  constructor(data: DrainData) {
    this.ring = new RingViews(data.sab)
    this.consumer = new RingConsumer(this.ring)
    this.pipeline = new Pipeline(data.options, this.ring.stats, {
      recover: true,
      ring: { control: this.ring.control, id: threadId },
      reported: this.reported,
      onError: (key, text) => this.send({ type: 'error', key, text }),
    })
    // Nobody has read the ring yet, so no bindings table is needed: start now.
    if (Atomics.compareExchange(this.ring.control, STATE, STATE_FRESH, STATE_RUNNING) === STATE_FRESH) this.run()
  }

  attach(port: MessagePort): void {
    this.port = port
    port.on('message', (message: ToWorker) => this.onMessage(message))
    this.send({ type: 'ready', threadId })
    for (const message of this.unsent.values()) this.send(message)
    this.unsent.clear()
  }

  private run(): void {
    this.running = true
    void this.loop()
  }

  private onMessage(message: ToWorker): void {
    switch (message.type) {
      case 'start':
        if (this.running) break
        for (const key of message.reported) this.reported.add(key)
        this.pipeline.replay(message.snapshot)
        this.run()
        break
      case 'flush':
        this.flushes.push(message)
        this.answerFlushes()
        this.wake()
        break
      case 'stop':
        this.stopping = true
        this.wake()
        break
    }
  }

  private async loop(): Promise<void> {
    const { control } = this.ring
    let sliceStart = performance.now()
    for (;;) {
      const lock = Atomics.compareExchange(control, LOCK, LOCK_FREE, LOCK_WORKER)
      if (lock !== LOCK_FREE && lock !== LOCK_WORKER) {
        // The calling thread is draining (at exit, or finishing a fragmented frame).
        const wait = Atomics.waitAsync(control, LOCK, lock, PARK_MS)
        if (wait.async) await wait.value
        continue
      }
      const moved = this.pipeline.drain(this.consumer, BATCH_BYTES)
      // Keep the ring while a fragmented frame is half read: its first part exists only here.
      if (!this.pipeline.midFrame) {
        Atomics.store(control, LOCK, LOCK_FREE)
        Atomics.notify(control, LOCK)
      }
      if (moved) {
        this.answerFlushes()
        if (performance.now() - sliceStart > SLICE_MS) {
          await nextTurn()
          sliceStart = performance.now()
        }
        continue
      }
      if (this.stopping && !this.pipeline.midFrame) return this.stop()
      if (!this.spin() && (await this.park()) && !this.stopping && this.flushes.length === 0) await sleep(LINGER_MS)
      sliceStart = performance.now()
    }
  }

  /** True when a frame arrived while spinning. */
  private spin(): boolean {
    const { control } = this.ring
    const read = this.consumer.read
    for (let i = 0; i < SPINS; i++) if (Atomics.load(control, WRITE) !== read) return true
    return false
  }

  /** Waits for a frame (or PARK_MS). True when a producer's frame woke it. */
  private async park(): Promise<boolean> {
    const { control } = this.ring
    const read = this.consumer.read
    Atomics.store(control, SLEEP, 1)
    let woken = false
    // Look again after raising the flag: a frame published before the producer saw it is here now.
    if (Atomics.load(control, WRITE) === read) {
      const wait = Atomics.waitAsync(control, WRITE, read, PARK_MS)
      woken = (wait.async ? await wait.value : wait.value) === 'ok'
    }
    Atomics.store(control, SLEEP, 0)
    return woken && Atomics.load(control, WRITE) !== read
  }

  private wake(): void {
    Atomics.notify(this.ring.control, WRITE)
    Atomics.notify(this.ring.control, LOCK)
  }

  private answerFlushes(): void {
    if (this.flushes.length === 0 || this.pipeline.midFrame) return
    const read = this.consumer.read
    for (let i = this.flushes.length - 1; i >= 0; i--) {
      const flush = this.flushes[i]
      if (((read - flush.target) | 0) >= 0) {
        this.flushes.splice(i, 1)
        this.send({ type: 'flushed', id: flush.id })
      }
    }
  }

  private async stop(): Promise<void> {
    this.answerFlushes()
    this.pipeline.close()
    // Archives of rotated files are finished before the worker says it has stopped.
    await this.pipeline.idle()
    this.send({ type: 'stopped' })
    this.port?.close()
  }

  private send(message: ToCaller): void {
    // An error before the port came (the worker drains from its start) is told when it comes.
    if (this.port === undefined && message.type === 'error') {
      // Kept in the order of their latest occurrence: the last one told is metrics().lastError.
      this.unsent.delete(message.key)
      this.unsent.set(message.key, message)
    }
    this.port?.postMessage(message)
  }
}

// piscina loads this module when it starts the thread, before any task: draining begins here.
const drain = new Drain(workerData as DrainData)

/**
 * The piscina task: hands over the control channel and returns at once. The worker goes on
 * draining on its own event loop, so piscina sees an idle thread and holds nothing that keeps the
 * process open.
 */
export default function attach(task: DrainTask): void {
  drain.attach(task.port)
}
