/**
 * `ringlog/gcp`: the `gcp` sink's delivery, which the drain worker imports only when a logger has
 * such a sink. It is the one module of ringlog that loads Google's client (`@google-cloud/logging`,
 * an optional peer dependency).
 */
import { Logging, type Entry, type Log, type LoggingOptions } from '@google-cloud/logging'
import type { GcpConfig } from './shipping/gcp-options.js'
import { abortable } from './worker/shipping/abortable.js'
import { DeliveryError, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { runsOf } from './worker/shipping/runs.js'

export type { GcpSinkOptions } from './shipping/gcp-options.js'

/** ringlog's caps on one entries.write call, under the service's 10 MB a request. */
export const MAX_ENTRIES = 1000
export const MAX_CALL_BYTES = 9 * 1024 * 1024

const SPECIAL = 'logging.googleapis.com/'
/** gRPC status codes worth trying the call again for: cancelled, deadline exceeded, resource exhausted, aborted, internal, unavailable. */
const RETRIED = new Set([1, 4, 8, 10, 13, 14])

/** Whether a failed call is worth trying again: by its gRPC status, or by its HTTP status over REST; without one, a network error. */
function retried(code: unknown): boolean {
  if (typeof code !== 'number') return true
  return code < 100 ? RETRIED.has(code) : code === 408 || code === 429 || code >= 500
}

type Json = Record<string, unknown>

/** `"0.0015s"` (the gcp format's latency) as the Duration the client sends. */
function duration(text: unknown): { seconds: number; nanos: number } | undefined {
  if (typeof text !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(text)) return undefined
  const [whole, fraction = ''] = text.slice(0, -1).split('.')
  return { seconds: Number(whole), nanos: Number(fraction.padEnd(9, '0')) }
}

/**
 * A gcp-format record as an entry: the keys Cloud Logging's agent reads specially go into the
 * entry's own fields, the rest (the message included) is its jsonPayload.
 */
export function entryOf(log: Log, record: Json, labels: Record<string, string>, project: string): Entry {
  const {
    severity, time, httpRequest,
    [`${SPECIAL}trace`]: trace, [`${SPECIAL}spanId`]: spanId, [`${SPECIAL}trace_sampled`]: traceSampled,
    [`${SPECIAL}labels`]: own, [`${SPECIAL}sourceLocation`]: sourceLocation,
    ...payload
  } = record
  // Seconds and nanoseconds exactly: the client's own conversion of a Date is a float's.
  const ms = Date.parse(time as string)
  const timestamp = { seconds: Math.floor(ms / 1000), nanos: Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6) }
  const metadata: Json = { severity, timestamp, labels: { ...labels, ...(own as Record<string, string> | undefined) } }
  // The console links a trace by its full name, in the project the entries go to.
  if (typeof trace === 'string') metadata.trace = trace.startsWith('projects/') ? trace : `projects/${project}/traces/${trace}`
  if (spanId !== undefined) metadata.spanId = spanId
  if (traceSampled !== undefined) metadata.traceSampled = traceSampled
  if (sourceLocation !== undefined) metadata.sourceLocation = sourceLocation
  if (httpRequest !== undefined && httpRequest !== null && typeof httpRequest === 'object') {
    const request = { ...(httpRequest as Json) }
    const latency = duration(request.latency)
    if (latency === undefined) delete request.latency
    else request.latency = latency
    metadata.httpRequest = request
  }
  return log.entry(metadata, payload)
}

/** The batch's records (the gcp format's lines) in calls of at most MAX_ENTRIES entries and MAX_CALL_BYTES bytes, in order. */
export function calls(batch: Batch): Json[][] {
  return runsOf(batch, MAX_ENTRIES, MAX_CALL_BYTES, (line) => JSON.parse(line.toString('utf8')) as Json)
}

/** entries.write calls for each batch, in order, over REST. */
export class GcpDelivery implements Delivery {
  private readonly logging: Logging
  private readonly log: Log

  constructor(private readonly config: GcpConfig) {
    const endpoint = config.apiEndpoint
    // google-gax takes `fallback`; the client's options type leaves it out.
    const options: LoggingOptions & { fallback: 'rest' } = {
      ...(config.projectId === undefined ? {} : { projectId: config.projectId }),
      ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
      ...(config.keyFilename === undefined ? {} : { keyFilename: config.keyFilename }),
      ...(endpoint === undefined ? {} : { apiEndpoint: endpoint.host, port: endpoint.port, protocol: endpoint.protocol }),
      // The sink retries, with its backoff and circuit.
      autoRetry: false,
      maxRetries: 0,
      // JSON over HTTP/1.1, kept alive: no gRPC channel to hold open, and an emulator needs nothing more.
      fallback: 'rest',
    }
    this.logging = new Logging(options)
    this.log = this.logging.log(config.logName)
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    let delivered = 0
    for (const run of calls(batch)) {
      let entries: Entry[]
      try {
        // Given, or found by the client (credentials, the metadata server) at its first call.
        await this.logging.setProjectId()
        entries = run.map((record) => entryOf(this.log, record, this.config.labels, this.logging.projectId))
      } catch (error) {
        throw new DeliveryError(`no project: ${String((error as Error).message ?? error)}`, { retry: true, delivered, cause: error })
      }
      try {
        await abortable(this.log.write(entries, {
          ...(this.config.resource === undefined ? {} : { resource: this.config.resource }),
          // All or none: what the sink counts as sent arrived.
          partialSuccess: false,
          // The sink retries, with its backoff and circuit.
          gaxOptions: { timeout: this.config.timeoutMs, maxRetries: 0 },
        }), signal)
      } catch (error) {
        const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
        throw new DeliveryError(`${typeof code === 'number' ? `code ${code}: ` : ''}${String(message ?? error)}`, { retry: retried(code), delivered, cause: error })
      }
      delivered += run.length
    }
  }

  async close(): Promise<void> {
    await this.logging.loggingService.close?.()
  }
}

/** The delivery of a `gcp` sink (src/worker/shipping/types.ts). */
export function gcpDelivery(config: GcpConfig): Delivery {
  return new GcpDelivery(config)
}
