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
  private readonly live = new Map<number, Uint8Array>()
  private released: { frame: Uint8Array; position: number }[] = []
  private readonly finalizer = new FinalizationRegistry<number>((id) => this.onCollected(id))

  /**
   * @param release writes the release frame for an id and returns the ring position after it
   */
  constructor(private readonly release: (id: number) => number) {}

  nextId(): number {
    return this.next++
  }

  add(owner: object, id: number, frame: Uint8Array): void {
    this.live.set(id, frame)
    this.finalizer.register(owner, id)
  }

  /** The bindings frames a consumer starting at `read` needs to have seen. */
  snapshot(read: number): Uint8Array[] {
    this.released = this.released.filter((entry) => ((entry.position - read) | 0) > 0)
    return [...this.released.map((entry) => entry.frame), ...this.live.values()]
  }

  private onCollected(id: number): void {
    const frame = this.live.get(id)
    if (frame === undefined) return
    this.live.delete(id)
    this.released.push({ frame, position: this.release(id) })
  }
}
