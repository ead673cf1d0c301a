import type { ServerResponse } from 'node:http'
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs'
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtobufExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import type { FormatOptions } from '../dist/src/worker/format/format.js'
import { OtlpProtobufFormat } from '../dist/src/worker/format/otlp-protobuf.js'
import { Output } from '../dist/src/worker/output.js'
import { DeliveryError } from '../dist/src/worker/shipping/delivery.js'
import { OtlpDelivery } from '../dist/src/worker/shipping/otlp.js'
import { VERSION } from '../dist/src/version.js'
import { allRecords, ExportResponse, otlpReceiver, type Export, type LogRecord, type Receiver } from './helpers/otlp.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const SPAN_ID = 'b7ad6b7169203331'
/** A time with a fraction of a millisecond that binary floats hold exactly: 1700000000123.5 ms. */
const TIME = 1_700_000_000_123.5
const TIME_NS = '1700000000123500000'

/** A batch sealed only by flush(): the records logged before it go in one request, however slow the machine. */
const ONE_BATCH = { batch: { wait: '1 min' } } as const

const servers: Receiver[] = []
const loggers: Logger[] = []
const OTEL_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_SERVICE_NAME']
let savedEnvironment: Record<string, string | undefined> = {}

beforeEach(() => {
  // The sink reads these when an option is not given: each test sets its own.
  savedEnvironment = Object.fromEntries(OTEL_VARIABLES.map((name) => [name, process.env[name]]))
  for (const name of OTEL_VARIABLES) delete process.env[name]
})

afterEach(async () => {
  await Promise.all(loggers.splice(0).map((log) => log.close()))
  for (const { server } of servers.splice(0)) server.close()
  for (const name of OTEL_VARIABLES) {
    if (savedEnvironment[name] === undefined) delete process.env[name]
    else process.env[name] = savedEnvironment[name]
  }
})

async function receiver(answer?: (n: number, res: ServerResponse) => boolean): Promise<Receiver> {
  const started = await otlpReceiver(answer)
  servers.push(started)
  return started
}

function kept<L extends Logger>(log: L): L {
  loggers.push(log)
  return log
}

/** What the records of `logAll` decode to, a record's `time`, `observedTime` and `traceId`... as each sender sets them. */
function record(severityNumber: number, severityText: string, message: string | undefined, attributes: LogRecord['attributes'], more: Partial<LogRecord> = {}): LogRecord {
  return { time: TIME_NS, observedTime: TIME_NS, severityNumber, severityText, ...(message === undefined ? {} : { body: { string: message } }), attributes, ...more }
}

/** Every kind of value, nested, and text beyond ASCII. */
const FIELDS = {
  orderId: 1234,
  negative: -5,
  price: 12.5,
  beyondSafe: 2 ** 60,
  beyondInt64: 2 ** 70,
  ok: true,
  nothing: null,
  customer: 'Zoë Ødegård 🚀 注文',
  tags: ['a', 1, false, null, { deep: 'x' }],
  user: { id: 7, address: { city: 'Köln', lines: ['Hohe Straße 1'] } },
  empty: {},
  none: [],
}

const FIELD_ATTRIBUTES: LogRecord['attributes'] = {
  orderId: { int: '1234' },
  negative: { int: '-5' },
  price: { double: 12.5 },
  beyondSafe: { int: '1152921504606846976' },
  beyondInt64: { double: 2 ** 70 },
  ok: { bool: true },
  nothing: {},
  customer: { string: 'Zoë Ødegård 🚀 注文' },
  tags: { array: [{ string: 'a' }, { int: '1' }, { bool: false }, {}, { kvlist: { deep: { string: 'x' } } }] },
  user: { kvlist: { id: { int: '7' }, address: { kvlist: { city: { string: 'Köln' }, lines: { array: [{ string: 'Hohe Straße 1' }] } } } } },
  empty: { kvlist: {} },
  none: { array: [] },
}

const RESOURCE = { 'service.name': 'checkout', 'service.version': '1.2.3', 'host.cpu.count': 2, 'feature.flags': ['a', 'b'], canary: true }
const RESOURCE_ATTRIBUTES: Export['resource'] = {
  'service.name': { string: 'checkout' },
  'service.version': { string: '1.2.3' },
  'host.cpu.count': { int: '2' },
  'feature.flags': { array: [{ string: 'a' }, { string: 'b' }] },
  canary: { bool: true },
}

describe('otlp sink', () => {
  it('sends records that decode, protobuf and JSON alike, to their severity, body, attributes, trace context, times in ns, resource and scope', async () => {
    const protobuf = await receiver()
    const json = await receiver()
    const log = kept(createLogger({
      level: 'verbose',
      now: () => TIME,
      customLevels: { verbose: 5, audit: 35, notice: 45, panic: 70 },
      sinks: [
        { type: 'otlp', endpoint: protobuf.endpoint, resource: RESOURCE, ...ONE_BATCH },
        { type: 'otlp', endpoint: json.endpoint, encoding: 'json', resource: RESOURCE, ...ONE_BATCH },
      ],
    }))
    log.info('order placed', { ...FIELDS, trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' })
    log.trace('t')
    log.debug('d')
    log.warn('w', { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID, traceFlags: 0 })
    log.error('e', { trace_id: 'not hex', traceId: TRACE_ID, span_id: '0000000000000000' })
    log.fatal('f', { trace_id: TRACE_ID, traceId: 'ffffffffffffffffffffffffffffffff' })
    log.verbose('v')
    log.audit('a')
    log.notice('n')
    log.panic('p')
    log.info({ only: 'fields', msg: 'a field, not the body' })
    await log.flush()

    const expected: Export = {
      resource: RESOURCE_ATTRIBUTES,
      scope: { name: 'ringlog', version: VERSION },
      records: [
        record(9, 'info', 'order placed', FIELD_ATTRIBUTES, { traceId: TRACE_ID, spanId: SPAN_ID, flags: 1 }),
        record(1, 'trace', 't', {}),
        record(5, 'debug', 'd', {}),
        // Hex in any case is taken, and sent as the bytes it names (lower case in JSON); flags 0 is no flags.
        record(13, 'warn', 'w', {}, { traceId: TRACE_ID, spanId: SPAN_ID }),
        // Not a valid id: it stays an attribute, and the other name is looked at.
        record(17, 'error', 'e', { trace_id: { string: 'not hex' }, span_id: { string: '0000000000000000' } }, { traceId: TRACE_ID }),
        // Both names valid: the snake_case one is the trace id, the other an attribute.
        record(21, 'fatal', 'f', { traceId: { string: 'ffffffffffffffffffffffffffffffff' } }, { traceId: TRACE_ID }),
        record(1, 'verbose', 'v', {}),
        record(11, 'audit', 'a', {}),
        record(15, 'notice', 'n', {}),
        record(24, 'panic', 'p', {}),
        record(9, 'info', undefined, { only: { string: 'fields' }, msg: { string: 'a field, not the body' } }),
      ],
    }
    for (const got of [protobuf, json]) {
      expect(got.requests).toHaveLength(1)
      expect(got.requests[0].url).toBe('/v1/logs')
      expect(got.requests[0].headers['user-agent']).toBe(`ringlog/${VERSION}`)
      expect(got.requests[0].decoded).toEqual(expected)
    }
    expect(protobuf.requests[0].headers['content-type']).toBe('application/x-protobuf')
    expect(json.requests[0].headers['content-type']).toBe('application/json')
    expect(log.metrics().sinks.map(({ sent, failed }) => ({ sent, failed }))).toEqual([{ sent: 11, failed: 0 }, { sent: 11, failed: 0 }])
  })

  it('writes JSON as the OTLP mapping has it: int64 as decimal strings, ids as hex, NaN and infinities as strings', async () => {
    const json = await receiver()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'otlp', endpoint: json.endpoint, encoding: 'json', resource: { 'service.name': 's' }, ...ONE_BATCH }] }))
    log.info('numbers', { n: 42, nan: Number.NaN, up: Number.POSITIVE_INFINITY, down: Number.NEGATIVE_INFINITY, trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: 1 })
    await log.flush()
    expect(json.requests[0].body.toString()).toBe(
      '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"s"}}]},' +
      `"scopeLogs":[{"scope":{"name":"ringlog","version":"${VERSION}"},"logRecords":[` +
      `{"timeUnixNano":"${TIME_NS}","observedTimeUnixNano":"${TIME_NS}","severityNumber":9,"severityText":"info","body":{"stringValue":"numbers"},` +
      '"attributes":[{"key":"n","value":{"intValue":"42"}},{"key":"nan","value":{"doubleValue":"NaN"}},{"key":"up","value":{"doubleValue":"Infinity"}},{"key":"down","value":{"doubleValue":"-Infinity"}}],' +
      `"flags":1,"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"}]}]}]}`,
    )
  })

  it('sends bigints in int64 as ints and beyond it as their digits, in both encodings', async () => {
    const protobuf = await receiver()
    const json = await receiver()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'otlp', endpoint: protobuf.endpoint }, { type: 'otlp', endpoint: json.endpoint, encoding: 'json' }] }))
    log.info('big', { small: 123n, lowest: -(2n ** 63n), beyond: 2n ** 70n })
    await log.flush()
    const attributes = { small: { int: '123' }, lowest: { int: '-9223372036854775808' }, beyond: { string: '1180591620717411303424' } }
    expect(allRecords(protobuf)).toEqual([record(9, 'info', 'big', attributes)])
    expect(allRecords(json)).toEqual([record(9, 'info', 'big', attributes)])
  })

  it('encodes long bodies and deep values, whose lengths take several bytes, so that they decode whole', async () => {
    const protobuf = await receiver()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'otlp', endpoint: protobuf.endpoint }] }))
    const long = 'ä'.repeat(70_000) // 140,000 bytes: a three-byte length
    const nested = { a: { b: { c: { d: 'x'.repeat(200), e: Array.from({ length: 50 }, (_, i) => `item ${i}`) } } } }
    // Around the short-ASCII path (under 64 characters) and the one-byte length (under 128 bytes).
    const edges = { ascii63: 'a'.repeat(63), ascii64: 'a'.repeat(64), lastByteNot: `${'a'.repeat(62)}é`, bytes127: `${'é'.repeat(63)}a`, bytes128: 'é'.repeat(64) }
    log.info(long, { ...nested, ...edges })
    await log.flush()
    expect(allRecords(protobuf)).toEqual([record(9, 'info', long, {
      a: { kvlist: { b: { kvlist: { c: { kvlist: { d: { string: 'x'.repeat(200) }, e: { array: Array.from({ length: 50 }, (_, i) => ({ string: `item ${i}` })) } } } } } } },
      ...Object.fromEntries(Object.entries(edges).map(([key, text]) => [key, { string: text }])),
    })])
  })

  it('sends 20,000 records in batches, each once and in order, one export request per batch', async () => {
    const protobuf = await receiver()
    const log = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: protobuf.endpoint, batch: { records: 1000 } }] }))
    for (let i = 0; i < 20_000; i++) log.info('shipped', { i })
    await log.flush()
    const numbers = allRecords(protobuf).map((r) => Number((r.attributes.i as { int: string }).int))
    expect(numbers).toEqual(Array.from({ length: 20_000 }, (_, i) => i))
    for (const { decoded } of protobuf.requests) expect(decoded.records.length).toBeLessThanOrEqual(1000)
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 20_000, failed: 0, retried: 0 })
  })

  it('sends every record once the collector is back, after it answered 503 and dropped connections', async () => {
    const got = await receiver((n, res) => {
      if (n <= 2) {
        res.statusCode = 503
        res.end('starting')
        return true
      }
      if (n <= 4) {
        res.destroy()
        return true
      }
      return false
    })
    const log = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint, batch: { records: 100 }, retry: { minDelay: 5, maxDelay: 20 }, circuit: { failures: 5, probe: 50 } }] }))
    for (let i = 0; i < 1000; i++) log.info('eventually', { i })
    await log.flush()
    // The refused requests decoded as well: they carried whole batches, sent again.
    const delivered = got.requests.slice(4).flatMap((r) => r.decoded.records).map((r) => Number((r.attributes.i as { int: string }).int))
    expect(delivered).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    // Each refused request's records were tried again (batches may be smaller than 100 when a flush or the hand-over to the drain worker seals them).
    const refused = got.requests.slice(0, 4).reduce((n, r) => n + r.decoded.records.length, 0)
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 1000, failed: 0, dropped: 0, retried: refused })
  })

  it.each(['protobuf', 'json'] as const)('gzips %s bodies when asked, and they decompress to the request', async (encoding) => {
    const got = await receiver()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'otlp', endpoint: got.endpoint, encoding, compression: 'gzip' }] }))
    for (let i = 0; i < 100; i++) log.info('compressed', { i })
    await log.flush()
    for (const request of got.requests) {
      expect(request.headers['content-encoding']).toBe('gzip')
      expect(request.raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    }
    const raw = got.requests.reduce((sum, r) => sum + r.raw.length, 0)
    const body = got.requests.reduce((sum, r) => sum + r.body.length, 0)
    expect(raw).toBeLessThan(body / 4)
    expect(allRecords(got)).toEqual(Array.from({ length: 100 }, (_, i) => record(9, 'info', 'compressed', { i: { int: String(i) } })))
  })

  describe('the official OpenTelemetry SDK as a second sender: the same record decodes to the same LogRecord', () => {
    // Our FIELDS less the integers beyond 2^53, which the SDK's JSON writes as numbers that lose
    // their last digits (1152921504606847000 for 2 ** 60).
    const { beyondSafe: _, beyondInt64: __, ...sdkFields } = FIELDS
    const attributes = { ...sdkFields, note: 'ünïcödé' }

    it.each([
      ['protobuf', (url: string) => new ProtobufExporter({ url })],
      ['json', (url: string) => new JsonExporter({ url })],
    ] as const)('%s', async (encoding, exporter) => {
      const ours = await receiver()
      const theirs = await receiver()
      const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'otlp', endpoint: ours.endpoint, encoding, resource: RESOURCE, ...ONE_BATCH }] }))
      log.warn('payment declined ✗', { ...attributes, trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' })
      await log.flush()

      const provider = new LoggerProvider({
        resource: resourceFromAttributes(RESOURCE),
        processors: [new SimpleLogRecordProcessor({ exporter: exporter(`${theirs.endpoint}/v1/logs`) })],
      })
      provider.getLogger('ringlog', VERSION).emit({
        timestamp: TIME,
        observedTimestamp: TIME,
        severityNumber: SeverityNumber.WARN,
        severityText: 'warn',
        body: 'payment declined ✗',
        attributes: attributes as AnyValueMap,
        context: trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED }),
      })
      await provider.forceFlush()
      await provider.shutdown()

      const [ourExport] = ours.requests.map((r) => r.decoded)
      const [theirExport] = theirs.requests.map((r) => r.decoded)
      expect(ours.requests[0].headers['content-type']).toBe(theirs.requests[0].headers['content-type'])
      expect(ourExport.records).toEqual(theirExport.records)
      expect(ourExport.records[0]).toMatchObject({ severityNumber: 13, traceId: TRACE_ID, spanId: SPAN_ID, flags: 1, time: TIME_NS })
      expect(ourExport.scope).toEqual(theirExport.scope)
      // The SDK describes itself in the resource too (telemetry.sdk.*); what both set is the same.
      expect(theirExport.resource).toMatchObject(ourExport.resource)
      expect(Object.keys(ourExport.resource)).toEqual(Object.keys(RESOURCE))
    })
  })

  describe('headers, endpoint and resource, from options or OpenTelemetry variables', () => {
    it('sends the headers given (authorization) and keeps its own content type', async () => {
      const got = await receiver()
      const log = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint, headers: { Authorization: 'Bearer t0ken', 'Content-Type': 'text/plain', 'user-agent': 'mine/1' } }] }))
      log.info('authorized')
      await log.flush()
      expect(got.requests[0].headers).toMatchObject({ authorization: 'Bearer t0ken', 'content-type': 'application/x-protobuf', 'user-agent': 'mine/1' })
    })

    it('posts to `url` as it is, and to `endpoint` with /v1/logs after its own path', async () => {
      const got = await receiver()
      const log = kept(createLogger({
        sinks: [
          { type: 'otlp', url: `${got.endpoint}/ingest/logs?tenant=a` },
          { type: 'otlp', endpoint: `${got.endpoint}/otlp/` },
          { type: 'otlp', endpoint: `${got.endpoint}/otlp` },
        ],
      }))
      log.info('where')
      await log.flush()
      expect(got.requests.map((r) => r.url).sort()).toEqual(['/ingest/logs?tenant=a', '/otlp/v1/logs', '/otlp/v1/logs'])
    })

    it('reads OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS (percent-decoded) when the options are not given', async () => {
      const got = await receiver()
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `${got.endpoint}/collector`
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Bearer%20abc%3D%3D , x-tenant=t1'
      const log = kept(createLogger({ sinks: [{ type: 'otlp' }] }))
      log.info('from the environment')
      await log.flush()
      expect(got.requests[0].url).toBe('/collector/v1/logs')
      expect(got.requests[0].headers).toMatchObject({ authorization: 'Bearer abc==', 'x-tenant': 't1' })
    })

    it('takes OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as the full URL over OTEL_EXPORTER_OTLP_ENDPOINT, and the options over both', async () => {
      const got = await receiver()
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:1'
      process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT = `${got.endpoint}/exact`
      process.env.OTEL_EXPORTER_OTLP_LOGS_HEADERS = 'x-logs=yes'
      process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-all=yes'
      const log = kept(createLogger({ sinks: [{ type: 'otlp' }, { type: 'otlp', endpoint: `${got.endpoint}/option`, headers: { 'x-option': 'yes' } }] }))
      log.info('which')
      await log.flush()
      const byUrl = Object.fromEntries(got.requests.map((r) => [r.url, r.headers]))
      expect(Object.keys(byUrl).sort()).toEqual(['/exact', '/option/v1/logs'])
      expect(byUrl['/exact']).toMatchObject({ 'x-logs': 'yes' })
      expect(byUrl['/exact']['x-all']).toBeUndefined()
      expect(byUrl['/option/v1/logs']).toMatchObject({ 'x-option': 'yes' })
      expect(byUrl['/option/v1/logs']['x-logs']).toBeUndefined()
    })

    it('names the service unknown_service:node by default, else by OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES, and the resource option over both', async () => {
      const got = await receiver()
      const bare = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint }] }))
      bare.info('nameless')
      await bare.flush()
      process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=from-attributes, deployment.environment.name=prod%2Ceu,team=payments'
      process.env.OTEL_SERVICE_NAME = 'billing'
      const named = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint }, { type: 'otlp', endpoint: got.endpoint, resource: { team: 'ledger', region: 'eu-1' } }] }))
      named.info('named')
      await named.flush()
      const bySize = (a: object, b: object): number => Object.keys(a).length - Object.keys(b).length
      expect(got.requests.map((r) => r.decoded.resource).sort(bySize)).toEqual([
        { 'service.name': { string: 'unknown_service:node' } },
        { 'service.name': { string: 'billing' }, 'deployment.environment.name': { string: 'prod,eu' }, team: { string: 'payments' } },
        { 'service.name': { string: 'billing' }, 'deployment.environment.name': { string: 'prod,eu' }, team: { string: 'ledger' }, region: { string: 'eu-1' } },
      ])
    })
  })

  describe('partial success', () => {
    it.each(['protobuf', 'json'] as const)('%s: counts the records the collector rejected as failed, the rest as sent, and does not send them again', async (encoding) => {
      const got = await receiver((n, res) => {
        if (n !== 1) return false
        const partial = { partialSuccess: { rejectedLogRecords: 2, errorMessage: 'two were too old' } }
        res.end(encoding === 'json' ? JSON.stringify(partial) : ExportResponse.encode(ExportResponse.fromObject(partial)).finish())
        return true
      })
      const log = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint, encoding, ...ONE_BATCH }] }))
      for (let i = 0; i < 5; i++) log.info('partly', { i })
      await log.flush()
      log.info('then all')
      await log.flush()
      expect(got.requests.map((r) => r.decoded.records.length)).toEqual([5, 1])
      expect(log.metrics().sinks[0]).toMatchObject({ sent: 4, failed: 2, retried: 0, lastError: 'send: the collector rejected 2 of 5 records: two were too old' })
    })

    it('takes a partial success that rejected nothing (a warning) as a success', async () => {
      const got = await receiver((_, res) => {
        res.end(ExportResponse.encode(ExportResponse.fromObject({ partialSuccess: { errorMessage: 'slow down' } })).finish())
        return true
      })
      const log = kept(createLogger({ sinks: [{ type: 'otlp', endpoint: got.endpoint }] }))
      log.info('fine')
      await log.flush()
      expect(log.metrics().sinks[0]).toMatchObject({ sent: 1, failed: 0 })
    })
  })

  describe('the delivery on its own: what it tells the sink about a refusal', () => {
    const formatOptions: FormatOptions = {
      format: 'json', messageKey: 'msg', timeKey: 'time', levelKey: 'level', levelFormat: 'label', timeFormat: 'iso',
      columns: [], colors: false, gcpProject: undefined, limits: { maxDepth: 10, maxStringLength: Infinity, maxArrayLength: Infinity }, labels: { 40: 'warn' },
    }
    /** A batch of one record: the warning a format writes for records the ring dropped. */
    function batch(): { bytes: Buffer; ends: Int32Array; count: number } {
      const out = new Output(256)
      new OtlpProtobufFormat(out, formatOptions).dropped(TIME, 3, [])
      return { bytes: out.buf.subarray(0, out.pos), ends: out.ends.slice(0, out.records), count: out.records }
    }
    function delivery(endpoint: string): OtlpDelivery {
      return new OtlpDelivery({ url: `${endpoint}/v1/logs`, encoding: 'protobuf', gzip: false, headers: {}, resource: {}, timeoutMs: 5000 })
    }

    it('resolves on a 2xx, and the request holds the batch', async () => {
      const got = await receiver()
      const sender = delivery(got.endpoint)
      await sender.send(batch(), new AbortController().signal)
      sender.close()
      expect(allRecords(got)).toEqual([record(13, 'warn', 'ringlog dropped records: the ring was full', { dropped: { int: '3' } })])
    })

    it('rejects a 503 to be retried after its Retry-After, and a 400 not to be', async () => {
      const got = await receiver((n, res) => {
        res.statusCode = n === 1 ? 503 : 400
        if (n === 1) res.setHeader('retry-after', '2')
        res.end(n === 1 ? 'overloaded' : 'bad request body')
        return true
      })
      const sender = delivery(got.endpoint)
      const first = await sender.send(batch(), new AbortController().signal).catch((error: unknown) => error)
      const second = await sender.send(batch(), new AbortController().signal).catch((error: unknown) => error)
      sender.close()
      expect(first).toBeInstanceOf(DeliveryError)
      expect(first).toMatchObject({ message: 'HTTP 503: overloaded', retry: true, retryAfterMs: 2000, delivered: 0 })
      expect(second).toMatchObject({ message: 'HTTP 400: bad request body', retry: false, delivered: 0 })
    })
  })

  describe('bad configuration throws from createLogger, naming the sink, the option and the value', () => {
    it.each([
      [{ url: 'ftp://example.test/logs' }, 'ringlog: invalid option sinks[0].url: "ftp://example.test/logs"; expected an http:// or https:// URL'],
      [{ endpoint: 'not a url' }, 'ringlog: invalid option sinks[0].endpoint: "not a url"; expected an http:// or https:// URL'],
      [{ url: 'http://127.0.0.1/a', endpoint: 'http://127.0.0.1' }, 'ringlog: invalid option sinks[0].url: "http://127.0.0.1/a"; expected either url or endpoint, not both'],
      [{ encoding: 'xml' }, "ringlog: invalid option sinks[0].encoding: \"xml\"; expected 'protobuf' or 'json'"],
      [{ compression: 'br' }, "ringlog: invalid option sinks[0].compression: \"br\"; expected 'gzip', 'none' or false"],
      [{ headers: { 'bad name': 'x' } }, "ringlog: invalid option sinks[0].headers: \"bad name\"; expected header names of letters, digits and !#$%&'*+.^_`|~-"],
      [{ headers: { 'x-a': 'line\nbreak' } }, 'ringlog: invalid option sinks[0].headers["x-a"]: "line\\nbreak"; expected text without line breaks or control characters'],
      [{ resource: { nested: { no: 1 } } }, 'ringlog: invalid option sinks[0].resource["nested"]: {"no":1}; expected a string, a finite number, a boolean, or an array of them'],
      [{ timeout: 'soon' }, "ringlog: invalid option sinks[0].timeout: \"soon\"; expected a duration: milliseconds as a number, or like '30 days' or '12 hours'"],
      [{ gzip: true }, 'ringlog: invalid option sinks[0].gzip: true; expected no such option'],
    ])('%j', (options, message) => {
      expect(() => createLogger({ sinks: [{ type: 'otlp', ...options }] as never })).toThrow(message)
    })

    it('names the variable when one read in place of an option is not valid', () => {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'collector:4318'
      expect(() => createLogger({ sinks: [{ type: 'otlp' }] })).toThrow('ringlog: invalid environment variable OTEL_EXPORTER_OTLP_ENDPOINT (in place of option sinks[0].endpoint): "collector:4318"; expected an http:// or https:// URL')
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT
      process.env.OTEL_RESOURCE_ATTRIBUTES = 'team'
      expect(() => createLogger({ sinks: [{ type: 'otlp', endpoint: 'http://127.0.0.1:4318' }] })).toThrow('ringlog: invalid environment variable OTEL_RESOURCE_ATTRIBUTES (in place of option sinks[0].resource): "team"; expected comma-separated key=value pairs')
    })
  })
})
