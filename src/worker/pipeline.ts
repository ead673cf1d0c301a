import { writeSync } from 'node:fs'
import { FILES_WRITER, STAT_BYTES, STAT_FAILED, STAT_WRITTEN, type RingConsumer } from '../ring.js'
import { Branch, type SinkConfig } from './branch.js'

/** What a pipeline needs to know; plain data, because it crosses into the worker. */
export interface PipelineOptions {
  sinks: SinkConfig[]
}

/** How a pipeline shares the logger's files and errors with the other pipeline on the same ring, if there is one. */
export interface PipelineRole {
  /** Whether it tidies what earlier runs left in rotating files' folders: one pipeline per logger does (the worker's or the inline one). */
  recover: boolean
  /** The ring's control block and an id of this pipeline: when another one wrote last, the files are looked at again first. */
  ring?: { control: Int32Array; id: number }
  /** Errors said on stderr already, by `stage:CODE`, also by the other pipeline: each is said once. */
  reported?: Set<string>
  /** Told of every error, for metrics().lastError and the other pipeline. */
  onError?: (key: string, text: string) => void
}

/**
 * Frames in, bytes out: for each sink a reader, a format and a destination. The drain worker runs one; the calling thread runs
 * another for `worker: false` and for the times it drains the ring itself (before the worker is up,
 * after it died, at exit). Both produce the same bytes from the same frames.
 */
export class Pipeline {
  private readonly branches: Branch[]
  private readonly reported: Set<string>
  /** The latest error, as `stage CODE: message`. */
  lastError: string | undefined

  constructor(options: PipelineOptions, private readonly stats: Float64Array, private readonly role: PipelineRole) {
    this.reported = role.reported ?? new Set()
    this.branches = options.sinks.map((sink) => new Branch(sink, role.recover, (error) => this.report('archive', error)))
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

  /** Resolves when the archives of rotated files asked for so far are written. */
  idle(): Promise<void> {
    return Promise.all(this.branches.map((branch) => branch.rotating?.idle())).then(() => undefined)
  }

  /** Formats and writes up to maxBytes of the ring, then publishes the read position. */
  drain(consumer: RingConsumer, maxBytes: number): boolean {
    const from = consumer.read
    const bytes = consumer.ring.bytes
    this.resync()
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

  /** Looks at the files again when the other pipeline on the ring wrote to them last. */
  private resync(): void {
    const ring = this.role.ring
    if (ring === undefined || Atomics.load(ring.control, FILES_WRITER) === ring.id) return
    for (const branch of this.branches) branch.resync()
    Atomics.store(ring.control, FILES_WRITER, ring.id)
  }

  private report(stage: string, error: unknown): void {
    const code = (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.name : 'Error')
    const text = error instanceof Error ? error.message : String(error)
    // Node's system errors start their message with the code already.
    const message = text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text
    this.lastError = `${stage} ${code}: ${message}`
    const key = `${stage}:${code}`
    this.role.onError?.(key, this.lastError)
    if (this.reported.has(key)) return
    this.reported.add(key)
    try {
      writeSync(2, `ringlog: cannot ${stage} records (${code}): ${message}; failed records are counted in metrics().failed\n`)
    } catch {
      // stderr itself is gone: the count in metrics() is all that is left.
    }
  }
}
