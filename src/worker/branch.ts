import type { FormatOptions } from './format/format.js'
import { createFormat } from './format/formats.js'
import { FrameReader } from './frames.js'
import { Output } from './output.js'
import { FdSink, type Destination } from './sinks/fd.js'

/** One sink as the worker needs it: plain data. */
export interface SinkConfig {
  destination: Destination
  /** Records below this level number are not written to this sink. */
  minLevel: number
  format: FormatOptions
}

/**
 * The part of the pipeline each sink has for itself: its reader (its own table of bindings made
 * ready for its format), its format, its output buffer and its destination.
 */
export class Branch {
  readonly out = new Output()
  readonly reader: FrameReader<unknown>
  readonly sink: FdSink

  constructor(config: SinkConfig) {
    this.sink = new FdSink(config.destination)
    this.reader = new FrameReader(createFormat(this.out, config.format), () => this.sink.isEmpty(), config.minLevel)
  }
}
