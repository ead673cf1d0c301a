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

  /**
   * @param recover whether this pipeline tidies what an earlier run left in rotating files' folders
   * (only one pipeline per logger should: the worker's or the inline one).
   */
  /** The latest error, as `stage CODE: message`. */
  lastError: string | undefined

  /** @param onError told of every error, for metrics().lastError. */
  constructor(options: PipelineOptions, private readonly stats: Float64Array, recover = true, private readonly onError?: (text: string) => void) {
    this.branches = options.sinks.map((sink) => new Branch(sink, recover, (error) => this.report('archive', error)))
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
      try {
        branch.frame(src, offset, length, () => this.writeBranch(branch))
      } catch (error) {
        // A frame that cannot be formatted is counted and skipped; it must not stop the others.
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
    for (const branch of this.branches) if (branch.out.pos > 0) this.writeBranch(branch)
  }

  /** Writes a branch's output; records that cannot be written are counted as failed. */
  private writeBranch(branch: Branch): void {
    const { out, sink } = branch
    const records = out.records
    const bytes = out.pos
    try {
      sink.write(out.take())
      this.stats[STAT_WRITTEN] += records
      this.stats[STAT_BYTES] += bytes
    } catch (error) {
      this.stats[STAT_FAILED] += records
      this.report('write', error)
    }
  }

  /** Opens every file sink's path again (logrotate moved the files). */
  reopen(): void {
    for (const branch of this.branches) branch.sink.reopen()
  }

  /** Resolves when the archives of rotated files asked for so far are written. */
  idle(): Promise<void> {
    return Promise.all(this.branches.map((branch) => branch.rotating?.idle())).then(() => undefined)
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
    const message = error instanceof Error ? error.message : String(error)
    this.lastError = `${stage} ${code}: ${message}`
    this.onError?.(this.lastError)
    const key = `${stage}:${code}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    try {
      writeSync(2, `ringlog: cannot ${stage} records (${code}): ${message}; failed records are counted in metrics().failed\n`)
    } catch {
      // stderr itself is gone: the count in metrics() is all that is left.
    }
  }
}
