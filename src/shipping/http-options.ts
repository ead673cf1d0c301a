import { parseDuration } from '../units.js'
import { invalid } from '../validate.js'
import type { OptionsReader } from './options-reader.js'

/** `{ type: 'http', url }`: batches POSTed to a URL. */
export interface HttpSinkOptions {
  /** http: or https: */
  url: string
  /** Sent with every request (authorization, an API key). */
  headers?: Record<string, string>
  /** 'ndjson': the records as the format wrote them, one per line; 'json-array': `[record,record]` (format json only). @default 'ndjson' */
  body?: 'ndjson' | 'json-array'
  /** Gzip each request's body (`content-encoding: gzip`). @default false */
  compression?: 'gzip' | false
  /** A request without a response this long is abandoned and tried again. @default '10s' */
  timeout?: number | string
}

/** What the worker's http delivery is given. */
export interface HttpConfig {
  url: string
  headers: Record<string, string>
  body: 'ndjson' | 'json-array'
  gzip: boolean
  timeoutMs: number
}

export const httpOptions: OptionsReader<HttpConfig> = {
  keys: ['url', 'headers', 'body', 'compression', 'timeout'],
  read(fields, where) {
    const { url } = fields
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) invalid(where('url'), url, 'an http: or https: URL')
    const headers = fields.headers ?? {}
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) invalid(where('headers'), headers, 'an object of header names and string values')
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) invalid(where(`headers.${name}`), value, 'a string value under a valid header name')
    }
    const body = fields.body ?? 'ndjson'
    if (body !== 'ndjson' && body !== 'json-array') invalid(where('body'), body, "'ndjson' or 'json-array'")
    if (body === 'json-array' && fields.format !== undefined && fields.format !== 'json') invalid(where('format'), fields.format, "'json' (body 'json-array' is an array of JSON records)")
    const compression = fields.compression ?? false
    if (compression !== 'gzip' && compression !== false) invalid(where('compression'), compression, "'gzip' or false")
    return {
      url,
      headers: headers as Record<string, string>,
      body,
      gzip: compression === 'gzip',
      timeoutMs: fields.timeout === undefined ? 10_000 : parseDuration(where('timeout'), fields.timeout),
    }
  },
}
