import {
  FRAGMENT_FIRST, FRAGMENT_HEADER_BYTES, FRAGMENT_LAST, HEADER_BYTES, KIND_BINDINGS, KIND_DROPPED,
  KIND_FRAGMENT, KIND_HEADER, KIND_RECORD, KIND_RELEASE, OFFSET_BINDINGS, OFFSET_CONTEXT, OFFSET_KIND, OFFSET_LEVEL,
  OFFSET_TIME,
} from '../frame.js'
import { WARN, type Format } from './format/format.js'

/**
 * Turns frames into formatted records: keeps the table of child bindings and request contexts
 * (one table: both are fields announced once under an id), and joins the
 * fragments of frames that were too large for the ring.
 */
export class FrameReader<Prepared> {
  private readonly bindings = new Map<number, Prepared>()
  private assembly: Buffer | undefined
  private assembled = 0
  /** Frames that could not be read (a fragment whose start was lost with a crashed worker). */
  lost = 0

  /**
   * @param startsOutput whether the destination is still empty when the header frame arrives (a
   * file appended to already has its header).
   */
  constructor(
    private readonly format: Format<Prepared>,
    private readonly startsOutput: () => boolean,
    /** Records below this level are skipped (a sink's own level). */
    private readonly minLevel = 0,
  ) {}

  /** True while the reader holds the first part of a fragmented frame. */
  get midFrame(): boolean {
    return this.assembly !== undefined
  }

  frame(src: Buffer, offset: number, length: number): void {
    const kind = src[offset + OFFSET_KIND]
    if (this.assembly !== undefined && kind !== KIND_FRAGMENT) {
      // The producer gave up on a fragmented frame half way (onFull timed out): it is lost.
      this.assembly = undefined
      this.lost++
    }
    switch (kind) {
      case KIND_RECORD: {
        if (src[offset + OFFSET_LEVEL] < this.minLevel) return
        const bindingsId = src.readUInt32LE(offset + OFFSET_BINDINGS)
        const contextId = src.readUInt32LE(offset + OFFSET_CONTEXT)
        this.format.record(
          src[offset + OFFSET_LEVEL],
          src.readDoubleLE(offset + OFFSET_TIME),
          src,
          offset + HEADER_BYTES,
          offset + length,
          bindingsId === 0 ? undefined : this.bindings.get(bindingsId),
          contextId === 0 ? undefined : this.bindings.get(contextId),
        )
        return
      }
      case KIND_BINDINGS: {
        const payload = Buffer.from(src.subarray(offset + HEADER_BYTES, offset + length))
        this.bindings.set(src.readUInt32LE(offset + OFFSET_BINDINGS), this.format.prepareBindings(payload))
        return
      }
      case KIND_RELEASE:
        this.bindings.delete(src.readUInt32LE(offset + OFFSET_BINDINGS))
        return
      case KIND_DROPPED:
        if (WARN < this.minLevel) return
        this.format.dropped(src.readDoubleLE(offset + OFFSET_TIME), src.readUInt32LE(offset + HEADER_BYTES))
        return
      case KIND_FRAGMENT:
        this.fragment(src, offset, length)
        return
      case KIND_HEADER:
        if (this.startsOutput()) this.format.header()
        return
      default:
        this.lost++
    }
  }

  private fragment(src: Buffer, offset: number, length: number): void {
    const flags = src[offset + OFFSET_LEVEL]
    const start = offset + FRAGMENT_HEADER_BYTES
    const end = offset + length
    if (flags & FRAGMENT_FIRST) {
      // The first fragment starts with the whole frame's header, and so its length.
      this.assembly = Buffer.allocUnsafe(src.readInt32LE(start))
      this.assembled = 0
    } else if (this.assembly === undefined) {
      if (flags & FRAGMENT_LAST) this.lost++
      return
    }
    const assembly = this.assembly
    this.assembled += src.copy(assembly, this.assembled, start, end)
    if (flags & FRAGMENT_LAST) {
      this.assembly = undefined
      this.frame(assembly, 0, this.assembled)
    }
  }
}
