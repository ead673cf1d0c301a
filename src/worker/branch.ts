import { KIND_RECORD, OFFSET_KIND, OFFSET_TIME } from '../frame.js'
import type { FormatOptions } from './format/format.js'
import { createFormat } from './format/formats.js'
import { FrameReader } from './frames.js'
import { Output } from './output.js'
import { FdSink } from './sinks/fd.js'
import { RotatingFile, type FileConfig } from './sinks/rotation.js'

/** One sink as the worker needs it: plain data. Either `fd` or `file`. */
export interface SinkConfig {
  fd?: number
  file?: FileConfig
  /** Records below this level number are not written to this sink. */
  minLevel: number
  format: FormatOptions
}

/** Where a branch's bytes go. */
export interface Sink {
  write(chunk: Buffer): void
  isEmpty(): boolean
  reopen(): void
  close(): void
}

/**
 * The part of the pipeline each sink has for itself: its reader (its own table of bindings made
 * ready for its format), its format, its output buffer and its destination; for a file that
 * rotates, the rotation, decided between records.
 */
export class Branch {
  readonly out = new Output()
  readonly reader: FrameReader<unknown>
  readonly sink: Sink
  readonly rotating: RotatingFile | undefined

  /**
   * @param recover whether this branch tidies what an earlier run left (partial archives): the
   * drain worker's and the inline pipeline do, the calling thread's stand-in does not.
   * @param failed errors that happen outside a write (archiving, renaming).
   */
  constructor(config: SinkConfig, recover: boolean, failed: (error: unknown) => void) {
    if (config.file !== undefined) {
      this.rotating = new RotatingFile(config.file, recover, failed)
      this.sink = this.rotating.file
    } else {
      this.sink = new FdSink(config.fd ?? 1)
    }
    this.reader = new FrameReader(createFormat(this.out, config.format), () => this.sink.isEmpty(), config.minLevel)
  }

  /**
   * Formats one frame. `flush(upTo)` writes the first `upTo` bytes of the output to the sink (the
   * records before a rotation).
   */
  frame(src: Buffer, offset: number, length: number, flush: (upTo: number) => void): void {
    const rotating = this.rotating
    if (rotating === undefined || src[offset + OFFSET_KIND] !== KIND_RECORD) {
      this.format(src, offset, length)
      return
    }
    const out = this.out
    // Another consumer may have written or rotated the file since this one last did.
    if (out.pos === 0) rotating.file.refresh()
    const time = src.readDoubleLE(offset + OFFSET_TIME)
    if (rotating.periodChanges(time)) {
      if (out.pos > 0) flush(out.pos)
      rotating.rotate()
    }
    const mark = out.pos
    this.format(src, offset, length)
    if (out.pos === mark) return
    if (rotating.overSize(mark, out.pos)) {
      if (mark > 0) flush(mark)
      rotating.rotate()
    }
    rotating.noteRecord(time)
  }

  /** A frame that cannot be formatted leaves nothing half written behind; the error goes on to be counted. */
  private format(src: Buffer, offset: number, length: number): void {
    const mark = this.out.pos
    try {
      this.reader.frame(src, offset, length)
    } catch (error) {
      this.out.pos = mark
      throw error
    }
  }
}
