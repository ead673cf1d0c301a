import { writeSync } from 'node:fs'
import { Writable } from 'node:stream'
import { threadId } from 'node:worker_threads'
import { processHub } from './hub.js'
import { shared } from './shared.js'
import { describe, errorCode } from './serialize.js'

/**
 * A stream sink as the pipeline knows it: plain data, because it crosses into the drain worker,
 * which cannot have the stream itself. The thread that owns the stream keeps it under `id`.
 */
export interface StreamConfig {
  /** The thread that owns the stream; the drain worker hands the bytes back to it. */
  thread: number
  id: number
  /** The thread's control channel (src/thread-link.ts), which the batches go back on. */
  channel: string
  /**
   * Two int32: the batches the drain worker has handed back so far, and their records. It counts
   * after it posts, so a thread that reads N here will receive at least N batches: what flush()
   * waits for.
   */
  sent: SharedArrayBuffer
}

/** The bytes of one batch, from the drain worker to the stream's thread (src/control.ts). */
export interface HandedBack {
  type: 'stream'
  stream: number
  bytes: ArrayBuffer
  records: number
}

/**
 * A Writable of this thread that a logger writes to. Every batch is one stream.write(); its
 * callback tells whether it went out. write() returning false (the stream is past its
 * highWaterMark) does not hold anything back: the drain worker cannot wait for one thread's
 * stream without holding up every other logger, so the batch is buffered in the stream
 * (`writableLength`) and flush() waits until the stream has taken it.
 */
export class StreamTarget {
  readonly config: StreamConfig
  /** Records of batches the stream failed to write: counted as written when handed over, so taken back in metrics(). */
  failed = 0
  failedBytes = 0
  lastError: string | undefined
  private readonly sent: Int32Array
  private received = 0
  private receivedRecords = 0
  /** Batches given to stream.write(), and those whose callback came. */
  private issued = 0
  private settled = 0
  private said = false
  private readonly waiters: { done: () => boolean; resolve: () => void }[] = []
  private readonly onError = (error: unknown): void => this.fail(error)

  constructor(readonly stream: Writable, id: number) {
    const sent = new SharedArrayBuffer(8)
    this.sent = new Int32Array(sent)
    this.config = { thread: threadId, id, channel: processHub().threadChannel(threadId), sent }
    // Without a listener a stream's 'error' would end the process; here it is counted and said once.
    stream.on('error', this.onError)
  }

  /** A batch handed back by the drain worker. */
  receive(message: HandedBack): void {
    this.received++
    this.receivedRecords += message.records
    this.write(Buffer.from(message.bytes), message.records)
  }

  /** Writes one batch of whole records; `bytes` must not be reused (the stream may keep it buffered). */
  write(bytes: Buffer, records: number): void {
    this.issued++
    const done = (error?: Error | null): void => {
      this.settled++
      if (error) {
        this.failed += records
        this.failedBytes += bytes.length
        this.fail(error)
      }
      this.wake()
    }
    try {
      this.stream.write(bytes, done)
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)))
    }
  }

  /**
   * Resolves once the stream has taken every batch the drain worker had handed back when this was
   * called (their write callbacks came, with or without an error). `link` keeps the thread alive
   * while batches are on their way, not while the stream takes them: a stream nobody reads (a
   * PassThrough not piped) stops calling back, and must not keep the process from ending.
   */
  async handedBack(link?: { hold(): void; release(): void }): Promise<void> {
    const sent = Atomics.load(this.sent, 0)
    if (this.received < sent) {
      link?.hold()
      try {
        await this.until(() => this.received >= sent)
      } finally {
        link?.release()
      }
    }
    const issued = this.issued
    await this.until(() => this.settled >= issued)
  }

  /**
   * At exit, after this thread wrote what its ring held: batches the drain worker handed back
   * before are in messages this thread's event loop will not take any more. Said, not silently lost.
   */
  sayUnreceived(): void {
    const records = Atomics.load(this.sent, 1) - this.receivedRecords
    if (records <= 0) return
    try {
      writeSync(2, `ringlog: ${records} records formatted for a stream sink were not written: the process exited before its event loop took them; await log.flush() before process.exit()\n`)
    } catch {
      // stderr is gone too.
    }
  }

  /** Batches handed back are on their way to this thread. */
  get inFlight(): boolean {
    return this.received < Atomics.load(this.sent, 0)
  }

  /** The logger is closed: the stream is the application's, so it is left open. */
  close(): void {
    this.stream.off('error', this.onError)
    streams().targets.delete(this.config.id)
  }

  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ done, resolve }))
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]
      if (!waiter.done()) continue
      this.waiters.splice(i, 1)
      waiter.resolve()
    }
  }

  private fail(error: unknown): void {
    const code = errorCode(error)
    const message = describe(error)
    this.lastError = `write ${code}: ${message}`
    if (this.said) return
    this.said = true
    try {
      writeSync(2, `ringlog: cannot write records to the stream (${code}): ${message}; failed records are counted in metrics().failed\n`)
    } catch {
      // stderr itself is gone: the count in metrics() is all that is left.
    }
  }
}

/** This thread's stream sinks by id, shared by both builds: a batch handed back finds its stream whichever build made it. */
function streams(): { next: number; targets: Map<number, StreamTarget> } {
  return shared('streams', () => ({ next: 1, targets: new Map<number, StreamTarget>() }))
}

/** Whether `value` is a stream ringlog can write to: any Node Writable (Duplex, Transform and PassThrough are). */
export function isWritable(value: unknown): value is Writable {
  return value instanceof Writable
}

/** Makes `stream` a sink of one logger; each logger has its own target, with its own counts. */
export function addStream(stream: Writable): StreamConfig {
  const registry = streams()
  const target = new StreamTarget(stream, registry.next++)
  registry.targets.set(target.config.id, target)
  return target.config
}

/** The target of a sink of this thread; undefined once its logger closed. */
export function streamTarget(id: number): StreamTarget | undefined {
  return streams().targets.get(id)
}

/** A batch the drain worker handed back. One for a closed logger is dropped: close() waited for everything logged before it. */
export function receiveBatch(message: HandedBack): void {
  streamTarget(message.stream)?.receive(message)
}

/** The targets of a logger's stream sinks. */
export function targetsOf(sinks: readonly { stream?: StreamConfig }[]): StreamTarget[] {
  const targets: StreamTarget[] = []
  for (const sink of sinks) {
    const target = sink.stream === undefined ? undefined : streamTarget(sink.stream.id)
    if (target !== undefined) targets.push(target)
  }
  return targets
}

type Counts = { written: number; failed: number; bytes: number; lastError: string | undefined }

/** A logger's counts with its streams' failures: counted as written when handed over, failed once the stream said so. */
export function withStreamFailures<M extends Counts>(metrics: M, targets: readonly StreamTarget[]): M {
  for (const target of targets) {
    metrics.written -= target.failed
    metrics.failed += target.failed
    metrics.bytes -= target.failedBytes
    metrics.lastError = target.lastError ?? metrics.lastError
  }
  return metrics
}
