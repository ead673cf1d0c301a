import type { Format, FormatOptions } from '../format/format.js'
import type { Output } from '../output.js'
import type { Delivery, DeliveryContext } from './delivery.js'

/**
 * One kind of asynchronous sink, in the worker: what sends its batches, and, when its records have
 * a format of their own (syslog's, OTLP's), that format. `Options` is what its option reader on
 * the calling thread (src/shipping/) made of the sink's options: plain data.
 */
export interface ShippingType<Options> {
  /** The records' format; without it, the sink's `format` option (json by default). */
  format?(out: Output, format: FormatOptions, options: Options): Format<unknown>
  /** May load modules (a plugin, a pino transport): batches wait for it. */
  delivery(options: Options, context: DeliveryContext): Delivery | Promise<Delivery>
}
