import type { ShipConfig } from '../../shipping/ship-options.js'
import { SinkCounters } from '../../shipping/sink-counters.js'
import type { Output } from '../output.js'
import type { Delivery } from './delivery.js'
import { Sender } from './sender.js'

/** Batch buffers kept for reuse: one being sent, one or two waiting, the next being filled. */
const SPARE_BUFFERS = 3

/** This thread's asynchronous sinks: a flush seals their batches, the exit settles them. */
const live = new Set<AsyncSink>()

/**
 * A sink for a slow, remote, sometimes absent destination. write() only copies the records into
 * the batch being made, and returns: the drain loop and the other sinks never wait for the
 * network. A batch is sealed when it holds `batch.records` records or `batch.bytes` bytes, or its
 * first record is `batch.wait` old, and goes to the Sender, which sends, retries and spools.
 */
export class AsyncSink {
  private readonly counters: SinkCounters
  private readonly sender: Sender
  private bytes: Buffer = Buffer.allocUnsafe(1 << 16)
  private readonly spare: Buffer[] = []
  private pos = 0
  private ends = new Int32Array(256)
  private count = 0
  private timer: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined
  private written = false

  constructor(private readonly config: ShipConfig, delivery: Promise<Delivery>) {
    this.counters = new SinkCounters(config.counters)
    this.sender = new Sender(config, this.counters, delivery)
    live.add(this)
  }

  /** Takes the output's records into batches; never throws for the destination's sake. */
  write(out: Output): void {
    const { records: maxRecords, bytes: maxBytes } = this.config.batch
    this.counters.accepted(out.records)
    this.written = true
    let start = 0
    for (let i = 0; i < out.records;) {
      // As many records as fit the batch, copied at once.
      let j = i
      while (j < out.records && this.count + (j - i) < maxRecords && (j === i || this.pos + out.ends[j] - start <= maxBytes)) j++
      const end = out.ends[j - 1]
      this.append(out.buf, start, end, out.ends, i, j)
      start = end
      i = j
      if (this.count >= maxRecords || this.pos >= maxBytes) this.seal()
    }
    if (this.count > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.seal(), this.config.batch.waitMs)
      this.timer.unref()
    }
  }

  /** A csv header starts the first batch only. */
  isEmpty(): boolean {
    return !this.written
  }

  /** The batch being made goes out now (a flush asked for it). */
  seal(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.count === 0) return
    const ends = this.ends.slice(0, this.count)
    if (this.pos * 2 >= this.bytes.length) {
      // Mostly full: the buffer goes with the batch and comes back once it is sent. A new buffer
      // for every batch costs more than its copy: the first write to each of its pages faults.
      const full = this.bytes
      this.sender.add({ bytes: full.subarray(0, this.pos), ends, count: this.count }, () => this.recycle(full))
      this.bytes = this.spare.pop() ?? Buffer.allocUnsafe(full.length)
    } else {
      // A batch the age sealed early keeps only its bytes, not the buffer's room (held batches count by their size).
      const bytes = Buffer.allocUnsafe(this.pos)
      this.bytes.copy(bytes, 0, 0, this.pos)
      this.sender.add({ bytes, ends, count: this.count })
    }
    this.pos = 0
    this.count = 0
  }

  /** At exit, or on a signal: what is in memory is sent within the close timeout, or spooled, or counted as dropped. */
  settle(): Promise<void> {
    this.seal()
    return this.sender.settle(performance.now() + this.config.closeTimeoutMs)
  }

  abandon(): void {
    this.seal()
    this.sender.spill()
  }

  /** The last logger writing here let go: sent within the close timeout, then spooled or counted. */
  close(): void {
    this.closing ??= this.shutdown()
  }

  /** Resolves once close() is done. */
  idle(): Promise<void> {
    return this.closing ?? Promise.resolve()
  }

  private async shutdown(): Promise<void> {
    this.seal()
    await this.sender.close(performance.now() + this.config.closeTimeoutMs)
    live.delete(this)
  }

  /** A batch's buffer back from the sender: kept for the next batches, a few at most. */
  private recycle(buffer: Buffer): void {
    if (this.spare.length < SPARE_BUFFERS && buffer.length >= this.bytes.length) this.spare.push(buffer)
  }

  private append(src: Buffer, start: number, end: number, ends: Int32Array, from: number, to: number): void {
    const n = end - start
    if (this.pos + n > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.pos + n))
      this.bytes.copy(bigger, 0, 0, this.pos)
      this.bytes = bigger
    }
    src.copy(this.bytes, this.pos, start, end)
    if (this.count + (to - from) > this.ends.length) {
      const bigger = new Int32Array(Math.max(this.ends.length * 2, this.count + (to - from)))
      bigger.set(this.ends.subarray(0, this.count))
      this.ends = bigger
    }
    const shift = this.pos - start
    for (let i = from; i < to; i++) this.ends[this.count++] = ends[i] + shift
    this.pos += n
  }
}

/** A flush: every batch being made goes out now. */
export function sealAll(): void {
  for (const sink of live) sink.seal()
}

/** The exit: every sink's batches sent within its close timeout, or spooled, or counted. */
export function settleAll(): Promise<void> {
  return Promise.all([...live].map((sink) => sink.settle())).then(() => undefined)
}

export function hasAsyncSinks(): boolean {
  return live.size > 0
}
