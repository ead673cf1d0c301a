import { http } from './http.js'
import { otlp } from './otlp.js'
import { moduleSink } from './module-sink.js'
import { pinoTransport } from './pino-transport.js'
import type { ShippingType } from './shipping-type.js'
import { syslog } from './syslog.js'

/** Every kind of asynchronous sink by its `type`, in the worker (src/shipping/readers.ts has their options). */
export const SHIPPING_TYPES: Readonly<Record<string, ShippingType<never>>> = {
  http,
  otlp,
  pino: pinoTransport,
  module: moduleSink,
  syslog,
}
