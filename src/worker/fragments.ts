import { FRAGMENT_FIRST, FRAGMENT_HEADER_BYTES, FRAGMENT_LAST, KIND_FRAGMENT, OFFSET_KIND, OFFSET_LEVEL } from '../frame.js'

/**
 * Joins the fragments of a frame that was too large for the ring, so everything after it (the
 * record policy, each sink's reader) sees whole frames only.
 */
export class FragmentJoiner {
  private assembly: Buffer | undefined
  private assembled = 0

  /** @param lost told of each frame whose first fragments were read by a worker that died. */
  constructor(private readonly lost: () => void) {}

  /** True while the first part of a fragmented frame is held: the ring must not change hands then. */
  get midFrame(): boolean {
    return this.assembly !== undefined
  }

  /** The length of the frame being joined (0 when none is). */
  get joining(): number {
    return this.assembly?.length ?? 0
  }

  /** Forgets a frame half joined: another consumer moved the ring on, and will read it. */
  reset(): void {
    this.assembly = undefined
  }

  /** Passes each whole frame to `whole`: this one, or the frame its last fragment completes. */
  frame(src: Buffer, offset: number, length: number, whole: (src: Buffer, offset: number, length: number) => void): void {
    if (src[offset + OFFSET_KIND] !== KIND_FRAGMENT) {
      // The producer gave up on a fragmented frame half way (onFull timed out): it is lost.
      this.assembly = undefined
      whole(src, offset, length)
      return
    }
    const flags = src[offset + OFFSET_LEVEL]
    const start = offset + FRAGMENT_HEADER_BYTES
    if (flags & FRAGMENT_FIRST) {
      // The first fragment starts with the whole frame's header, and so its length.
      this.assembly = Buffer.allocUnsafe(src.readInt32LE(start))
      this.assembled = 0
    } else if (this.assembly === undefined) {
      // Its first part was read by a worker that died: the frame cannot be rebuilt. Counted once, at its end.
      if (flags & FRAGMENT_LAST) this.lost()
      return
    }
    const assembly = this.assembly
    this.assembled += src.copy(assembly, this.assembled, start, offset + length)
    if (flags & FRAGMENT_LAST) {
      this.assembly = undefined
      whole(assembly, 0, this.assembled)
    }
  }
}
