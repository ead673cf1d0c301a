/**
 * A local OTLP/HTTP logs receiver for the otlp sink's tests. It decodes each request on its own,
 * independently of ringlog's encoder: protobuf bodies with protobufjs and the OTLP messages
 * (test/fixtures/otlp/logs.proto), JSON bodies with JSON.parse and the OTLP JSON mapping. Both
 * come out as the same plain model (`Export`), so one expectation fits either encoding and a
 * request of ringlog's can be compared with the official SDK's.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { fixture } from './files.js'

const root = protobuf.loadSync(fixture('otlp/logs.proto'))
export const ExportRequest = root.lookupType('opentelemetry.proto.ExportLogsServiceRequest')
export const ExportResponse = root.lookupType('opentelemetry.proto.ExportLogsServiceResponse')

/** An AnyValue, tagged with its kind, so that an int and a double of the same number differ. */
export type Value =
  | { string: string }
  | { bool: boolean }
  | { int: string }
  | { double: number }
  | { bytes: string }
  | { array: Value[] }
  | { kvlist: Record<string, Value> }
  | Record<string, never>

export interface LogRecord {
  time: string
  observedTime: string
  severityNumber: number
  severityText: string
  body?: Value
  attributes: Record<string, Value>
  traceId?: string
  spanId?: string
  flags?: number
  eventName?: string
}

/** One request as the receiver decoded it: its one resource and scope, and its records. */
export interface Export {
  resource: Record<string, Value>
  scope: { name: string; version: string }
  records: LogRecord[]
}

export interface Request {
  headers: IncomingHttpHeaders
  url: string
  /** The body as sent, and decompressed when it was gzipped. */
  raw: Buffer
  body: Buffer
  decoded: Export
}

export interface Receiver {
  server: Server
  /** The server's base URL: the sink's `endpoint`. */
  endpoint: string
  requests: Request[]
}

/**
 * Starts a receiver on 127.0.0.1. `answer(n, res)` may answer the nth request (from 1) itself
 * and return true; otherwise it gets a 200 with an empty response of its encoding.
 */
export async function otlpReceiver(answer?: (n: number, res: ServerResponse) => boolean): Promise<Receiver> {
  const receiver: Receiver = { server: createServer(), endpoint: '', requests: [] }
  let n = 0
  receiver.server.on('request', (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      n++
      const raw = Buffer.concat(chunks)
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
      const json = req.headers['content-type'] === 'application/json'
      receiver.requests.push({ headers: req.headers, url: req.url ?? '', raw, body, decoded: json ? fromJson(body) : fromProtobuf(body) })
      if (answer?.(n, res)) return
      res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf')
      res.end(json ? '{}' : '')
    })
  })
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
  receiver.endpoint = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}`
  return receiver
}

/** Every record of every request, in the order they arrived. */
export function allRecords(receiver: Receiver): LogRecord[] {
  return receiver.requests.flatMap((request) => request.decoded.records)
}

// What protobufjs's toObject() and JSON.parse() make of the messages: the same camelCase names.
interface AnyValueObject {
  stringValue?: string
  boolValue?: boolean
  intValue?: string | number
  doubleValue?: number | string
  bytesValue?: Buffer | string
  arrayValue?: { values?: AnyValueObject[] }
  kvlistValue?: { values?: KeyValueObject[] }
}
interface KeyValueObject {
  key: string
  value?: AnyValueObject
}
interface LogRecordObject {
  timeUnixNano?: string
  observedTimeUnixNano?: string
  severityNumber?: number
  severityText?: string
  body?: AnyValueObject
  attributes?: KeyValueObject[]
  flags?: number
  traceId?: Buffer | string
  spanId?: Buffer | string
  eventName?: string
}
interface RequestObject {
  resourceLogs?: {
    resource?: { attributes?: KeyValueObject[] }
    scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: LogRecordObject[] }[]
  }[]
}

function value(v: AnyValueObject | undefined): Value {
  if (v === undefined) return {}
  if (v.stringValue !== undefined) return { string: v.stringValue }
  if (v.boolValue !== undefined) return { bool: v.boolValue }
  if (v.intValue !== undefined) return { int: String(v.intValue) }
  // The JSON mapping writes NaN and the infinities as strings.
  if (v.doubleValue !== undefined) return { double: Number(v.doubleValue) }
  if (v.bytesValue !== undefined) return { bytes: hex(v.bytesValue, true) }
  if (v.arrayValue !== undefined) return { array: (v.arrayValue.values ?? []).map(value) }
  if (v.kvlistValue !== undefined) return { kvlist: keyValues(v.kvlistValue.values) }
  return {}
}

function keyValues(list: KeyValueObject[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {}
  for (const { key, value: v } of list ?? []) {
    if (Object.hasOwn(out, key)) throw new Error(`attribute ${key} twice`)
    out[key] = value(v)
  }
  return out
}

/** Ids are bytes in protobuf, hex in JSON; bytes values are base64 in JSON. */
function hex(id: Buffer | string, base64 = false): string {
  return typeof id === 'string' ? (base64 ? Buffer.from(id, 'base64').toString('hex') : id) : Buffer.from(id).toString('hex')
}

function model(request: RequestObject): Export {
  const resourceLogs = request.resourceLogs ?? []
  if (resourceLogs.length !== 1 || resourceLogs[0].scopeLogs?.length !== 1) throw new Error(`expected one resource and one scope: ${JSON.stringify(request)}`)
  const [{ resource, scopeLogs: [{ scope, logRecords }] }] = resourceLogs
  return {
    resource: keyValues(resource?.attributes),
    scope: { name: scope?.name ?? '', version: scope?.version ?? '' },
    records: (logRecords ?? []).map((record) => {
      const out: LogRecord = {
        time: String(record.timeUnixNano ?? '0'),
        observedTime: String(record.observedTimeUnixNano ?? '0'),
        severityNumber: record.severityNumber ?? 0,
        severityText: record.severityText ?? '',
        attributes: keyValues(record.attributes),
      }
      // Only what a sender set: proto3 leaves out a field at its default, and so may JSON.
      if (record.body !== undefined) out.body = value(record.body)
      if (record.traceId !== undefined && hex(record.traceId) !== '') out.traceId = hex(record.traceId)
      if (record.spanId !== undefined && hex(record.spanId) !== '') out.spanId = hex(record.spanId)
      if (record.flags) out.flags = record.flags
      if (record.eventName) out.eventName = record.eventName
      return out
    }),
  }
}

export function fromProtobuf(body: Buffer): Export {
  return model(ExportRequest.toObject(ExportRequest.decode(body), { longs: String, enums: Number }) as RequestObject)
}

export function fromJson(body: Buffer): Export {
  return model(JSON.parse(body.toString('utf8')) as RequestObject)
}
