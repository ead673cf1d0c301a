import { pipelineOptions, type ResolvedOptions } from './config.js'
import { STAT_BYTES, STAT_COUNT, STAT_FAILED, STAT_WRITTEN } from './ring.js'
import { policyMetrics, type Metrics, type Transport } from './transport.js'
import { Pipeline } from './worker/pipeline.js'

/** `worker: false`: the same pipeline as the drain worker's, run on the calling thread, one write per record. */
export class InlineTransport implements Transport {
  private readonly stats = new Float64Array(STAT_COUNT)
  private readonly pipeline: Pipeline
  private closed = false
  private dropped = 0
  readonly position = 0
  readonly consumed = 0

  constructor(options: ResolvedOptions) {
    this.pipeline = new Pipeline(pipelineOptions(options), this.stats)
  }

  write(frame: Buffer, length: number): boolean {
    if (this.closed) {
      this.dropped++
      return false
    }
    this.pipeline.frame(frame, 0, length)
    this.pipeline.write()
    return true
  }

  flush(): Promise<void> {
    return Promise.resolve()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.pipeline.close()
    await this.pipeline.idle()
  }

  drainSync(): void {}

  metrics(): Omit<Metrics, 'invalidEvents'> {
    return {
      written: this.stats[STAT_WRITTEN],
      dropped: this.dropped,
      failed: this.stats[STAT_FAILED],
      bytes: this.stats[STAT_BYTES],
      ringHighWater: 0,
      workerRestarts: 0,
      ...policyMetrics(this.stats),
      lastError: this.pipeline.lastError,
    }
  }
}
