import type { OtlpOptions } from '../../shipping/otlp-options.js'
import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { OtlpJsonFormat } from '../format/otlp-json.js'
import { OtlpProtobufFormat } from '../format/otlp-protobuf.js'
import { createSyslogFormat } from '../format/syslog.js'
import { moduleSink } from './module-sink.js'
import { pinoTransport } from './pino-transport.js'
import type { ShippingType } from './shipping-type.js'

/**
 * Every kind of asynchronous sink by its `type`, in the worker (src/shipping/readers.ts has their
 * options). Deliveries are imported when a sink of their type is made: a drain worker that ships
 * nothing does not load node:http, node:tls, node:dgram and their code (20 ms of its start).
 */
export const SHIPPING_TYPES: Readonly<Record<string, ShippingType<never>>> = {
  http: {
    delivery: async (options) => new (await import('./http.js')).HttpDelivery(options),
  },
  otlp: {
    format: (out, format, options: OtlpOptions) => (options.encoding === 'json' ? new OtlpJsonFormat(out, format) : new OtlpProtobufFormat(out, format)),
    delivery: async (options) => new (await import('./otlp.js')).OtlpDelivery(options),
  },
  syslog: {
    format: (out, format, options: SyslogOptions) => createSyslogFormat(out, format, options),
    delivery: async (options) => (await import('./syslog.js')).syslogDelivery(options),
  },
  pino: pinoTransport,
  module: moduleSink,
}
