import { CONSUMER_IDS, OFFSET_BINDINGS } from './frame.js'

/** Released entries kept before those consumers have read past are looked for. */
const PRUNE_EVERY = 1024

/**
 * The calling thread's table of child-logger bindings, each kept as the frame that announced it.
 *
 * A consumer that starts late (a restarted worker, or the calling thread draining the ring itself)
 * has not seen the bindings frames that an earlier consumer read, so it is handed this table first.
 * A child logger that is garbage collected releases its id; the entry is kept until the consumer
 * has read past the release, because records before it may still be in the ring.
 */
export class BindingsRegistry {
  private next = 1
  /** The ids went past the last once: from then on, one still in use is skipped. */
  private wrapped = false
  private readonly live = new Map<number, Uint8Array>()
  private readonly kept: Uint8Array[] = []
  private released: { frame: Uint8Array; position: number }[] = []
  private pruneAt = PRUNE_EVERY
  private readonly finalizer = new FinalizationRegistry<number>((id) => this.onCollected(id))

  /**
   * @param release writes the release frame for an id and returns the ring position after it
   * @param consumed the ring position consumers have read up to
   */
  constructor(private readonly release: (id: number) => number, private readonly consumed: () => number) {}

  /** An id no live or unread bindings have, below the consumers' own (CONSUMER_IDS): past the last, from 1 again. */
  nextId(): number {
    for (;;) {
      const id = this.next
      if (id === CONSUMER_IDS - 1) this.wrapped = true
      this.next = id === CONSUMER_IDS - 1 ? 1 : id + 1
      // Before the first wrap every id is new.
      if (!this.wrapped || (!this.live.has(id) && !this.released.some((entry) => idOf(entry.frame) === id))) return id
    }
  }

  add(owner: object, id: number, frame: Uint8Array): void {
    this.live.set(id, frame)
    this.finalizer.register(owner, id)
  }

  /** A frame every consumer needs, for as long as the logger lives: an event definition. */
  keep(frame: Uint8Array): void {
    this.kept.push(frame)
  }

  /** The frames a consumer starting at `read` needs to have seen. */
  snapshot(read: number): Uint8Array[] {
    this.forgetRead(read)
    return [...this.kept, ...this.released.map((entry) => entry.frame), ...this.live.values()]
  }

  private onCollected(id: number): void {
    const frame = this.live.get(id)
    if (frame === undefined) return
    this.live.delete(id)
    this.released.push({ frame, position: this.release(id) })
    // A context per request is released per request: what consumers have read past goes, now and
    // then, or the list would grow for as long as the process runs.
    if (this.released.length >= this.pruneAt) {
      this.forgetRead(this.consumed())
      // What remains is what consumers have not read yet: at most a ring's worth.
      this.pruneAt = this.released.length + PRUNE_EVERY
    }
  }

  private forgetRead(read: number): void {
    this.released = this.released.filter((entry) => ((entry.position - read) | 0) > 0)
  }
}

/** The id an announcing frame carries. */
function idOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(OFFSET_BINDINGS, true)
}
