import { BroadcastChannel, isMainThread, MessageChannel, type MessagePort, type Worker } from 'node:worker_threads'
import type { Piscina } from 'piscina'
import type { DrainData, DrainTask, RingEntry, ToDrain, ToHost, ToThread } from './control.js'
import { describe } from './serialize.js'
import { hostOnExit, installSignalHandlers, removeSignalHandlers } from './exit.js'
import { DRAIN, DRAIN_FAILED, DRAIN_NONE, DRAIN_STARTING, DRAIN_TID, DRAIN_UP, EXIT_DONE, EXIT_REQUEST, PROGRESS, RESTARTS, type Hub } from './hub.js'
import { CONTROL_BYTES, reclaimRing } from './ring.js'
import { shared } from './shared.js'

/** Drain workers that die this many times in a row before they are up: none can start, every thread writes on its own. */
const MAX_FAILED_STARTS = 5
/** Deaths within this window beyond FREE_RESTARTS wait before the next start, doubling from BACKOFF_MS up to MAX_BACKOFF_MS. */
const RESTART_WINDOW_MS = 10_000
const FREE_RESTARTS = 3
const BACKOFF_MS = 100
const MAX_BACKOFF_MS = 5000
/** At exit, how long to wait for the drain worker while it makes no progress at all. */
const EXIT_STALL_MS = 5000

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
  /** Whether the current worker's rings were taken back: it is dead, whatever it still says. */
  private tookBack = false
  /** Whether the first worker was started: later ones only replace one that died. */
  private started = false
  /** Why the current worker could not be started, when piscina said. */
  private startError: string | undefined
  /** For tests: told when a death has been handled. */
  private noticed: (() => void) | undefined

  /**
   * @param Pool piscina, loaded by the build that starts the host
   * @param drainFile that build's drain worker script (src/worker/drain.ts)
   */
  constructor(private readonly hub: Hub, private readonly Pool: typeof Piscina, private readonly drainFile: string) {
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

  /** If the drain worker has ended, its rings are taken back now, before the event loop says so. */
  takeBackIfDied(): void {
    if (this.drainDied()) this.takeBack()
  }

  /** True when the drain worker that took the rings has ended; seen before the event loop says so. */
  private drainDied(): boolean {
    if (this.hub.drainGone()) return true
    if (this.drainThread === -1) return false
    // Where /proc does not tell: a thread's id reads -1 once it stopped, which can be before its 'exit' event.
    return this.pool?.threads.some((thread) => thread.threadId === this.drainThread) !== true
  }

  /** The drain worker died: the rings are taken back from it. */
  private takeBack(): void {
    // It was up if it said so in the hub: its 'up' message may never be read (a closed port drops it).
    if (Atomics.load(this.hub.ints, DRAIN) === DRAIN_UP) this.up = true
    this.tookBack = true
    this.drainThread = -1
    Atomics.store(this.hub.ints, DRAIN_TID, 0)
    Atomics.store(this.hub.ints, DRAIN, DRAIN_NONE)
    for (const entry of this.rings.values()) reclaimRing(new Int32Array(entry.sab, 0, CONTROL_BYTES / 4))
  }

  /**
   * Asks the drain worker to write every ring up to where it is now, and waits (synchronously: this
   * is the process's 'exit' or a signal) until it has, or has made no progress for EXIT_STALL_MS.
   * False when there is no drain worker to ask, or it did not finish.
   */
  drainEverything(): boolean {
    const { ints } = this.hub
    this.takeBackIfDied()
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
    // Once it is up it is ended before this returns, so a caller that logs on without a turn of
    // its event loop logs to a dead worker.
    if (!this.up && this.port !== undefined) await this.until(() => this.up || this.port === undefined)
    await this.kill(this.pool?.threads.find((candidate) => candidate.threadId === this.drainThread))
  }

  /** For tests: ends the drain worker that is starting now, before it said it is up; resolves once that death is handled. */
  async killStarting(): Promise<void> {
    await this.until(() => this.port !== undefined && !this.up && (this.pool?.threads.length ?? 0) > 0)
    if (!this.up) await this.kill(this.pool?.threads[0])
  }

  private async kill(thread: Worker | undefined): Promise<void> {
    if (thread === undefined) return
    const noticed = new Promise<void>((resolve) => (this.noticed = resolve))
    await thread.terminate()
    await noticed
  }

  private async until(done: () => boolean): Promise<void> {
    for (let waited = 0; !done() && waited < 5000; waited++) await new Promise((resolve) => setTimeout(resolve, 1))
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
    if (this.started || Atomics.load(this.hub.ints, DRAIN) === DRAIN_FAILED) return
    this.started = true
    this.startWorker()
  }

  /**
   * Starts a drain worker in a pool of its own: after a death the old pool is destroyed, since
   * piscina starts another thread in it (one that would answer the rings' channel unsupervised), or
   * none at all if the thread died while loading, holding the task for good.
   */
  private startWorker(): void {
    this.up = false
    this.tookBack = false
    this.startError = undefined
    Atomics.store(this.hub.ints, DRAIN, DRAIN_STARTING)
    const { port1, port2 } = new MessageChannel()
    port1.on('message', (message: ToHost) => {
      // Not from a worker already taken for dead.
      if (port1 !== this.port || this.tookBack) return
      this.drainThread = message.threadId
      this.up = true
      Atomics.store(this.hub.ints, DRAIN, DRAIN_UP)
    })
    port1.on('close', () => this.onWorkerGone(port1))
    port1.unref()
    this.port = port1
    let pool: Piscina
    try {
      pool = this.pool = new this.Pool({
        filename: this.drainFile,
        // The first worker reads its rings as soon as it has loaded, without waiting for a task: that
        // needs this thread's event loop, which a burst of logging at start-up does not give back.
        workerData: { hub: this.hub.sab, hubId: this.hub.id, rings: [...this.rings.values()] } satisfies DrainData,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Infinity,
        // The task returns at once and the worker goes on draining on its own event loop, which
        // piscina's default (blocking the worker in Atomics.wait between tasks) would stop.
        atomics: 'disabled',
      })
    } catch (error) {
      // No thread could be made (a limit on threads, say): a start that failed.
      this.startError = describe(error)
      port1.close()
      return
    }
    pool.on('error', (error: unknown) => {
      if (pool !== this.pool) return
      if (this.up) warn(`drain worker error: ${describe(error)}`)
      else this.startError = describe(error)
    })
    // The worker's thread ended: before it had the task its port would never close.
    pool.on('workerDestroy', () => port1.close())
    const task: DrainTask = { port: port2, rings: [...this.rings.values()] }
    pool.run(task, { transferList: [port2] }).catch((error: unknown) => {
      if (!this.up) this.startError ??= describe(error)
      // A task that failed in a thread that lives on: the thread is ended before its rings are taken back.
      void pool.destroy().catch(() => undefined).finally(() => port1.close())
    })
  }

  /**
   * The drain worker died, up or while starting: the rings are taken back, the pool destroyed, and
   * another worker started, at once for the first FREE_RESTARTS deaths in RESTART_WINDOW_MS and then
   * with a growing backoff. Each restart is counted (RESTARTS, metrics().workerRestarts) and said once on stderr.
   */
  private onWorkerGone(port: MessagePort): void {
    if (port !== this.port) return
    this.port = undefined
    this.takeBack()
    void this.pool?.destroy().catch(() => undefined)
    this.pool = undefined
    const how = this.up ? 'died' : `died while starting${this.startError === undefined ? '' : ` (${this.startError})`}`
    this.failedStarts = this.up ? 0 : this.failedStarts + 1
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      warn(`the drain worker ${how}, ${this.failedStarts} times in a row: every thread writes its own records from now on`)
      Atomics.store(this.hub.ints, DRAIN, DRAIN_FAILED)
      this.tellThreads({ type: 'failed' })
      this.noticed?.()
      return
    }
    const restarts = Atomics.add(this.hub.ints, RESTARTS, 1) + 1
    const now = performance.now()
    this.deaths.push(now)
    while (now - this.deaths[0] > RESTART_WINDOW_MS) this.deaths.shift()
    // A worker that dies again and again (a record that crashes it, say) is restarted ever more slowly;
    // meanwhile records wait in the rings, or are written by their threads when they fill or flush.
    const backoff = this.deaths.length <= FREE_RESTARTS ? 0 : Math.min(BACKOFF_MS * 2 ** (this.deaths.length - FREE_RESTARTS - 1), MAX_BACKOFF_MS)
    const when = backoff === 0 ? 'now' : `in ${backoff} ms (${this.deaths.length} deaths in ${RESTART_WINDOW_MS / 1000} s)`
    warn(`the drain worker ${how}; restart ${restarts} starts ${when}`)
    setTimeout(() => this.startWorker(), backoff).unref()
    this.noticed?.()
  }

  private tellThreads(message: ToThread): void {
    for (const thread of new Set([...this.rings.values()].map((entry) => entry.thread))) this.hub.tell(thread, message)
  }
}

const hosting = shared('host', (): { host?: DrainHost } => ({}))

/** This thread's DrainHost, if it is the host and a build of ringlog started it. */
export function currentHost(): DrainHost | undefined {
  return hosting.host
}

/**
 * The host's DrainHost, made when ringlog is loaded in the host's thread, so that it hears of every
 * thread's rings. piscina is loaded (by the build's `#build` module) for it only: other threads
 * never start a worker. One per thread: a second build of ringlog loaded later uses this one.
 */
export function startHost(hub: Hub, Pool: typeof Piscina, drainFile: string): DrainHost {
  if (hosting.host !== undefined) return hosting.host
  const host = (hosting.host = new DrainHost(hub, Pool, drainFile))
  hostOnExit(host)
  return host
}

function warn(message: string): void {
  process.stderr.write(`ringlog: ${message}\n`)
}
