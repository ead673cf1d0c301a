import { BroadcastChannel, getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads'
import { randomUUID } from 'node:crypto'
import { existsSync, readlinkSync } from 'node:fs'
import type { ToThread } from './control.js'
import { shared } from './shared.js'

/**
 * What every thread of the process shares: one small SharedArrayBuffer, the hub.
 *
 * The thread that loads ringlog first makes it and passes it on through worker_threads'
 * environment data, which every thread started afterwards receives (a SharedArrayBuffer is shared,
 * not copied). That thread is the host: it starts and supervises the process's one drain worker,
 * which reads the rings of every thread. In a service that imports ringlog in its main thread the
 * main thread is the host, so the drain worker outlives any worker thread that logs.
 *
 * Producers ring the doorbell (WAKE) when the drain worker sleeps on it, the host asks the drain
 * worker to drain everything at exit (EXIT_REQUEST), and `sequence: true` numbers records from
 * SEQUENCE. The rings themselves travel by BroadcastChannel, named by the hub's id.
 */

const ENVIRONMENT_KEY = 'ringlog.hub.1'
const HUB_BYTES = 1024

/** Doorbell: a producer that finds the drain worker asleep (SLEEP) adds one and notifies it; the drain worker waits on it. */
export const WAKE = 0
/** AWAKE, PARKED or DOZING: how the drain worker waits on WAKE, so producers know when to ring. */
export const SLEEP = 16
export const AWAKE = 0
/** Nothing came since it last looked: the next frame rings the doorbell. */
export const PARKED = 1
/**
 * Frames came in the last turn: the worker looks again after a short, bounded delay by itself, and
 * only a frame that leaves its ring fuller than the wake-up mark rings. Records arriving at a steady
 * rate are written in batches then, and cost their producer no system call.
 */
export const DOZING = 2
/** The drain worker's state: DRAIN_NONE, DRAIN_STARTING, DRAIN_UP or DRAIN_FAILED (written by the host; DRAIN_UP also by a worker that has its rings). */
export const DRAIN = 32
/**
 * The drain worker's kernel thread id (Linux; 0 elsewhere, or while none is up). A thread that ended
 * is gone from /proc at once, while worker_threads says so only in a turn of the host's event loop:
 * a calling thread stuck on a full ring sees the death without one (Hub.drainGone).
 */
export const DRAIN_TID = 33
/** The last record number given by `sequence: true` (a 32-bit counter; each thread counts its wraps). */
export const SEQUENCE = 48
/** The last ring id given out. */
export const NEXT_RING = 64
/** The host raises EXIT_REQUEST; the drain worker sets EXIT_DONE to it once every ring is drained to where it was then. */
export const EXIT_REQUEST = 80
export const EXIT_DONE = 81
/** Raised by the drain worker after every batch: the host's exit waits as long as it moves. */
export const PROGRESS = 96
/** The host's thread id. */
const HOST = 112
/** Drain workers that loaded: only the first reads the rings it was started with before the host's task comes. */
export const DRAIN_STARTS = 113
/** Drain workers started to replace one that died. */
export const RESTARTS = 114
/** Raised by a flush() that waits for the drain worker: it writes at once instead of lingering. */
export const FLUSHES = 128

export const DRAIN_NONE = 0
export const DRAIN_UP = 1
/** A drain worker is being started (the first, or one after a death). */
export const DRAIN_STARTING = 3
/** No drain worker could be started: every thread writes on its own from now on. */
export const DRAIN_FAILED = 2

interface HubData {
  sab: SharedArrayBuffer
  id: string
}

export class Hub {
  readonly ints: Int32Array
  /** Names the hub's channels: processes do not share them, but two hubs in one process must not mix. */
  readonly id: string
  /** True in the thread that made the hub: it runs the drain worker. */
  readonly isHost: boolean
  /** The threads' channels this thread has posted on. */
  private readonly told = new Map<number, BroadcastChannel>()

  constructor(data: HubData) {
    this.ints = new Int32Array(data.sab)
    this.id = data.id
    this.isHost = Atomics.load(this.ints, HOST) === threadId
  }

  get sab(): SharedArrayBuffer {
    return this.ints.buffer as SharedArrayBuffer
  }

  /** The control channel every ring's messages to the drain worker go through. */
  get drainChannel(): string {
    return `ringlog:${this.id}:drain`
  }

  /** The channel the drain worker answers a thread's rings on. */
  threadChannel(thread: number): string {
    return `ringlog:${this.id}:thread:${thread}`
  }

  /** Posts on a thread's channel (the drain worker's and the host's answers, src/control.ts). */
  tell(thread: number, message: ToThread): void {
    let channel = this.told.get(thread)
    if (channel === undefined) {
      channel = new BroadcastChannel(this.threadChannel(thread))
      channel.unref()
      this.told.set(thread, channel)
    }
    channel.postMessage(message)
  }

  /** Closes a thread's channel here: nothing more is told to it. */
  forget(thread: number): void {
    this.told.get(thread)?.close()
    this.told.delete(thread)
  }

  /** A ring id no other ring of the process has. */
  nextRingId(): number {
    return Atomics.add(this.ints, NEXT_RING, 1) + 1
  }

  get drainState(): number {
    return Atomics.load(this.ints, DRAIN)
  }

  /** True when the drain worker that said it is up has ended, known without any event loop (Linux; false elsewhere). */
  drainGone(): boolean {
    const tid = Atomics.load(this.ints, DRAIN_TID)
    return tid !== 0 && !existsSync(`/proc/self/task/${tid}`)
  }

  /** Wakes the drain worker if it is parked. */
  wake(): void {
    Atomics.add(this.ints, WAKE, 1)
    Atomics.notify(this.ints, WAKE)
  }
}

/** This thread's kernel thread id, or 0 where /proc does not say (not Linux). */
export function kernelThreadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) || 0
  } catch {
    return 0
  }
}

/** This thread's view of the process's hub, made (and this thread made its host) if no thread before it made one. */
export function processHub(): Hub {
  // One view per thread, also when both builds of ringlog are loaded: two views would each take
  // this thread for the host, and each start a drain worker.
  return shared('hub', () => {
    let data = getEnvironmentData(ENVIRONMENT_KEY) as HubData | undefined
    if (data === undefined) {
      data = { sab: new SharedArrayBuffer(HUB_BYTES), id: randomUUID() }
      Atomics.store(new Int32Array(data.sab), HOST, threadId)
      // Threads started from now on share it.
      setEnvironmentData(ENVIRONMENT_KEY, data)
    }
    return new Hub(data)
  })
}
