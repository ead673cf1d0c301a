/**
 * The contract between an asynchronous sink (src/worker/shipping/async-sink.ts), which batches,
 * retries, spools and counts, and a delivery, which only sends one batch to one destination. The
 * built-in sinks (http, syslog, otlp, pino transports) and plugin modules (`ringlog/plugin`)
 * implement the same interface.
 */

/** Formatted records, as the sink's format wrote them, sent in one request. */
export interface Batch {
  /** The records' bytes, one after another. */
  readonly bytes: Buffer
  /** Where each record ends in `bytes`: record i is `bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i])`. */
  readonly ends: Int32Array
  /** Records in the batch (`ends.length` may be larger). */
  readonly count: number
}

/** The records' bytes, without what the buffer holds after them. */
export function batchBytes(batch: Batch): Buffer {
  return batch.bytes.subarray(0, batch.count === 0 ? 0 : batch.ends[batch.count - 1])
}

/** Record i of a batch. */
export function recordOf(batch: Batch, i: number): Buffer {
  return batch.bytes.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i])
}

/**
 * What send() may resolve with when the destination does not answer (syslog over TCP): the batch
 * is written, and `arrived` settles once it is known to have arrived (resolves) or maybe not
 * (rejects, with a DeliveryError or any error: the batch is sent again, before the batches after
 * it). The next batch is sent meanwhile; `flush()` and `close()` wait for `arrived`.
 */
export interface Written {
  readonly arrived: Promise<void>
}

/** Sends batches to one destination. */
export interface Delivery {
  /**
   * Sends one batch; resolves once the destination has it (or with `Written`). Not called again
   * before the promise settles: batches go out one at a time, in order. A rejection with a
   * DeliveryError says whether to try again; any other error is taken for a network error and
   * tried again. `signal` aborts when the sink gives up on the attempt (its close timeout). The
   * batch's bytes are the sink's again once the promise settles (and `arrived`, if given): copy
   * what you keep.
   */
  send(batch: Batch, signal: AbortSignal): Promise<void | Written>
  /**
   * Optional. Called while a batch is being sent, with the batch most likely to go next, so that
   * work on its request (compressing it) overlaps the round trip; a later send() of the same batch
   * object may use it. The batch's bytes stay as they are until the returned promise settles.
   */
  prepare?(batch: Batch): Promise<void>
  /** Lets go of connections; called once, after the last send has settled. */
  close?(): Promise<void> | void
}

export interface DeliveryErrorOptions {
  /** Worth trying again (a 503, a 429, a dropped connection); false: the destination refused it for good (a 400). */
  retry: boolean
  /** The destination asked to wait this long before the next try (Retry-After). */
  retryAfterMs?: number
  /** The first records of the batch that did reach the destination: a retry sends only the rest. */
  delivered?: number
  cause?: unknown
}

/** A failed send that knows what the sink should do about it. */
export class DeliveryError extends Error {
  readonly retry: boolean
  readonly retryAfterMs: number | undefined
  readonly delivered: number
  constructor(message: string, options: DeliveryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'DeliveryError'
    this.retry = options.retry
    this.retryAfterMs = options.retryAfterMs
    this.delivered = options.delivered ?? 0
  }
}

/**
 * What the sink makes of a rejection. By shape, not `instanceof`: a plugin may have loaded another
 * copy of this module (the CommonJS build).
 */
export function failureOf(error: unknown): { retry: boolean; retryAfterMs: number | undefined; delivered: number } {
  const e = error as Partial<DeliveryError> | null
  if (e !== null && typeof e === 'object' && typeof e.retry === 'boolean') {
    return {
      retry: e.retry,
      retryAfterMs: typeof e.retryAfterMs === 'number' && e.retryAfterMs >= 0 ? e.retryAfterMs : undefined,
      delivered: typeof e.delivered === 'number' && e.delivered > 0 ? Math.floor(e.delivered) : 0,
    }
  }
  return { retry: true, retryAfterMs: undefined, delivered: 0 }
}

/** Given to a delivery when it is made. */
export interface DeliveryContext {
  /** The sink's name in metrics and messages: its `name` option, or `sinks[i] (type)`. */
  readonly name: string
}
