import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { HEADER_MAX, headerValue, SD_NAME_MAX } from '../../shipping/syslog-options.js'
import { MONTHS } from './date-pattern.js'
import type { Output } from '../output.js'
import { DecodedFormat, type DecodedRecord } from './decoded.js'
import type { FormatOptions } from './format.js'
import { logfmtPairs } from './logfmt.js'
import { TimeFormat } from './time-format.js'
import { flatten, plainText, type PlainObject } from './values.js'

/** ringlog's standard levels and the syslog severity of each (7 debug, 6 informational, 4 warning, 3 error, 2 critical). */
const SEVERITIES: readonly (readonly [level: number, severity: number])[] = [[10, 7], [20, 7], [30, 6], [40, 4], [50, 3], [60, 2]]

/** The severity of the standard level nearest to `level`; halfway between two, the more severe. */
function severityOf(level: number): number {
  let best = SEVERITIES[0]
  for (const entry of SEVERITIES) if (Math.abs(entry[0] - level) <= Math.abs(best[0] - level)) best = entry
  return best[1]
}

const BOM = '\ufeff'
const NOT_ASCII = /[^\x00-\x7f]/
// What may not be in a PARAM-NAME: '=', ']', '"', spaces and anything outside printable US-ASCII.
const NOT_SD_NAME = /[^\x21-\x7e]|[=\]"]/g
const SD_VALUE_ESCAPE = /["\\\]]/g

/** The longest start of `s` whose UTF-8 takes at most `max` bytes, a character never cut in half. */
function utf8Prefix(s: string, max: number): string {
  if (s.length * 3 <= max) return s
  const bytes = Buffer.from(s, 'utf8')
  if (bytes.length <= max) return s
  let end = max
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.toString('utf8', 0, end)
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * A syslog message per record, RFC 5424's or RFC 3164's, at most `maxMessageBytes` long. The
 * transport's framing (octet counting, LF, one datagram each) is the delivery's: the spool keeps
 * records as this writes them.
 */
abstract class SyslogFormat extends DecodedFormat {
  private readonly pris = new Map<number, string>()
  /** LF ends a record on an LF-framed connection, so one inside it is written as rsyslog shows control characters: `#012`. */
  private readonly lfFramed: boolean

  constructor(out: Output, options: FormatOptions, protected readonly syslog: SyslogOptions) {
    super(out, options)
    // The options refuse `framing` over UDP.
    this.lfFramed = syslog.framing === 'lf'
  }

  protected pri(level: number): string {
    let pri = this.pris.get(level)
    if (pri === undefined) {
      pri = `<${this.syslog.facility * 8 + severityOf(level)}>`
      this.pris.set(level, pri)
    }
    return pri
  }

  /** Text from the record (its message, a field's value) as it may stand in the message. */
  protected text(s: string): string {
    return this.lfFramed && s.includes('\n') ? s.replaceAll('\n', '#012') : s
  }
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID name="value"...] BOM MSG` (RFC 5424). */
export class Rfc5424Format extends SyslogFormat {
  private readonly iso = new TimeFormat('iso')
  /** `HOSTNAME APP-NAME PROCID `: the same for every record. */
  private readonly origin: string
  private readonly sdOpen: string

  constructor(out: Output, options: FormatOptions, syslog: SyslogOptions) {
    super(out, options, syslog)
    this.origin = `${syslog.hostname} ${syslog.appName} ${syslog.procid} `
    this.sdOpen = `[${syslog.structuredDataId}`
  }

  /**
   * Within maxMessageBytes: the header whole; the message keeps at least half the room left (or
   * all it needs, if less); the structured data takes what the message leaves, whole parameters
   * only; the message then takes what the structured data left.
   */
  line(record: DecodedRecord): void {
    const head = `${this.pri(record.level)}1 ${this.iso.iso(record.time)} ${this.origin}${this.msgid(record.fields)} `
    const room = this.syslog.maxMessageBytes - head.length
    if (record.message === undefined) {
      this.out.utf8(head + this.structuredData(record.fields, room))
      return
    }
    const text = this.text(record.message)
    const msg = this.syslog.utf8Bom && NOT_ASCII.test(text) ? BOM + text : text
    const sd = this.structuredData(record.fields, room - 1 - Math.min(byteLength(msg), Math.floor(room / 2)))
    this.out.utf8(`${head}${sd} ${utf8Prefix(msg, room - 1 - byteLength(sd))}`)
  }

  /** The MSGID option, or the field it names (cut and cleaned as a MSGID must be; '-' when the record has none). */
  private msgid(fields: PlainObject): string {
    const { msgid } = this.syslog
    if (typeof msgid === 'string') return msgid
    const value = fields[msgid.field]
    if (value === undefined) return '-'
    return headerValue(plainText(value), HEADER_MAX.msgid) || '-'
  }

  /**
   * The fields, flattened with dots, as one SD-ELEMENT, within `room` bytes: a parameter that
   * does not fit whole is left out (never cut), and the ones after it still tried.
   */
  private structuredData(fields: PlainObject, room: number): string {
    let sd = this.sdOpen
    let left = room - sd.length - 1 // the closing ']'
    flatten(fields, (key, value) => {
      const name = key.replace(NOT_SD_NAME, '_').slice(0, SD_NAME_MAX) || '_'
      const param = ` ${name}="${this.text(plainText(value)).replace(SD_VALUE_ESCAPE, '\\$&')}"`
      const size = byteLength(param)
      if (size > left) return
      sd += param
      left -= size
    })
    return sd === this.sdOpen ? '-' : `${sd}]`
  }
}

/** `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PROCID]: MSG key=value...` (RFC 3164), the time in the process's time zone. */
export class Rfc3164Format extends SyslogFormat {
  private second = NaN
  private stamp = ''
  private readonly origin: string

  constructor(out: Output, options: FormatOptions, syslog: SyslogOptions) {
    super(out, options, syslog)
    this.origin = ` ${syslog.hostname} ${syslog.appName}${syslog.procid === '-' ? '' : `[${syslog.procid}]`}: `
  }

  line(record: DecodedRecord): void {
    const head = `${this.pri(record.level)}${this.timestamp(record.time)}${this.origin}`
    // 3164 has no structured data: the fields follow the message as logfmt.
    const msg = this.text(`${record.message ?? ''}${logfmtPairs(record.fields)}`)
    this.out.utf8(head + utf8Prefix(msg, this.syslog.maxMessageBytes - head.length))
  }

  /** `Mar  5 07:08:09`, made once a second. */
  private timestamp(ms: number): string {
    const second = Math.floor(ms / 1000)
    if (second !== this.second) {
      const d = new Date(second * 1000)
      const two = (n: number): string => String(n).padStart(2, '0')
      this.stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
      this.second = second
    }
    return this.stamp
  }
}

/** The format of the syslog sink's records. */
export function createSyslogFormat(out: Output, options: FormatOptions, syslog: SyslogOptions): SyslogFormat {
  return syslog.rfc === '3164' ? new Rfc3164Format(out, options, syslog) : new Rfc5424Format(out, options, syslog)
}
