/**
 * `ringlog/plugin`: what a plugin module is written against. Plugins are loaded by specifier in the
 * drain worker (functions cannot cross threads), with the `options` given in createLogger(), which
 * are plain data.
 *
 * A sink plugin, `sinks: [{ type: 'module', module: 'my-sink', options }]`, default-exports (or
 * exports as `createDelivery`) a function of its options and a DeliveryContext that returns a
 * Delivery, or a promise of one. The sink around it does the batching, retrying, spooling and
 * counting; the delivery only sends:
 * - `send(batch, signal)` is called with one batch at a time, in order, never again before the
 *   promise it returned settles;
 * - resolve once the destination has the batch; or, for a destination that does not answer, once it
 *   is written, with `{ arrived }`: a promise that settles when it is known to have arrived (the next
 *   batch is sent meanwhile, and the batch is sent again if `arrived` rejects);
 * - the batch's bytes are the sink's again once the promise (and `arrived`) settled: copy what you keep;
 * - reject with `new DeliveryError(message, { retry })`: `retry: true` for a failure worth trying
 *   again (the destination is down, busy: `retryAfterMs` if it said how long to wait), `false` for
 *   a refusal for good; `delivered` when the first records of the batch did arrive. Any other
 *   rejection is taken for a network error and tried again;
 * - `prepare(batch)`, if there is one, is called while a batch is in flight with the one likely to
 *   go next: start its request early (compress it); a later `send()` of the same batch object may
 *   use it. Its promise settles once you are done reading the batch's bytes;
 * - never buffer batches, nor retry on your own: the sink does, and counts what it did;
 * - `close()`, if there is one, is called once after the last send settled: let go of connections.
 *
 * A processor, `processors: [{ module: 'my-processor', options }]`, default-exports a function of
 * its options that returns (or promises) a Processor: `(record) => record | null | undefined`,
 * called for every record before the sinks format it. Give back the record (changed in place or a
 * new one) to write it, null or undefined to drop it. A processor that throws drops the record
 * (counted in `metrics().failed`, said once on stderr).
 */
import type { Delivery, DeliveryContext } from './worker/shipping/delivery.js'
import type { Processor } from './worker/policy/processors.js'

export { DeliveryError, recordOf } from './worker/shipping/delivery.js'
export type { Batch, Delivery, DeliveryContext, DeliveryErrorOptions, Written } from './worker/shipping/delivery.js'
export type { Processor, ProcessorRecord } from './worker/policy/processors.js'

/** A sink plugin's default export, typed: `export default defineSink<{ path: string }>((options) => ...)`. */
export function defineSink<Options extends Record<string, unknown>>(
  create: (options: Options, context: DeliveryContext) => Delivery | Promise<Delivery>,
): (options: Options, context: DeliveryContext) => Delivery | Promise<Delivery> {
  return create
}

/** A processor plugin's default export, typed: `export default defineProcessor<{ keys: string[] }>((options) => (record) => record)`. */
export function defineProcessor<Options extends Record<string, unknown>>(
  create: (options: Options) => Processor | Promise<Processor>,
): (options: Options) => Processor | Promise<Processor> {
  return create
}
