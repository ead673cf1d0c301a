/**
 * An asynchronous sink's counters, in shared memory: the worker's sink (and the calling thread's, when
 * it drains its ring itself) adds to them, and the logger reads them for metrics() and flush() without
 * a round trip. 64-bit: a sink at 500,000 records/s passes 2^31 in an hour.
 */
const SENT = 0
const RETRIED = 1
const FAILED = 2
const SPOOLED = 3
const DROPPED = 4
/** Records taken and not yet sent, failed, dropped or spooled: in memory, queued or in flight. */
const IN_FLIGHT = 5
/** Records in the spool's files now. */
const ON_DISK = 6
const CIRCUIT_OPEN = 7
const COUNTERS = 8

/** An Int32 word bumped on every change, that flush() waits on. */
const CHANGES_BYTE = COUNTERS * 8
const ERROR_LENGTH_BYTE = CHANGES_BYTE + 4
const ERROR_BYTE = ERROR_LENGTH_BYTE + 4
const ERROR_BYTES = 512
const SIZE = ERROR_BYTE + ERROR_BYTES

/** What metrics().sinks says of one asynchronous sink. */
export interface ShippingMetrics {
  /** The sink's `name`, or `sinks[i] (type)`. */
  name: string
  type: string
  /** Records the destination has. */
  sent: number
  /** Records sent again after a failed try (each try counted). */
  retried: number
  /** Records the destination refused for good (an HTTP 4xx other than 408 and 429), or that could not be sent. */
  failed: number
  /** Records written to the disk spool (they are sent from there, and counted in `sent` then). */
  spooled: number
  /** Records let go: the memory buffer or the spool was full, or close() timed out without a spool. */
  dropped: number
  /** Records in memory not yet sent: batching, queued, or in a request. */
  inFlight: number
  /** Records in the spool's files now. */
  onDisk: number
  /** True while the destination is taken for down: batches are held (or spooled) and it is probed now and then. */
  circuitOpen: boolean
  /** The latest failure, like `HTTP 503: busy` or `connect ECONNREFUSED 127.0.0.1:9999`. */
  lastError: string | undefined
}

export class SinkCounters {
  private readonly counts: BigInt64Array
  private readonly words: Int32Array
  private readonly bytes: Uint8Array

  constructor(readonly sab: SharedArrayBuffer = new SharedArrayBuffer(SIZE)) {
    this.counts = new BigInt64Array(sab, 0, COUNTERS)
    this.words = new Int32Array(sab, CHANGES_BYTE, 2)
    this.bytes = new Uint8Array(sab, ERROR_BYTE, ERROR_BYTES)
  }

  private add(index: number, n: number): void {
    if (n === 0) return
    Atomics.add(this.counts, index, BigInt(n))
  }

  private get(index: number): number {
    return Number(Atomics.load(this.counts, index))
  }

  /** Wakes whoever waits for a change (flush()). */
  private changed(): void {
    Atomics.add(this.words, 0, 1)
    Atomics.notify(this.words, 0)
  }

  accepted(n: number): void {
    this.add(IN_FLIGHT, n)
  }

  sent(n: number): void {
    this.add(SENT, n)
    this.changed()
  }

  retried(n: number): void {
    this.add(RETRIED, n)
  }

  /** Refused for good, or unsendable. */
  failed(n: number): void {
    this.add(FAILED, n)
    this.changed()
  }

  dropped(n: number): void {
    this.add(DROPPED, n)
    this.changed()
  }

  /** Records that leave memory: sent, failed, dropped or spooled from there. */
  leftMemory(n: number): void {
    this.add(IN_FLIGHT, -n)
    this.changed()
  }

  spooled(n: number): void {
    this.add(SPOOLED, n)
    this.add(ON_DISK, n)
  }

  /** Records that leave the spool's files: sent, failed or dropped from there. */
  leftDisk(n: number): void {
    this.add(ON_DISK, -n)
    this.changed()
  }

  /** Spool files of an earlier process, found at start. */
  foundOnDisk(n: number): void {
    this.add(ON_DISK, n)
  }

  circuit(open: boolean): void {
    Atomics.store(this.counts, CIRCUIT_OPEN, open ? 1n : 0n)
    this.changed()
  }

  error(text: string): void {
    const encoded = Buffer.from(text.length > ERROR_BYTES ? text.slice(0, ERROR_BYTES) : text)
    const length = Math.min(encoded.length, ERROR_BYTES)
    // Torn reads are possible and harmless: the text is for people, and the next error rewrites it.
    this.bytes.set(encoded.subarray(0, length))
    Atomics.store(this.words, 1, length)
  }

  get inFlight(): number {
    return this.get(IN_FLIGHT)
  }

  get changes(): number {
    return Atomics.load(this.words, 0)
  }

  /** Resolves on the next change, or after `ms`. */
  async changeAfter(seen: number, ms: number): Promise<void> {
    const wait = Atomics.waitAsync(this.words, 0, seen, ms)
    if (wait.async) await wait.value
  }

  metrics(name: string, type: string): ShippingMetrics {
    const length = Atomics.load(this.words, 1)
    return {
      name,
      type,
      sent: this.get(SENT),
      retried: this.get(RETRIED),
      failed: this.get(FAILED),
      spooled: this.get(SPOOLED),
      dropped: this.get(DROPPED),
      inFlight: this.get(IN_FLIGHT),
      onDisk: this.get(ON_DISK),
      circuitOpen: this.get(CIRCUIT_OPEN) === 1,
      lastError: length === 0 ? undefined : Buffer.from(this.bytes.subarray(0, length)).toString('utf8').replace(/\uFFFD+$/, ''),
    }
  }
}
