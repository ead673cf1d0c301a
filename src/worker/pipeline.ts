import { writeSync } from 'node:fs'
import { STAT_BYTES, STAT_FAILED, STAT_WRITTEN, type RingConsumer } from '../ring.js'
import { Branch, type SinkConfig } from './branch.js'

/** What a pipeline needs to know; plain data, because it crosses into the worker. */
export interface PipelineOptions {
  sinks: SinkConfig[]
}

/**
 * Frames in, bytes out: for each sink a reader, a format and a destination. The drain worker runs one; the calling thread runs
 * another for `worker: false` and for the times it drains the ring itself (before the worker is up,
 * after it died, at exit). Both produce the same bytes from the same frames.
 */
export class Pipeline {
  private readonly branches: Branch[]
  private readonly reported = new Set<string>()

  constructor(options: PipelineOptions, private readonly stats: Float64Array) {
    this.branches = options.sinks.map((sink) => new Branch(sink))
  }

  /** True while a fragmented frame is half read: the ring must not change hands then. */
  get midFrame(): boolean {
    return this.branches.some((branch) => branch.reader.midFrame)
  }

  /** Feeds frames known from before (child bindings) without writing anything. */
  replay(frames: readonly Uint8Array[]): void {
    for (const frame of frames) this.frame(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 0, frame.byteLength)
  }

  frame(src: Buffer, offset: number, length: number): void {
    for (const branch of this.branches) {
      const mark = branch.out.pos
      try {
        branch.reader.frame(src, offset, length)
      } catch (error) {
        // A frame that cannot be formatted is counted and skipped; it must not stop the others.
        branch.out.pos = mark
        this.stats[STAT_FAILED]++
        this.report('format', error)
      }
    }
  }

  /**
   * Writes what has been formatted; records that cannot be written are counted as failed. With
   * several sinks a record counts once for each sink it was written to.
   */
  write(): void {
    for (const { out, sink } of this.branches) {
      if (out.pos === 0) continue
      const records = out.records
      const bytes = out.pos
      const chunk = out.take()
      try {
        sink.write(chunk)
        this.stats[STAT_WRITTEN] += records
        this.stats[STAT_BYTES] += bytes
      } catch (error) {
        this.stats[STAT_FAILED] += records
        this.report('write', error)
      }
    }
  }

  /** Formats and writes up to maxBytes of the ring, then publishes the read position. */
  drain(consumer: RingConsumer, maxBytes: number): boolean {
    const from = consumer.read
    const bytes = consumer.ring.bytes
    const to = consumer.scan(maxBytes, (offset, length) => this.frame(bytes, offset, length))
    if (to === from) return false
    this.write()
    // Publish only after the write: a new consumer resumes here if this one dies.
    consumer.commit(to)
    return true
  }

  close(): void {
    this.write()
    for (const branch of this.branches) branch.sink.close()
  }

  private report(stage: string, error: unknown): void {
    const code = (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.name : 'Error')
    const key = `${stage}:${code}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    const message = error instanceof Error ? error.message : String(error)
    try {
      writeSync(2, `ringlog: cannot ${stage} records (${code}): ${message}; failed records are counted in metrics().failed\n`)
    } catch {
      // stderr itself is gone: the count in metrics() is all that is left.
    }
  }
}
