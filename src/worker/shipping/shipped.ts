import type { ShipConfig } from '../../shipping/ship-options.js'
import type { Format, FormatOptions } from '../format/format.js'
import { createFormat } from '../format/formats.js'
import type { Output } from '../output.js'
import { AsyncSink } from './async-sink.js'
import { SHIPPING_TYPES } from './types.js'

/** The sink for a `type: 'http' | 'syslog' | ...` entry of `sinks`. */
export function shippedSink(config: ShipConfig): AsyncSink {
  const type = SHIPPING_TYPES[config.type]
  // A delivery that throws while it is made fails its own records, not the pipeline.
  const delivery = Promise.resolve().then(() => type.delivery(config.options as never, { name: config.name }))
  return new AsyncSink(config, delivery)
}

/** Its records' format: the type's own, or the sink's `format` option. */
export function shippedFormat(out: Output, format: FormatOptions, config: ShipConfig): Format<unknown> {
  return SHIPPING_TYPES[config.type].format?.(out, format, config.options as never) ?? createFormat(out, format)
}
