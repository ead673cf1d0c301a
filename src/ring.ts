import { METRICS_BYTES, METRICS_OFFSET, RingMetrics } from './ring-metrics.js'
import { AWAKE, DOZING, SLEEP, WAKE } from './hub.js'

/**
 * The single-producer single-consumer ring over one SharedArrayBuffer.
 *
 * Positions are 32-bit counters that only grow (wrapping at 2^32); the offset of a position is
 * `position & mask`, so the capacity is a power of two. Differences of positions are taken with
 * `| 0`, which stays correct across the 2^32 wrap while the ring is smaller than 2^31 bytes.
 *
 * Every frame starts with its byte length as an int32 and is 8-byte aligned. A frame never
 * splits across the end: when it does not fit before the end, the producer writes a wrap marker
 * and starts again at offset 0.
 */

/**
 * Control block: one 64-byte line per index so producer and consumer do not share a line, the
 * consumer's statistics and latest error in the first KiB; then the metrics (src/ring-metrics.ts).
 */
export const CONTROL_BYTES = METRICS_OFFSET + METRICS_BYTES
const INT = 4
/** Written by the producer only. */
export const WRITE = 0
/** Written by the consumer that holds the lock. */
export const READ = 64 / INT
/**
 * The producing thread keeps an Atomics.waitAsync pending here for as long as it lives: a thread
 * that ends (even by worker.terminate()) takes its waiters with it, so Atomics.notify() answering 0
 * twice tells the drain worker the ring will get no more frames.
 */
export const ALIVE = 128 / INT
/** Who consumes: FREE, WORKER or CALLER. Only the holder may move READ. */
export const LOCK = 192 / INT
/** Who may drain: STATE_FRESH, STATE_RUNNING, STATE_HANDOVER, STATE_CLOSED or STATE_GONE. */
export const STATE = 196 / INT
/** 1 once close() was called: the drain worker writes what is left, lets the ring go and sets STATE_CLOSED. */
export const CLOSING = 200 / INT
/**
 * 1 while the drain worker waits for the bindings table of a ring in STATE_HANDOVER. It also says
 * so with a 'ready' message, but a thread logging in a loop reads messages only when its event loop
 * turns: this word it sees at its next full ring, and hands the ring over there and then.
 */
export const ASKED = 204 / INT
/** Consumer statistics as float64, so counts pass 2^31 without a second word. */
const STATS_OFFSET = 256
/**
 * The latest error either pipeline reported (metrics().lastError), as UTF-8 cut to fit, under a
 * sequence number that is odd while it is written: shared memory, so that it is there by the time
 * the flush that met it resolves.
 */
const ERROR_SEQUENCE = 512 / INT
const ERROR_LENGTH = 516 / INT
const ERROR_TEXT = 520

/** Nothing has been read yet: the drain worker may take the ring on its own. */
export const STATE_FRESH = 0
/** The drain worker owns draining; the calling thread drains only at exit. */
export const STATE_RUNNING = 1
/**
 * The drain worker does not have the ring, and frames have been read by someone else (the calling
 * thread, or a drain worker that died): the drain worker must first be given the bindings table by
 * the calling thread.
 */
export const STATE_HANDOVER = 2
/** close(): the drain worker wrote everything and let the ring go. */
export const STATE_CLOSED = 3
/**
 * The drain worker found the producing thread gone and let the ring go. A thread that was only
 * busy for long finds this when its event loop turns, and hands the ring over again.
 */
export const STATE_GONE = 4

export const LOCK_FREE = 0
export const LOCK_WORKER = 1
export const LOCK_CALLER = 2

export const STAT_WRITTEN = 0
export const STAT_BYTES = 1
export const STAT_HIGH_WATER = 2
export const STAT_FAILED = 3
/** Records the record policy let go: by the filter, the deduplication, the sampler, the rate limit; held back by fingers crossed and discarded. */
export const STAT_FILTERED = 4
export const STAT_DEDUPLICATED = 5
export const STAT_SAMPLED = 6
export const STAT_RATE_LIMITED = 7
export const STAT_DISCARDED = 8
/** Records (and bindings) the redaction changed. */
export const STAT_REDACTED = 9
export const STAT_COUNT = 10

/** A frame length that means: nothing more before the end, continue at offset 0. */
export const WRAP_MARKER = -1

export const MIN_RING_BYTES = 4096
export const MAX_RING_BYTES = 1 << 30

/**
 * Takes a ring back from a drain worker that died: no one owns its draining until it is handed over
 * again, and a lock the worker held inside a batch is let go (its unpublished batch is read again).
 */
export function reclaimRing(control: Int32Array): void {
  // A worker that asked for the ring and died asks no more: its replacement asks again.
  Atomics.store(control, ASKED, 0)
  Atomics.compareExchange(control, STATE, STATE_RUNNING, STATE_HANDOVER)
  if (Atomics.compareExchange(control, LOCK, LOCK_WORKER, LOCK_FREE) === LOCK_WORKER) Atomics.notify(control, LOCK)
}

export function align8(n: number): number {
  return (n + 7) & ~7
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0
}

/** Typed views over one ring's SharedArrayBuffer, shared by both sides. */
export class RingViews {
  readonly capacity: number
  readonly mask: number
  readonly control: Int32Array
  private readonly controlBytes: Buffer
  readonly stats: Float64Array
  readonly metrics: RingMetrics
  readonly bytes: Buffer
  readonly ints: Int32Array
  readonly floats: Float64Array

  constructor(readonly sab: SharedArrayBuffer) {
    this.capacity = sab.byteLength - CONTROL_BYTES
    if (!isPowerOfTwo(this.capacity)) throw new RangeError(`ring capacity ${this.capacity} is not a power of two`)
    this.mask = this.capacity - 1
    this.control = new Int32Array(sab, 0, CONTROL_BYTES / INT)
    this.controlBytes = Buffer.from(sab, 0, CONTROL_BYTES)
    this.stats = new Float64Array(sab, STATS_OFFSET, STAT_COUNT)
    this.metrics = new RingMetrics(sab)
    this.bytes = Buffer.from(sab, CONTROL_BYTES, this.capacity)
    this.ints = new Int32Array(sab, CONTROL_BYTES, this.capacity / INT)
    this.floats = new Float64Array(sab, CONTROL_BYTES, this.capacity / 8)
  }

  static create(capacity: number): RingViews {
    return new RingViews(new SharedArrayBuffer(CONTROL_BYTES + capacity))
  }

  get lastError(): string | undefined {
    const { control } = this
    for (;;) {
      const sequence = Atomics.load(control, ERROR_SEQUENCE)
      if (sequence === 0) return undefined
      if ((sequence & 1) === 0) {
        const text = this.controlBytes.toString('utf8', ERROR_TEXT, ERROR_TEXT + Atomics.load(control, ERROR_LENGTH))
        if (Atomics.load(control, ERROR_SEQUENCE) === sequence) return text
      }
    }
  }

  set lastError(text: string) {
    const { control } = this
    Atomics.add(control, ERROR_SEQUENCE, 1)
    Atomics.store(control, ERROR_LENGTH, this.controlBytes.write(text, ERROR_TEXT, METRICS_OFFSET - ERROR_TEXT))
    Atomics.add(control, ERROR_SEQUENCE, 1)
  }
}

/**
 * Decides what a producer does when the ring has no room: return true to look again (room was
 * made or waited for), false to give up on this frame. `first` is true on the first call for a frame.
 */
export type WaitForRoom = (bytesNeeded: number, first: boolean) => boolean

export class RingProducer {
  private write: number
  private cachedRead: number
  /** The largest frame written whole; larger frames go as fragments. */
  readonly maxFrame: number
  /** Bytes in the ring past which a frame wakes a dozing drain worker. */
  private readonly wakeAt: number

  /** @param hub the process's hub (src/hub.ts), whose doorbell wakes the drain worker. */
  constructor(private readonly ring: RingViews, private readonly hub: Int32Array, private readonly waitForRoom: WaitForRoom) {
    this.write = Atomics.load(ring.control, WRITE)
    this.cachedRead = Atomics.load(ring.control, READ)
    this.maxFrame = ring.capacity / 4
    this.wakeAt = ring.capacity / 8
  }

  /** The position after the last published frame. */
  get position(): number {
    return this.write
  }

  /** Free bytes as of the last look at READ; refreshes it first. */
  freeBytes(): number {
    this.cachedRead = Atomics.load(this.ring.control, READ)
    return this.ring.capacity - ((this.write - this.cachedRead) | 0)
  }

  /**
   * Reserves `size` contiguous bytes (size is 8-aligned and at most maxFrame) and returns their
   * offset, or -1 when waitForRoom gave up. Nothing is visible to the consumer until publish().
   */
  reserve(size: number): number {
    const { capacity, mask } = this.ring
    for (let first = true; ; first = false) {
      const offset = this.write & mask
      const tail = capacity - offset
      const needed = size <= tail ? size : tail + size
      if (capacity - ((this.write - this.cachedRead) | 0) >= needed ||
          capacity - ((this.write - (this.cachedRead = Atomics.load(this.ring.control, READ))) | 0) >= needed) {
        if (size <= tail) return offset
        this.ring.ints[offset >> 2] = WRAP_MARKER
        this.write = (this.write + tail) | 0
        return 0
      }
      if (!this.waitForRoom(needed, first)) return -1
    }
  }

  /** Makes the frame at the reserved offset visible; `size` is what was reserved. */
  publish(size: number): void {
    this.write = (this.write + size) | 0
    // Store after the frame bytes: the consumer reads nothing past WRITE.
    Atomics.store(this.ring.control, WRITE, this.write)
    // After the store: a drain worker that set SLEEP looks at WRITE once more before it waits.
    const sleep = Atomics.load(this.hub, SLEEP)
    if (sleep === AWAKE || (sleep === DOZING && !this.pastWakeMark())) return
    // One producer rings per wait, however many threads publish meanwhile.
    if (Atomics.compareExchange(this.hub, SLEEP, sleep, AWAKE) !== sleep) return
    Atomics.add(this.hub, WAKE, 1)
    Atomics.notify(this.hub, WAKE)
  }

  private pastWakeMark(): boolean {
    const { wakeAt } = this
    // The cached READ only makes the ring look fuller: look at the real one before ringing.
    return ((this.write - this.cachedRead) | 0) > wakeAt && ((this.write - (this.cachedRead = Atomics.load(this.ring.control, READ))) | 0) > wakeAt
  }
}

/** The consumer's cursor. Only the lock holder moves READ. */
export class RingConsumer {
  constructor(readonly ring: RingViews) {}

  get read(): number {
    return Atomics.load(this.ring.control, READ)
  }

  get written(): number {
    return Atomics.load(this.ring.control, WRITE)
  }

  /**
   * Visits the frames between `from` (READ, unless the consumer read ahead of it) and WRITE, at most
   * `maxBytes` of ring, and returns the position after them; the caller publishes a read position
   * with commit() once the frames' output is written.
   */
  scan(from: number, maxBytes: number, visit: (offset: number, length: number, position: number) => void): number {
    const { ring } = this
    const end = Atomics.load(ring.control, WRITE)
    let pos = from
    const used = (end - Atomics.load(ring.control, READ)) | 0
    if (used > ring.stats[STAT_HIGH_WATER]) ring.stats[STAT_HIGH_WATER] = used
    // Counted from `from`, not READ: READ held at a fragmented frame's start is far behind, and a
    // stop past WRITE would visit a frame the producer is still copying.
    const stop = ((end - pos) | 0) > maxBytes ? (pos + maxBytes) | 0 : end
    while (((stop - pos) | 0) > 0) {
      const offset = pos & ring.mask
      const length = ring.ints[offset >> 2]
      if (length === WRAP_MARKER) {
        pos = (pos + ring.capacity - offset) | 0
        continue
      }
      visit(offset, length, pos)
      pos = (pos + align8(length)) | 0
    }
    return pos
  }

  commit(position: number): void {
    Atomics.store(this.ring.control, READ, position)
    // A producer blocked for room waits on READ.
    Atomics.notify(this.ring.control, READ)
  }
}
