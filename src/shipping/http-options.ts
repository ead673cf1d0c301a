import { invalid } from '../validate.js'
import { type OptionsReader, timeoutOption } from './options-reader.js'
import { compression, headers } from './request-options.js'

/** `{ type: 'http', url }`: batches POSTed to a URL. */
export interface HttpSinkOptions {
  /** http: or https: */
  url: string
  /** Sent with every request (authorization, an API key). */
  headers?: Record<string, string>
  /** 'ndjson': the records as the format wrote them, one per line; 'json-array': `[record,record]` (format json only). @default 'ndjson' */
  body?: 'ndjson' | 'json-array'
  /** Gzip each request's body (`content-encoding: gzip`). @default false */
  compression?: 'gzip' | 'none' | false
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
    const body = fields.body ?? 'ndjson'
    if (body !== 'ndjson' && body !== 'json-array') invalid(where('body'), body, "'ndjson' or 'json-array'")
    if (body === 'json-array' && fields.format !== undefined && fields.format !== 'json') invalid(where('format'), fields.format, "'json' (body 'json-array' is an array of JSON records)")
    return {
      url,
      headers: fields.headers === undefined ? {} : headers(where('headers'), fields.headers),
      body,
      gzip: compression(where('compression'), fields.compression),
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}
