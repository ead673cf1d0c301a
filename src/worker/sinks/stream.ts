import { BroadcastChannel, threadId } from 'node:worker_threads'
import { streamTarget, type HandedBack, type StreamConfig, type StreamTarget } from '../../stream-sinks.js'
import type { Output } from '../output.js'

/**
 * A Writable of a logging thread, from the drain worker: the stream cannot cross threads, so each
 * batch's bytes are copied into a message on the owning thread's control channel, and that thread
 * writes them (src/stream-sinks.ts). Counted as written once handed back; a write the stream then
 * fails is taken back by the thread's metrics.
 */
class HandBackSink {
  private readonly channel: BroadcastChannel
  private readonly sent: Int32Array

  constructor(private readonly config: StreamConfig) {
    this.channel = new BroadcastChannel(config.channel)
    this.channel.unref()
    this.sent = new Int32Array(config.sent)
  }

  write(out: Output): void {
    // Exactly the batch: a view would carry the whole output buffer into the message.
    const bytes = new ArrayBuffer(out.pos)
    out.buf.copy(new Uint8Array(bytes), 0, 0, out.pos)
    const message: HandedBack = { type: 'stream', stream: this.config.id, bytes, records: out.records }
    this.channel.postMessage(message)
    // After the post: a thread that reads N here has N batches on their way (flush() waits for them).
    Atomics.add(this.sent, 1, out.records)
    Atomics.add(this.sent, 0, 1)
  }

  /** A header (csv's) goes at the start of what this logger writes, whatever the stream held before. */
  isEmpty(): boolean {
    return true
  }

  close(): void {
    this.channel.close()
  }
}

/**
 * The same stream, on the thread that owns it, when that thread drains its ring itself (`worker:
 * false`, before the drain worker has it, at exit): written directly.
 */
class OwnStreamSink {
  constructor(private readonly config: StreamConfig) {}

  write(out: Output): void {
    // A copy: the output is reused for the next batch while the stream may keep this one buffered.
    this.target()?.write(Buffer.from(out.buf.subarray(0, out.pos)), out.records)
  }

  isEmpty(): boolean {
    return true
  }

  /** The stream is the application's: it stays open. */
  close(): void {}

  /** Undefined once the logger let it go; its pipeline has nothing left to write by then. */
  private target(): StreamTarget | undefined {
    return streamTarget(this.config.id)
  }
}

/** The sink for a stream: written here if this is the stream's thread, handed back to it otherwise. */
export function streamSink(config: StreamConfig): HandBackSink | OwnStreamSink {
  return config.thread === threadId ? new OwnStreamSink(config) : new HandBackSink(config)
}
