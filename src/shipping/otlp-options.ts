import { parseDuration } from '../units.js'
import { invalid, type Where } from '../validate.js'
import type { OptionsReader } from './options-reader.js'
import { environmentHeaders, environmentResource, environmentTarget, type Target } from './otlp-environment.js'

/** A resource attribute's value. */
export type ResourceValue = string | number | boolean | readonly (string | number | boolean)[]

/** The options of a sink `{ type: 'otlp' }` of its own (the options every asynchronous sink has are read by the core). */
export interface OtlpSinkOptions {
  /**
   * The collector's base URL: records are POSTed to `<endpoint>/v1/logs`.
   * @default OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (a full URL), else OTEL_EXPORTER_OTLP_ENDPOINT, else 'http://localhost:4318'
   * @example 'https://otel.example.com:4318'
   */
  endpoint?: string
  /** The full URL records are POSTed to, instead of `endpoint`. @example 'http://127.0.0.1:4318/v1/logs' */
  url?: string
  /** The body's encoding: `application/x-protobuf` or `application/json`. @default 'protobuf' */
  encoding?: 'protobuf' | 'json'
  /** Gzip each request's body (`content-encoding: gzip`); 'none' (OpenTelemetry's word) and false do not. @default 'none' */
  compression?: 'gzip' | 'none' | false
  /**
   * Added to every request (authentication).
   * @default OTEL_EXPORTER_OTLP_LOGS_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS, else none
   * @example { authorization: 'Bearer 7d1e…' }
   */
  headers?: Readonly<Record<string, string>>
  /**
   * Resource attributes, over those of OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
   * @default { 'service.name': 'unknown_service:node' }
   * @example { 'service.name': 'checkout', 'deployment.environment.name': 'production' }
   */
  resource?: Readonly<Record<string, ResourceValue>>
  /** How long a request may go without an answer: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's otlp sink is given: the options checked, the environment applied. */
export interface OtlpOptions {
  url: string
  encoding: 'protobuf' | 'json'
  gzip: boolean
  headers: Record<string, string>
  resource: Record<string, ResourceValue>
  timeoutMs: number
}

/** OTLP/HTTP's default destination: a collector on this machine. */
const DEFAULT_TARGET: Target = { text: 'http://localhost:4318', where: 'default endpoint', base: true }
/** What the OpenTelemetry specification has an SDK call a service that does not name itself. */
const UNKNOWN_SERVICE = 'unknown_service:node'
const DEFAULT_TIMEOUT_MS = 10_000

// RFC 9110's token, and the characters Node lets into a header's value.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

function encoding(where: Where, value: unknown): OtlpOptions['encoding'] {
  if (value === undefined) return 'protobuf'
  return value === 'protobuf' || value === 'json' ? value : invalid(where, value, "'protobuf' or 'json'")
}

/** Whether to gzip. */
function compression(where: Where, value: unknown): boolean {
  if (value === undefined || value === 'none' || value === false) return false
  return value === 'gzip' ? true : invalid(where, value, "'gzip', 'none' or false")
}

/** The URL to POST to: `<base>/v1/logs` for a base URL, the signal's path appended to the base's own. */
function targetUrl({ text, where, base }: Target): string {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return invalid(where, text, 'an http:// or https:// URL')
  if (base) url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/logs`
  return url.href
}

function target(fields: Readonly<Record<string, unknown>>, where: (name: string) => Where): Target {
  const { url, endpoint } = fields
  if (url !== undefined && endpoint !== undefined) invalid(where('url'), url, 'either url or endpoint, not both')
  const text = (name: string, value: unknown): string => (typeof value === 'string' ? value : invalid(where(name), value, 'a URL'))
  if (url !== undefined) return { text: text('url', url), where: where('url'), base: false }
  if (endpoint !== undefined) return { text: text('endpoint', endpoint), where: where('endpoint'), base: true }
  return environmentTarget(process.env, where('endpoint')) ?? DEFAULT_TARGET
}

function headers(where: Where, value: unknown): Record<string, string> {
  const expected = 'an object of header names and text values'
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, expected)
  const out: Record<string, string> = {}
  for (const [name, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) invalid(where, name, 'header names of letters, digits and !#$%&\'*+.^_`|~-')
    if (typeof text !== 'string' || !HEADER_VALUE.test(text)) invalid(`${where}[${JSON.stringify(name)}]`, text, 'text without line breaks or control characters')
    out[name] = text
  }
  return out
}

/** The option's headers, else the environment's, else none. */
function requestHeaders(fields: Readonly<Record<string, unknown>>, where: (name: string) => Where): Record<string, string> {
  if (fields.headers !== undefined) return headers(where('headers'), fields.headers)
  const fromEnvironment = environmentHeaders(process.env, where('headers'))
  return fromEnvironment === undefined ? {} : headers(fromEnvironment.where, fromEnvironment.headers)
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

function resource(where: Where, value: unknown): Record<string, ResourceValue> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, 'an object of attribute names and values')
  const out = Object.create(null) as Record<string, ResourceValue>
  for (const [name, item] of Object.entries(value)) {
    if (!isScalar(item) && !(Array.isArray(item) && item.every(isScalar))) {
      invalid(`${where}[${JSON.stringify(name)}]`, item, 'a string, a finite number, a boolean, or an array of them')
    }
    out[name] = item as ResourceValue
  }
  return out
}

/** `{ type: 'otlp' }`: OpenTelemetry logs over OTLP/HTTP (src/worker/shipping/otlp.ts). */
export const otlpOptions: OptionsReader<OtlpOptions> = {
  keys: ['endpoint', 'url', 'encoding', 'compression', 'headers', 'resource', 'timeout'],
  read(fields, where) {
    return {
      url: targetUrl(target(fields, where)),
      encoding: encoding(where('encoding'), fields.encoding),
      gzip: compression(where('compression'), fields.compression),
      headers: requestHeaders(fields, where),
      resource: { 'service.name': UNKNOWN_SERVICE, ...environmentResource(process.env, where('resource')), ...resource(where('resource'), fields.resource) },
      timeoutMs: fields.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(where('timeout'), fields.timeout),
    }
  },
}
