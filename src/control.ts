import type { MessagePort } from 'node:worker_threads'
import type { HandedBack } from './stream-sinks.js'
import type { PipelineOptions } from './worker/pipeline.js'

/**
 * The control channel: what the producing threads, the host (the thread that runs the drain
 * worker, src/drain-host.ts) and the drain worker (src/worker/drain.ts) tell each other. Records
 * never go this way: they go through the rings. Rings are announced on the hub's drain channel, and
 * the drain worker answers on each thread's own channel (BroadcastChannels named by src/hub.ts):
 * a worker thread has no other way to reach a thread it did not start. The one exception is a
 * stream sink's bytes: a Writable stays in its thread, so the drain worker hands them back here.
 */

/** A ring as the drain worker needs it: plain data and the shared memory, sent once. */
export interface RingEntry {
  id: number
  /** The producing thread, whose channel the drain worker answers on. */
  thread: number
  sab: SharedArrayBuffer
  options: PipelineOptions
  /** The logger's `handleSignals`: the host drains on SIGTERM, SIGINT and SIGHUP while a ring wants it. */
  signals: boolean
}

/**
 * On the drain channel, to the drain worker; the host listens too, to know every ring, and passes
 * each on to the drain worker on its own port as well (a worker that is still loading has no channel
 * yet, and what is posted before it has one does not reach it). Flush and close need no message:
 * they are READ, CLOSING and STATE in the ring's control block.
 */
export type ToDrain =
  /** A new ring, or one handed over again (its state says which). */
  | { type: 'attach'; ring: RingEntry }
  /** The bindings table the drain worker asked for with 'ready': it owns the ring from now on. */
  | { type: 'start'; ring: number; snapshot: Uint8Array[]; reported: string[] }
  /** For the host: the ring's logger is closed. */
  | { type: 'detach'; ring: number }
  /** From the drain worker, for the host: the ring's thread is gone and the ring was let go. */
  | { type: 'gone'; ring: number }

/** On a thread's channel, from the drain worker or the host. */
export type ToThread =
  /** The drain worker has the ring but frames were read by others: send the bindings table ('start'). */
  | { type: 'ready'; ring: number }
  /** An error the drain worker said on stderr, by its key: the thread's own pipeline does not say it again. */
  | { type: 'error'; ring: number; key: string }
  /** From the host: the drain worker died too often, and no other is coming: write on your own. */
  | { type: 'failed' }
  /** From the drain worker: a batch formatted for a stream sink of this thread, to write to the stream. */
  | HandedBack

/** Given to every drain worker when piscina starts it (piscina's workerData). */
export interface DrainData {
  hub: SharedArrayBuffer
  hubId: string
  /** The rings known when the pool was made: the drain worker reads them as soon as it has loaded. */
  rings: RingEntry[]
}

/** The piscina task: the host's control port and every ring known now (a replacement worker needs them). */
export interface DrainTask {
  port: MessagePort
  rings: RingEntry[]
}

/** From the drain worker to the host, on the task's port. */
export type ToHost = { type: 'up'; threadId: number }
