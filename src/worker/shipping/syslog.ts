import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { createSyslogFormat } from '../format/syslog.js'
import type { ShippingType } from './shipping-type.js'
import { SyslogDatagrams } from './syslog-udp.js'
import { SyslogStream } from './syslog-stream.js'

/** `{ type: 'syslog' }`: RFC 5424 or 3164 messages over UDP, TCP or TLS. */
export const syslog: ShippingType<SyslogOptions> = {
  format: (out, format, options) => createSyslogFormat(out, format, options),
  delivery: (options) => (options.protocol === 'udp' ? new SyslogDatagrams(options) : new SyslogStream(options)),
}
