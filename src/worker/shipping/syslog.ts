import type { SyslogOptions } from '../../shipping/syslog-options.js'
import type { Delivery } from './delivery.js'
import { SyslogDatagrams } from './syslog-udp.js'
import { SyslogStream } from './syslog-stream.js'

/** `{ type: 'syslog' }`: RFC 5424 or 3164 messages over UDP, or over TCP or TLS. */
export function syslogDelivery(options: SyslogOptions): Delivery {
  return options.protocol === 'udp' ? new SyslogDatagrams(options) : new SyslogStream(options)
}
