import type { Batch } from './delivery.js'

const ignore = (): void => {}

/** A delivery's request bodies, the next one made ahead while a batch is in flight (Delivery.prepare). */
export class PreparedBody {
  private ahead: { batch: Batch; body: Promise<Buffer> } | undefined

  constructor(private readonly make: (batch: Batch) => Promise<Buffer>) {}

  /** Settles once the batch's bytes are read; a failure is the later send()'s to report. */
  prepare(batch: Batch): Promise<void> {
    const body = this.make(batch)
    this.ahead = { batch, body }
    return body.then(ignore, ignore)
  }

  /** The body of the batch to send now: made ahead, if it was this batch. */
  take(batch: Batch): Promise<Buffer> {
    const ahead = this.ahead
    this.ahead = undefined
    return ahead?.batch === batch ? ahead.body : this.make(batch)
  }
}
