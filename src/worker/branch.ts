import { KIND_EVENT, KIND_RECORD, KIND_REOPEN, OFFSET_KIND, OFFSET_LEVEL, OFFSET_TIME } from '../frame.js'
import { destinations, type Sink, type Writer } from './destinations.js'
import type { Format, FormatOptions } from './format/format.js'
import { createFormat } from './format/formats.js'
import { FrameReader } from './frames.js'
import { Output } from './output.js'
import type { FilterConfig } from './policy/filter.js'
import type { FileConfig, RotatingFile } from './sinks/rotation.js'
import type { StreamConfig } from '../stream-sinks.js'
import type { ShipConfig } from '../shipping/ship-options.js'
import { shippedFormat } from './shipping/shipped.js'

/** One sink as the worker needs it: plain data. One of `fd`, `file`, `stream` or `ship`. */
export interface SinkConfig {
  fd?: number
  file?: FileConfig
  /** A Writable of the logging thread, by its id there. */
  stream?: StreamConfig
  /** A destination on the network (http, syslog, ...), sent to asynchronously. */
  ship?: ShipConfig
  /** Records below this level number are not written to this sink. */
  minLevel: number
  /** Only the records this filter lets through are written to this sink. */
  filter?: FilterConfig
  format: FormatOptions
}

/**
 * The part of the pipeline each sink has for itself: its reader (its own table of bindings made
 * ready for its format), its format, its output buffer, and its destination (shared with the
 * other loggers of the thread that name it); for a file that rotates, the rotation, decided
 * between records.
 */
export class Branch {
  readonly out = new Output()
  readonly reader: FrameReader<unknown>
  readonly sink: Sink
  readonly rotating: RotatingFile | undefined
  private readonly writer: Writer
  private readonly format: Format<unknown>

  /**
   * @param index the sink's place in `sinks`, which its metrics go by.
   * @param failed errors that happen outside a write (archiving, renaming).
   */
  constructor(config: SinkConfig, readonly index: number, failed: (error: unknown) => void) {
    this.writer = destinations.acquire(config, failed)
    this.sink = this.writer.sink
    this.rotating = this.writer.rotating
    this.format = config.ship === undefined ? createFormat(this.out, config.format) : shippedFormat(this.out, config.format, config.ship)
    this.reader = new FrameReader(this.format, () => this.sink.isEmpty(), config.minLevel)
  }

  /** Formats one frame. `flush()` writes the output to the sink: the records before a rotation or a reopen. */
  frame(src: Buffer, offset: number, length: number, flush: () => void): void {
    const rotating = this.rotating
    const kind = src[offset + OFFSET_KIND]
    const out = this.out
    const record = kind === KIND_RECORD || kind === KIND_EVENT
    out.level = record ? src[offset + OFFSET_LEVEL] : 0
    out.time = src.readDoubleLE(offset + OFFSET_TIME)
    if (kind === KIND_REOPEN) {
      if (rotating !== undefined) this.reopen(rotating, flush)
      return
    }
    if (rotating === undefined || !record) {
      this.formatFrame(src, offset, length)
      return
    }
    const time = out.time
    if (rotating.periodChanges(time)) {
      if (out.pos > 0) flush()
      this.rotate(rotating)
    }
    const mark = out.pos
    this.formatFrame(src, offset, length)
    if (out.pos === mark) return
    if (rotating.overSize(mark, out.pos)) {
      // The record goes to the new file, after its header: set it aside while the old file is finished.
      const record = Buffer.from(out.buf.subarray(mark, out.pos))
      out.pos = mark
      out.records--
      if (mark > 0) flush()
      this.rotate(rotating)
      out.bytes(record, 0, record.length)
      out.endRecord()
    }
    rotating.noteRecord(time)
  }

  /** Lets go of the destination: the last branch that writes it closes it. */
  close(): void {
    destinations.release(this.writer)
  }

  /** Rotates, and starts the new file with the format's header (csv's header row), if it has one. */
  private rotate(rotating: RotatingFile): void {
    if (rotating.rotate()) this.format.header()
  }

  /** Opens the path again where log.reopen() was called: what was logged before goes to the file as it was. */
  private reopen(rotating: RotatingFile, flush: () => void): void {
    if (this.out.pos > 0) flush()
    rotating.reopen()
    if (rotating.file.isEmpty()) this.format.header()
  }

  /** A frame that cannot be formatted leaves nothing half written behind; the error goes on to be counted. */
  private formatFrame(src: Buffer, offset: number, length: number): void {
    const mark = this.out.pos
    try {
      this.reader.frame(src, offset, length)
    } catch (error) {
      this.out.pos = mark
      throw error
    }
  }
}
