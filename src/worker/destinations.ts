import { writeSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Output } from './output.js'
import { FdSink } from './sinks/fd.js'
import { RotatingFile, type FileConfig } from './sinks/rotation.js'
import { streamSink } from './sinks/stream.js'
import type { StreamConfig } from '../stream-sinks.js'
import type { ShipConfig } from '../shipping/ship-options.js'
import { shippedSink } from './shipping/shipped.js'

/** Where a branch's bytes go. */
export interface Sink {
  /** Writes the output's records, whole; throws when they cannot be written. */
  write(out: Output): void
  isEmpty(): boolean
  close(): void
  /** Resolves once what close() started is done (an asynchronous sink's last batches). */
  idle?(): Promise<void>
  /** A flush: the batch being made goes out now. */
  seal?(): void
  /** The process ends with no turn of the event loop left: what is in memory is spooled or counted. */
  abandon?(): void
}

/** One destination as its users see it: the sink, and for a file its rotation. */
export interface Writer {
  readonly sink: Sink
  readonly rotating: RotatingFile | undefined
}

interface Shared extends Writer {
  readonly key: string
  /** The file options it was opened with, to spot a second logger that asks for others. */
  readonly options: string
  users: number
}

/**
 * The destinations every pipeline of this thread writes to, by descriptor, absolute path or stream: two
 * loggers that name the same file or fd write through one writer (one open file, one rotation),
 * which is closed when the last of them lets go.
 */
class Destinations {
  private readonly open = new Map<string, Shared>()

  /** @param failed errors that happen outside a write (archiving, renaming), told to the first user. */
  acquire(target: { fd?: number; file?: FileConfig; stream?: StreamConfig; ship?: ShipConfig }, failed: (error: unknown) => void): Writer {
    // Each logger's network sink batches for itself.
    if (target.ship !== undefined) {
      const shared: Shared = { key: `ship:${target.ship.id}`, options: '', users: 1, rotating: undefined, sink: shippedSink(target.ship) }
      return shared
    }
    const file = target.file === undefined ? undefined : { ...target.file, path: resolve(target.file.path) }
    const { stream } = target
    const key = stream !== undefined ? `stream:${stream.thread}:${stream.id}` : file === undefined ? `fd:${target.fd ?? 1}` : `file:${file.path}`
    const options = JSON.stringify(file ?? {})
    const known = this.open.get(key)
    if (known !== undefined) {
      if (known.options !== options) {
        writeSync(2, `ringlog: ${file?.path} is written by two loggers with different file options; the first one's apply\n`)
      }
      known.users++
      return known
    }
    const rotating = file === undefined ? undefined : new RotatingFile(file, failed)
    const sink = rotating?.file ?? (stream === undefined ? new FdSink(target.fd ?? 1) : streamSink(stream))
    const shared: Shared = { key, options, users: 1, rotating, sink }
    this.open.set(key, shared)
    return shared
  }

  release(writer: Writer): void {
    const shared = writer as Shared
    if (--shared.users > 0) return
    this.open.delete(shared.key)
    shared.sink.close()
  }
}

/** This thread's destinations. */
export const destinations = new Destinations()
