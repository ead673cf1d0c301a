import { RingMetrics } from './ring-metrics.js'
import { pipelineOptions, type ResolvedOptions } from './config.js'
import { loadedPipeline, loadPipeline } from './pipeline-loader.js'
import { STAT_BYTES, STAT_COUNT, STAT_FAILED, STAT_WRITTEN } from './ring.js'
import { drainOnExit, flushBeforeExit, forgetBeforeExit, forgetOnExit } from './exit.js'
import { ShippedSinks } from './shipping/shipped-sinks.js'
import { targetsOf, withStreamFailures, type StreamTarget } from './stream-sinks.js'
import { policyMetrics, type TransportMetrics, type Transport } from './transport.js'
import type { Pipeline, PipelineOptions } from './worker/pipeline.js'

/**
 * What a worker thread's `worker: false` logger holds before the thread has loaded the pipeline
 * (it does on first use, asynchronously): past this, records are dropped and counted.
 */
const MAX_WAITING_BYTES = 8 << 20

/** `worker: false`: the same pipeline as the drain worker's, run on the calling thread, one write per record. */
export class InlineTransport implements Transport {
  private readonly stats = new Float64Array(STAT_COUNT)
  readonly ringMetrics = RingMetrics.alone()
  readonly ringSize = 0
  readonly drainState = undefined
  private readonly options: PipelineOptions
  private readonly streams: StreamTarget[]
  private readonly shipped: ShippedSinks
  private pipeline: Pipeline | undefined
  /** Frames logged before the pipeline was loaded, in order; written as soon as it is. */
  private waiting: Buffer[] = []
  private waitingBytes = 0
  private readonly loaded: Promise<void>
  private closed = false
  private closing: Promise<void> | undefined
  private dropped = 0
  readonly position = 0
  readonly consumed = 0

  constructor(options: ResolvedOptions) {
    this.options = pipelineOptions(options)
    this.streams = targetsOf(options.sinks)
    this.shipped = new ShippedSinks(options.sinks)
    if (this.shipped.any) {
      // Network sinks send from this thread's event loop: at its end they are flushed, at exit they spool.
      flushBeforeExit(this)
      drainOnExit(this)
    }
    const Loaded = loadedPipeline()
    if (Loaded !== undefined) {
      this.pipeline = new Loaded(this.options, this.stats, this.ringMetrics)
      this.loaded = this.pipeline.ready
    } else {
      this.loaded = loadPipeline().then((Pipeline) => {
        const pipeline = (this.pipeline = new Pipeline(this.options, this.stats, this.ringMetrics))
        for (const frame of this.waiting) this.writeNow(pipeline, frame, frame.length)
        this.waiting = []
        // Processors hold what came before they loaded: flush() and close() wait for it.
        return pipeline.ready
      })
    }
  }

  write(frame: Buffer, length: number): boolean {
    if (this.closed || (this.pipeline === undefined && this.waitingBytes + length > MAX_WAITING_BYTES)) {
      this.dropped++
      return false
    }
    if (this.pipeline === undefined) {
      this.waiting.push(Buffer.from(frame.subarray(0, length)))
      this.waitingBytes += length
      return true
    }
    this.writeNow(this.pipeline, frame, length)
    return true
  }

  /** Every record is written to its destination as it is logged; a stream may still hold some, which it is waited for. */
  async flush(): Promise<void> {
    await this.loaded
    await Promise.all(this.streams.map((stream) => stream.handedBack()))
    await this.shipped.settled(() => this.pipeline?.seal())
  }

  /** Once: a second call, concurrent or later, resolves when the first is done. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown())
  }

  /** Network sinks hold records not yet sent. */
  get pending(): boolean {
    return this.shipped.inFlight
  }

  holdForExit(): void {}

  private async shutdown(): Promise<void> {
    this.closed = true
    forgetBeforeExit(this)
    forgetOnExit(this)
    await this.loaded
    this.pipeline!.close()
    await this.pipeline!.idle()
    await Promise.all(this.streams.map((stream) => stream.handedBack()))
    for (const stream of this.streams) stream.close()
  }

  /** At exit: network sinks cannot send any more; what they hold is spooled or counted. */
  drainSync(final: boolean): void {
    if (final) this.pipeline?.abandon()
  }

  metrics(): TransportMetrics {
    return withStreamFailures({
      written: this.stats[STAT_WRITTEN],
      dropped: this.dropped,
      failed: this.stats[STAT_FAILED],
      bytes: this.stats[STAT_BYTES],
      ringHighWater: 0,
      workerRestarts: 0,
      writtenOnCaller: this.stats[STAT_WRITTEN],
      ...policyMetrics(this.stats),
      lastError: this.pipeline?.lastError,
      sinks: this.shipped.metrics(),
    }, this.streams)
  }

  private writeNow(pipeline: Pipeline, frame: Buffer, length: number): void {
    pipeline.frame(frame, 0, length)
    pipeline.write()
  }
}
