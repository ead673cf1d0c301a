import { BroadcastChannel, threadId } from 'node:worker_threads'
import type { ToDrain, ToThread } from './control.js'
import type { Hub } from './hub.js'
import { shared } from './shared.js'
import { receiveBatch } from './stream-sinks.js'

/** A ring's producing end, as the thread's link hands it what the drain worker and the host say. */
export interface LinkedRing {
  onMessage(message: ToThread): void
}

/**
 * This thread's end of the control channel (src/control.ts): it posts on the hub's drain channel and
 * listens on the thread's own, handing each message to the ring it names ('failed' to all) and
 * a stream sink's bytes to its stream. Both channels are unref'd, except while a flush or a close
 * waits for an answer.
 */
class ThreadLink {
  private readonly toDrain: BroadcastChannel
  private readonly fromDrain: BroadcastChannel
  private readonly rings = new Map<number, LinkedRing>()
  private holds = 0

  constructor(hub: Hub) {
    this.toDrain = new BroadcastChannel(hub.drainChannel)
    this.toDrain.unref()
    this.fromDrain = new BroadcastChannel(hub.threadChannel(threadId))
    this.fromDrain.unref()
    this.fromDrain.onmessage = (event) => this.dispatch((event as { data: ToThread }).data)
  }

  add(id: number, ring: LinkedRing): void {
    this.rings.set(id, ring)
  }

  remove(id: number): void {
    this.rings.delete(id)
  }

  post(message: ToDrain): void {
    this.toDrain.postMessage(message)
  }

  /** Keeps the thread alive until release(): something waits for the drain worker's answer. */
  hold(): void {
    if (this.holds++ === 0) this.fromDrain.ref()
  }

  release(): void {
    if (--this.holds === 0) this.fromDrain.unref()
  }

  private dispatch(message: ToThread): void {
    if (message.type === 'stream') {
      receiveBatch(message)
      return
    }
    if ('ring' in message) {
      this.rings.get(message.ring)?.onMessage(message)
      return
    }
    for (const ring of [...this.rings.values()]) ring.onMessage(message)
  }
}

/** This thread's link, made on first use, by whichever build of ringlog comes first. */
export function threadLink(hub: Hub): ThreadLink {
  return shared('link', () => new ThreadLink(hub))
}

export type { ThreadLink }
