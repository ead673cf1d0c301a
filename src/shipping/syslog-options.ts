import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { delay, parseSize } from '../units.js'
import { choice, flag, invalid, type Where } from '../validate.js'
import { type OptionsReader, timeoutOption } from './options-reader.js'

export type SyslogProtocol = 'udp' | 'tcp' | 'tls'
export type SyslogRfc = '5424' | '3164'
/** How records follow one another on a TCP or TLS connection (RFC 6587): `LEN SP MSG`, or MSG LF. */
export type SyslogFraming = 'octet-counting' | 'lf'

/** `{ type: 'syslog' }`: records as syslog messages to a syslog server (rsyslog, syslog-ng, a SIEM's collector). */
export interface SyslogSinkOptions {
  /** The server. @default '127.0.0.1' */
  host?: string
  /** @default 514, or 6514 for 'tls' */
  port?: number
  /** 'udp': a datagram per record, nothing known of arrival; 'tcp' and 'tls': one kept connection (RFC 6587, RFC 5425). @default 'udp' */
  protocol?: SyslogProtocol
  /** The message format: RFC 5424 (structured data from the fields) or the older BSD format, RFC 3164 (fields as logfmt after the message). @default '5424' */
  rfc?: SyslogRfc | 5424 | 3164
  /** A name (`user`, `daemon`, `local0` to `local7`, ...) or its number, 0 to 23. @default 'user' */
  facility?: string | number
  /** APP-NAME (RFC 3164: the TAG). @default the process title (`node` unless the program set one) */
  appName?: string
  /** @default os.hostname() */
  hostname?: string
  /** @default process.pid */
  procid?: string | number
  /** The MSGID of every record, or `{ field: 'event' }`: each record's value of that field (a declared event's name). @default '-' (none) */
  msgid?: string | { field: string }
  /** The SD-ID the fields are written under: `name@` a private enterprise number. @default 'ringlog@32473' (32473 is the number RFC 5612 keeps for examples) */
  structuredDataId?: string
  /** TCP and TLS: `LEN SP MSG` ('octet-counting') or MSG LF ('lf', for old receivers; an LF in a record is written `#012`). @default 'octet-counting' */
  framing?: SyslogFraming
  /** A record is cut to this many bytes. @default 1024 for RFC 3164; 2048 over UDP, 8192 over TCP and TLS for RFC 5424 */
  maxMessageBytes?: number | string
  /** RFC 5424: start a message that is not plain ASCII with the BOM, which marks it UTF-8. @default true */
  utf8Bom?: boolean
  /** TLS: the CAs to trust, PEM text or a file path. @default Node's bundled CAs */
  ca?: string
  /** TLS: a client certificate, PEM text or a file path, for servers that ask for one. */
  cert?: string
  /** TLS: the client certificate's key, PEM text or a file path. */
  key?: string
  /** TLS: refuse a server whose certificate does not verify. @default true */
  rejectUnauthorized?: boolean
  /** TLS: the name the server's certificate must have (and SNI). @default host */
  servername?: string
  /** Connecting, and writing one batch, each take at most this long. @default '10s' */
  timeout?: number | string
  /** TCP and TLS: a batch counts as delivered once the connection has stayed up this long after it was written; 0 counts it at once. @default 100 */
  settleTime?: number | string
}

/** The syslog sink's options as the worker gets them: checked, defaults filled in, files read. */
export interface SyslogOptions {
  host: string
  port: number
  protocol: SyslogProtocol
  rfc: SyslogRfc
  /** 0 to 23. */
  facility: number
  appName: string
  hostname: string
  procid: string
  /** The MSGID itself, or the field whose value is each record's MSGID. */
  msgid: string | { field: string }
  structuredDataId: string
  framing: SyslogFraming
  /** A record longer than this is cut to it (its structured data first, then its message). */
  maxMessageBytes: number
  /** The BOM before a message that is not plain ASCII (RFC 5424's MSG-UTF8). */
  utf8Bom: boolean
  /** PEM text, read from files on the calling thread so that a missing file throws from createLogger(). */
  ca: string | undefined
  cert: string | undefined
  key: string | undefined
  rejectUnauthorized: boolean
  servername: string | undefined
  /** Connecting and writing one batch, each. */
  timeoutMs: number
  /** After a batch is written over TCP or TLS, how long the connection must stay up before the batch counts as delivered. */
  settleMs: number
}

/** RFC 5424's facility codes, with the names syslog.conf and logger(1) give them. */
export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, ntp: 12, security: 13, console: 14, 'solaris-cron': 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
}

/** RFC 5424's header fields: printable US-ASCII, no spaces, at most this many characters. */
export const HEADER_MAX = { hostname: 255, appName: 48, procid: 128, msgid: 32 } as const
/** RFC 3164's TAG. */
export const TAG_MAX = 32
/** SD-ID and PARAM-NAME (RFC 5424 SD-NAME). */
export const SD_NAME_MAX = 32

const PRINTABLE = /^[\x21-\x7e]+$/
const NOT_PRINTABLE = /[^\x21-\x7e]/g
// An SD-NAME is printable US-ASCII but for '=', ']', '"' (and, in an SD-ID, '@' only once).
const NOT_SD_NAME = /[=\]"]/

/** A header value made valid: what RFC 5424 forbids in it as `_`, cut to `max`. */
export function headerValue(text: string, max: number): string {
  return text.replace(NOT_PRINTABLE, '_').slice(0, max)
}

/** The process title (`node`, unless the program set it), made a valid APP-NAME or TAG. */
function defaultAppName(rfc: SyslogRfc): string {
  return rfc === '3164' ? headerValue(process.title.replace(/[[\]:]/g, '_'), TAG_MAX) || 'node' : headerValue(process.title, HEADER_MAX.appName) || 'node'
}

function header(where: Where, value: unknown, max: number): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) value = String(value)
  if (typeof value === 'string' && PRINTABLE.test(value) && value.length <= max) return value
  return invalid(where, value, `1 to ${max} printable US-ASCII characters, no spaces`)
}

/** RFC 3164's TAG ends at '[' or ':', so neither may be in it. */
function tag(where: Where, value: unknown): string {
  if (typeof value === 'string' && PRINTABLE.test(value) && !/[[\]:]/.test(value) && value.length <= TAG_MAX) return value
  return invalid(where, value, `1 to ${TAG_MAX} printable US-ASCII characters but for '[', ']', ':' and spaces (an RFC 3164 TAG)`)
}

function sdId(where: Where, value: unknown): string {
  const at = typeof value === 'string' ? value.indexOf('@') : -1
  if (typeof value === 'string' && value.length <= SD_NAME_MAX && PRINTABLE.test(value) && !NOT_SD_NAME.test(value) && at !== 0 && at === value.lastIndexOf('@') && at !== value.length - 1) return value
  return invalid(where, value, `an SD-ID: 1 to ${SD_NAME_MAX} printable US-ASCII characters but for '=', ']', '"' and spaces, such as 'myapp@32473' (name@private enterprise number)`)
}

function facility(where: Where, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 23) return value
  if (typeof value === 'string' && Object.hasOwn(FACILITIES, value)) return FACILITIES[value]
  return invalid(where, value, `a facility name (${Object.keys(FACILITIES).join(', ')}) or a number from 0 to 23`)
}

function msgid(where: Where, value: unknown): string | { field: string } {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { field, ...rest } = value as Record<string, unknown>
    if (typeof field === 'string' && field !== '' && Object.keys(rest).length === 0) return { field }
    return invalid(where, value, "{ field: 'name' }: the field that holds each record's MSGID")
  }
  return header(where, value, HEADER_MAX.msgid)
}

/** PEM text as it is, or the contents of the file it names. */
function pem(where: Where, value: unknown): string {
  if (typeof value === 'string' && value.includes('-----BEGIN ')) return value
  if (typeof value === 'string' && value !== '') {
    try {
      return readFileSync(value, 'utf8')
    } catch (error) {
      return invalid(where, value, `PEM text or a readable file (${(error as Error).message})`)
    }
  }
  return invalid(where, value, 'PEM text or the path of a PEM file')
}

const TLS_KEYS = ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername'] as const

/** RFC 5425 (TLS) says receivers should take 8192 bytes; RFC 5426 (UDP) that senders should keep to 2048 unless the path is known to take more; RFC 3164 allows 1024. */
function defaultMaxBytes(rfc: SyslogRfc, protocol: SyslogProtocol): number {
  if (rfc === '3164') return 1024
  return protocol === 'udp' ? 2048 : 8192
}

const MIN_MESSAGE_BYTES = 480
/** Measured against rsyslog restarting (README, syslog): it resets the connection 10 to 30 ms after it stops reading. */
const DEFAULT_SETTLE_MS = 100
const MAX_DATAGRAM_BYTES = 65507

export const syslogOptions: OptionsReader<SyslogOptions> = {
  keys: [
    'host', 'port', 'protocol', 'rfc', 'facility', 'appName', 'hostname', 'procid', 'msgid', 'structuredDataId',
    'framing', 'maxMessageBytes', 'utf8Bom', ...TLS_KEYS, 'timeout', 'settleTime',
  ],

  read(fields, where) {
    const protocol = fields.protocol === undefined ? 'udp' : choice(where('protocol'), fields.protocol, ['udp', 'tcp', 'tls'] as const)
    const rfc = fields.rfc === undefined ? '5424' : choice(where('rfc'), typeof fields.rfc === 'number' ? String(fields.rfc) : fields.rfc, ['5424', '3164'] as const)
    if (protocol !== 'tls') {
      const key = TLS_KEYS.find((name) => fields[name] !== undefined)
      if (key !== undefined) invalid(where(key), fields[key], "no value: it is for protocol 'tls'")
    }
    if (protocol === 'udp' && fields.framing !== undefined) invalid(where('framing'), fields.framing, "no value: UDP sends one record a datagram; framing is for protocol 'tcp' or 'tls'")
    if (rfc === '3164' && fields.structuredDataId !== undefined) invalid(where('structuredDataId'), fields.structuredDataId, "no value: RFC 3164 has no structured data (rfc: '5424' has)")

    const port = fields.port ?? (protocol === 'tls' ? 6514 : 514)
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) invalid(where('port'), port, 'a port number from 1 to 65535')
    const host = fields.host ?? '127.0.0.1'
    if (typeof host !== 'string' || host === '') invalid(where('host'), host, 'a host name or IP address')

    const maxMessageBytes = fields.maxMessageBytes === undefined ? defaultMaxBytes(rfc, protocol) : parseSize(where('maxMessageBytes'), fields.maxMessageBytes)
    const maxAllowed = protocol === 'udp' ? MAX_DATAGRAM_BYTES : Number.MAX_SAFE_INTEGER
    if (maxMessageBytes < MIN_MESSAGE_BYTES || maxMessageBytes > maxAllowed) {
      invalid(where('maxMessageBytes'), fields.maxMessageBytes, `a size from ${MIN_MESSAGE_BYTES} bytes${protocol === 'udp' ? ` to ${MAX_DATAGRAM_BYTES} (a UDP datagram)` : ''}`)
    }
    const servername = fields.servername
    if (servername !== undefined && (typeof servername !== 'string' || servername === '')) invalid(where('servername'), servername, 'a host name')

    return {
      host,
      port,
      protocol,
      rfc,
      facility: fields.facility === undefined ? FACILITIES.user : facility(where('facility'), fields.facility),
      appName: fields.appName === undefined ? defaultAppName(rfc) : rfc === '3164' ? tag(where('appName'), fields.appName) : header(where('appName'), fields.appName, HEADER_MAX.appName),
      hostname: fields.hostname === undefined ? headerValue(hostname(), HEADER_MAX.hostname) || '-' : header(where('hostname'), fields.hostname, HEADER_MAX.hostname),
      procid: fields.procid === undefined ? String(process.pid) : header(where('procid'), fields.procid, HEADER_MAX.procid),
      msgid: fields.msgid === undefined ? '-' : msgid(where('msgid'), fields.msgid),
      structuredDataId: fields.structuredDataId === undefined ? 'ringlog@32473' : sdId(where('structuredDataId'), fields.structuredDataId),
      framing: fields.framing === undefined ? 'octet-counting' : choice(where('framing'), fields.framing, ['octet-counting', 'lf'] as const),
      maxMessageBytes,
      utf8Bom: fields.utf8Bom === undefined ? true : flag(where('utf8Bom'), fields.utf8Bom),
      ca: fields.ca === undefined ? undefined : pem(where('ca'), fields.ca),
      cert: fields.cert === undefined ? undefined : pem(where('cert'), fields.cert),
      key: fields.key === undefined ? undefined : pem(where('key'), fields.key),
      rejectUnauthorized: fields.rejectUnauthorized === undefined ? true : flag(where('rejectUnauthorized'), fields.rejectUnauthorized),
      servername,
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
      settleMs: delay(where('settleTime'), fields.settleTime, DEFAULT_SETTLE_MS),
    }
  },
}
