import { fileURLToPath } from 'node:url'
import { BroadcastChannel, isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Piscina } from 'piscina'
import type { DrainData, DrainTask, RingEntry, ToDrain, ToHost, ToThread } from './control.js'
import { hostOnExit, installSignalHandlers, removeSignalHandlers } from './exit.js'
import { DRAIN, DRAIN_FAILED, DRAIN_NONE, DRAIN_STARTING, DRAIN_UP, EXIT_DONE, EXIT_REQUEST, PROGRESS, RESTARTS, type Hub } from './hub.js'
import { LOCK, LOCK_FREE, LOCK_WORKER, STATE, STATE_HANDOVER, STATE_RUNNING } from './ring.js'

/** Drain workers that die this many times in a row before they are up: none can start, every thread writes on its own. */
const MAX_FAILED_STARTS = 5
/** Deaths within this window beyond FREE_RESTARTS wait before the next start, doubling from BACKOFF_MS up to MAX_BACKOFF_MS. */
const RESTART_WINDOW_MS = 10_000
const FREE_RESTARTS = 3
const BACKOFF_MS = 100
const MAX_BACKOFF_MS = 5000
/** At exit, how long to wait for the drain worker while it makes no progress at all. */
const EXIT_STALL_MS = 5000

const drainFile = fileURLToPath(new URL('./worker/drain.js', import.meta.url))

/**
 * The host's part (the thread that made the hub, src/hub.ts): it starts the process's one drain
 * worker, hosted by piscina, when the first ring of any thread is announced; replaces it when it
 * dies, taking the rings back from it first; and at exit asks it to write every ring and waits.
 * It keeps every ring it has heard of, so a replacement worker gets them all.
 */
export class DrainHost {
  private pool: Piscina | undefined
  private port: MessagePort | undefined
  /** The drain worker's thread id, once it said it is up; -1 once it died. */
  private drainThread = -1
  /** The id the last drain worker had, to know when piscina has removed its thread. */
  private lastThread = -1
  private readonly rings = new Map<number, RingEntry>()
  /** The rings whose logger wants signals handled (`handleSignals`, the default). */
  private readonly signals = new Set<number>()
  private readonly channel: BroadcastChannel
  /** When recent workers died, for the backoff. */
  private readonly deaths: number[] = []
  /** Workers that died before they were up, since the last one that was. */
  private failedStarts = 0
  /** Whether the current worker said it is up. */
  private up = false
  /** For tests: told when a death has been handled. */
  private noticed: (() => void) | undefined

  constructor(private readonly hub: Hub, private readonly Pool: typeof Piscina) {
    this.channel = new BroadcastChannel(hub.drainChannel)
    this.channel.unref()
    this.channel.onmessage = (event) => this.onMessage((event as { data: ToDrain }).data)
  }

  /** A ring of this thread: known at once, and the drain worker started now if it is not running. */
  register(entry: RingEntry): void {
    if (!isMainThread && this.rings.size === 0) {
      // The drain worker is this thread's child: worker.terminate() ends both at once, with what the rings still hold.
      warn('loaded first in a worker thread, which now hosts the drain worker of every thread: records in the rings are lost if this thread is terminated. Import ringlog in the main thread before starting worker threads.')
    }
    this.remember(entry)
    this.start()
  }

  /** True when the drain worker that took the rings has ended; seen before the event loop says so. */
  drainDied(): boolean {
    if (this.drainThread === -1) return false
    // A thread's id reads -1 as soon as it stops, before its 'exit' event.
    return !this.pool!.threads.some((thread) => thread.threadId === this.drainThread)
  }

  /** The drain worker died: the rings are taken back from it at once, before the event loop says so. */
  takeBack(): void {
    if (this.drainThread === -1) return
    this.drainThread = -1
    Atomics.store(this.hub.ints, DRAIN, DRAIN_NONE)
    for (const entry of this.rings.values()) {
      const control = new Int32Array(entry.sab, 0, STATE + 1)
      Atomics.compareExchange(control, STATE, STATE_RUNNING, STATE_HANDOVER)
      // A worker that died inside a batch still holds the lock; its unpublished batch is read again.
      if (Atomics.compareExchange(control, LOCK, LOCK_WORKER, LOCK_FREE) === LOCK_WORKER) Atomics.notify(control, LOCK)
    }
  }

  /**
   * Asks the drain worker to write every ring up to where it is now, and waits (synchronously: this
   * is the process's 'exit' or a signal) until it has, or has made no progress for EXIT_STALL_MS.
   * False when there is no drain worker to ask, or it did not finish.
   */
  drainEverything(): boolean {
    const { ints } = this.hub
    if (this.drainDied()) this.takeBack()
    this.awaitFirstWorker()
    if (Atomics.load(ints, DRAIN) !== DRAIN_UP) return false
    // Every ring this thread knows, announced again with the request: a worker that started after a
    // ring was announced on the channel gets it on its task's port, which a signal can come before.
    for (const entry of this.rings.values()) this.channel.postMessage({ type: 'attach', ring: entry } satisfies ToDrain)
    const request = Atomics.add(ints, EXIT_REQUEST, 1) + 1
    this.hub.wake()
    let progress = Atomics.load(ints, PROGRESS)
    let since = performance.now()
    while (Atomics.load(ints, EXIT_DONE) !== request) {
      Atomics.wait(ints, EXIT_DONE, Atomics.load(ints, EXIT_DONE), 50)
      const now = performance.now()
      if (Atomics.load(ints, PROGRESS) !== progress) {
        progress = Atomics.load(ints, PROGRESS)
        since = now
      } else if (now - since > EXIT_STALL_MS || this.drainDied()) {
        return false
      }
    }
    return true
  }

  /**
   * The process's first drain worker, still loading, is waited for: it reads the rings it was
   * started with and those announced on the channel without this thread's event loop, so it is
   * the only one that can write another thread's ring now. A replacement needs its task first.
   */
  private awaitFirstWorker(): void {
    const { ints } = this.hub
    const deadline = performance.now() + EXIT_STALL_MS
    while (Atomics.load(ints, DRAIN) === DRAIN_STARTING && Atomics.load(ints, RESTARTS) === 0) {
      const left = deadline - performance.now()
      if (left <= 0) return
      Atomics.wait(ints, DRAIN, DRAIN_STARTING, Math.min(left, 50))
    }
  }

  /** For tests: ends the drain worker thread as a crash would; resolves once this thread has taken the rings back. */
  async killDrain(): Promise<void> {
    // The worker reads its rings before this thread has heard it is up (and which thread it is).
    for (let waited = 0; !this.up && this.port !== undefined && waited < 2000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5))
    const thread = this.pool?.threads.find((candidate) => candidate.threadId === this.drainThread)
    if (thread === undefined) return
    const noticed = new Promise<void>((resolve) => (this.noticed = resolve))
    await thread.terminate()
    await noticed
  }

  private onMessage(message: ToDrain): void {
    switch (message.type) {
      case 'attach':
        this.remember(message.ring)
        this.start()
        break
      case 'detach':
      case 'gone':
        this.rings.delete(message.ring)
        if (this.signals.delete(message.ring) && this.signals.size === 0) removeSignalHandlers()
        break
    }
  }

  private remember(entry: RingEntry): void {
    this.rings.set(entry.id, entry)
    this.port?.postMessage({ type: 'attach', ring: entry } satisfies ToDrain)
    if (!entry.signals) return
    this.signals.add(entry.id)
    installSignalHandlers()
  }

  private start(): void {
    if (this.pool !== undefined || Atomics.load(this.hub.ints, DRAIN) === DRAIN_FAILED) return
    const workerData: DrainData = { hub: this.hub.sab, hubId: this.hub.id, rings: [...this.rings.values()] }
    this.pool = new this.Pool({
      filename: drainFile,
      // The first worker reads its rings as soon as it has loaded, without waiting for a task: that
      // needs this thread's event loop, which a burst of logging at start-up does not give back.
      workerData,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      // The task returns at once and the worker goes on draining on its own event loop, which
      // piscina's default (blocking the worker in Atomics.wait between tasks) would stop.
      atomics: 'disabled',
    })
    this.pool.on('error', (error: unknown) => warn(`drain worker error: ${error instanceof Error ? error.message : String(error)}`))
    this.startWorker()
  }

  private startWorker(): void {
    this.up = false
    Atomics.store(this.hub.ints, DRAIN, DRAIN_STARTING)
    const { port1, port2 } = new MessageChannel()
    port1.on('message', (message: ToHost) => {
      if (port1 !== this.port) return
      this.drainThread = this.lastThread = message.threadId
      this.up = true
      this.failedStarts = 0
      Atomics.store(this.hub.ints, DRAIN, DRAIN_UP)
    })
    port1.on('close', () => this.onWorkerGone(port1))
    port1.unref()
    this.port = port1
    const task: DrainTask = { port: port2, rings: [...this.rings.values()] }
    this.pool!.run(task, { transferList: [port2] }).catch((error: unknown) => {
      // A worker that said it was up and then fails its task has died: its port's 'close' handles that.
      if (this.drainThread === -1) warn(`cannot start the drain worker: ${error instanceof Error ? error.message : String(error)}`)
      port1.close()
    })
  }

  private onWorkerGone(port: MessagePort): void {
    if (port !== this.port) return
    this.port = undefined
    if (!this.up) this.failedStarts++
    this.takeBack()
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      warn(`the drain worker failed to start ${this.failedStarts} times in a row; every thread writes its own records from now on`)
      Atomics.store(this.hub.ints, DRAIN, DRAIN_FAILED)
      this.tellThreads({ type: 'failed' })
      return
    }
    Atomics.add(this.hub.ints, RESTARTS, 1)
    const now = performance.now()
    this.deaths.push(now)
    while (now - this.deaths[0] > RESTART_WINDOW_MS) this.deaths.shift()
    // A worker that dies again and again (a record that crashes it, say) is restarted ever more slowly;
    // meanwhile records wait in the rings, or are written by their threads when they fill or flush.
    const backoff = this.deaths.length <= FREE_RESTARTS ? 0 : Math.min(BACKOFF_MS * 2 ** (this.deaths.length - FREE_RESTARTS - 1), MAX_BACKOFF_MS)
    if (backoff > 0) warn(`the drain worker died ${this.deaths.length} times in ${RESTART_WINDOW_MS / 1000} s; the next one starts in ${backoff} ms`)
    // A task posted before piscina has removed the dead thread would be sent to it and fail.
    const pool = this.pool!
    const removed = !pool.threads.some((thread) => thread.threadId === this.lastThread || thread.threadId === -1)
    const restart = (): void => void setTimeout(() => this.startWorker(), backoff).unref()
    if (removed) restart()
    else pool.once('workerDestroy', restart)
    this.noticed?.()
  }

  private tellThreads(message: ToThread): void {
    for (const thread of new Set([...this.rings.values()].map((entry) => entry.thread))) this.hub.tell(thread, message)
  }
}

/**
 * The host's DrainHost, made when ringlog is loaded in the host's thread, so that it hears of every
 * thread's rings. piscina is loaded here only: other threads never start a worker.
 */
export async function startHost(hub: Hub): Promise<DrainHost> {
  const { Piscina } = await import('piscina')
  const host = new DrainHost(hub, Piscina)
  hostOnExit(host)
  return host
}

function warn(message: string): void {
  process.stderr.write(`ringlog: ${message}\n`)
}
