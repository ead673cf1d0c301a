import {
  FRAGMENT_FIRST, FRAGMENT_HEADER_BYTES, FRAGMENT_LAST, HEADER_BYTES, KIND_DROPPED, KIND_FRAGMENT,
  OFFSET_FLAGS, OFFSET_INLINE_BYTES, OFFSET_KIND, OFFSET_LEVEL, OFFSET_TIME, sequenceOf,
} from './frame.js'
import { align8, type RingProducer, type RingViews } from './ring.js'

/**
 * Puts encoded frames into the ring: whole when they fit in a quarter of it, as fragments when
 * they do not, so a record larger than the ring still arrives whole. Counts what it had to drop
 * and reports the count in the ring before the next record that gets through.
 */
/** Frames up to this many bytes are copied a 32-bit word at a time: Buffer.copy's fixed cost was a third of a small event's. */
const WORD_COPY_BYTES = 512
/** Where a dropped-records report's ranges of record numbers start. */
const RANGES_AT = HEADER_BYTES + 8
/**
 * Ranges of dropped record numbers kept until they can be reported: other threads' records take
 * numbers in between, so drops while the ring stays full can make many. Beyond this, drops are
 * only counted.
 */
const MAX_RANGES = 1 << 16

export class RingFrameWriter {
  /** Records dropped since the start. */
  dropped = 0
  private unreported = 0
  /** The record numbers of the unreported drops, as first, last pairs. */
  private ranges: number[] = []
  /** The last source buffer, and its memory as 32-bit words when it is aligned (frames come from one reused scratch buffer). */
  private source: Buffer | undefined
  private sourceWords: Int32Array<ArrayBufferLike> | undefined

  constructor(
    private readonly ring: RingViews,
    private readonly producer: RingProducer,
    private readonly canWait: boolean,
  ) {}

  write(frame: Buffer, length: number): boolean {
    if (this.unreported > 0 && !this.reportDropped()) return this.drop(frame, length)
    const written = align8(length) <= this.producer.maxFrame ? this.whole(frame, length) : this.fragments(frame, length)
    return written || this.drop(frame, length)
  }

  /** Records that were dropped but whose count is not in the ring yet. */
  get unreportedDrops(): number {
    return this.unreported
  }

  /**
   * Writes the count of dropped records, and the ranges of their numbers, when there is room; true
   * when nothing is left to report. Ranges that do not fit in one frame go in more, each counting
   * the records of its ranges; the last also counts the drops without a number.
   */
  reportDropped(): boolean {
    const perFrame = (this.producer.maxFrame - RANGES_AT) >> 4
    while (this.unreported > 0) {
      const pairs = Math.min(this.ranges.length >> 1, perFrame)
      let count = 0
      for (let i = 0; i < pairs * 2; i += 2) count += this.ranges[i + 1] - this.ranges[i] + 1
      // The last frame takes what is not in a range.
      if (pairs * 2 === this.ranges.length) count = this.unreported
      const size = RANGES_AT + pairs * 16
      const offset = this.producer.reserve(size)
      if (offset < 0) return false
      const { bytes, ints, floats } = this.ring
      ints[offset >> 2] = size
      bytes[offset + OFFSET_KIND] = KIND_DROPPED
      bytes[offset + OFFSET_LEVEL] = 0
      bytes[offset + OFFSET_FLAGS] = 0
      bytes[offset + OFFSET_INLINE_BYTES] = 0
      floats[(offset + OFFSET_TIME) >> 3] = Date.now()
      ints[(offset + HEADER_BYTES) >> 2] = count
      for (let i = 0; i < pairs * 2; i++) floats[((offset + RANGES_AT) >> 3) + i] = this.ranges[i]
      this.producer.publish(size)
      this.ranges = this.ranges.slice(pairs * 2)
      this.unreported -= count
    }
    return true
  }

  private drop(frame: Buffer, length: number): false {
    this.dropped++
    this.unreported++
    const sequence = sequenceOf(frame, 0, length)
    if (sequence === 0) return false
    const { ranges } = this
    if (ranges.length > 0 && ranges[ranges.length - 1] === sequence - 1) ranges[ranges.length - 1] = sequence
    else if (ranges.length < MAX_RANGES * 2) ranges.push(sequence, sequence)
    return false
  }

  private whole(frame: Buffer, length: number): boolean {
    const size = align8(length)
    const offset = this.producer.reserve(size)
    if (offset < 0) return false
    // Reading a Buffer's byteOffset and buffer on every call cost more than the copy: looked at once per buffer.
    if (frame !== this.source) {
      this.source = frame
      this.sourceWords = (frame.byteOffset & 3) === 0 ? new Int32Array(frame.buffer, frame.byteOffset, frame.length >> 2) : undefined
    }
    const words = this.sourceWords
    if (length <= WORD_COPY_BYTES && words !== undefined && size >> 2 <= words.length) {
      // Whole words up to the 8-byte aligned size: the ring reserved them, and the source has them.
      const ints = this.ring.ints
      const to = offset >> 2
      for (let i = 0, n = size >> 2; i < n; i++) ints[to + i] = words[i]
    } else {
      frame.copy(this.ring.bytes, offset, 0, length)
    }
    this.producer.publish(size)
    return true
  }

  private fragments(frame: Buffer, length: number): boolean {
    const chunk = this.producer.maxFrame - FRAGMENT_HEADER_BYTES
    const count = Math.ceil(length / chunk)
    // Without waiting, all fragments must fit now (allowing for one wrap), or none is written.
    if (!this.canWait && this.producer.freeBytes() < length + count * FRAGMENT_HEADER_BYTES + this.producer.maxFrame) return false
    const { bytes, ints } = this.ring
    for (let at = 0; at < length; at += chunk) {
      const n = Math.min(chunk, length - at)
      const size = align8(FRAGMENT_HEADER_BYTES + n)
      const offset = this.producer.reserve(size)
      // Fragments written so far are discarded by the reader when the next whole frame comes.
      if (offset < 0) return false
      ints[offset >> 2] = FRAGMENT_HEADER_BYTES + n
      bytes[offset + OFFSET_KIND] = KIND_FRAGMENT
      bytes[offset + OFFSET_LEVEL] = (at === 0 ? FRAGMENT_FIRST : 0) | (at + n === length ? FRAGMENT_LAST : 0)
      frame.copy(bytes, offset + FRAGMENT_HEADER_BYTES, at, at + n)
      this.producer.publish(size)
    }
    return true
  }
}
