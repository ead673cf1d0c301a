/**
 * `ringlog/cloudwatch`: the `cloudwatch` sink's delivery, which the drain worker imports only when a
 * logger has such a sink. It is the one module of ringlog that loads the AWS SDK
 * (`@aws-sdk/client-cloudwatch-logs`, an optional peer dependency).
 */
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type InputLogEvent, type RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs'
import type { CloudWatchConfig } from './shipping/cloudwatch-options.js'
import { DeliveryError, recordOf, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { STAMP_BYTES } from './worker/format/timestamped.js'

export type { CloudWatchSinkOptions } from './shipping/cloudwatch-options.js'

/** PutLogEvents' limits: events and bytes per call (each event's UTF-8 message and 26 bytes), the time one call may span, one event's size. */
export const MAX_EVENTS = 10_000
export const MAX_CALL_BYTES = 1_048_576
export const EVENT_OVERHEAD = 26
export const MAX_SPAN_MS = 24 * 60 * 60 * 1000
export const MAX_EVENT_BYTES = 256 * 1024

/** Errors worth trying the call again for (the SDK's own retries are off: the sink retries, with its backoff and circuit). */
const RETRIED = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InvalidSequenceTokenException', 'LimitExceededException', 'RequestTimeout', 'TimeoutError'])
const NEWLINE = 0x0a

/** A record's event; `bytes`, its message's UTF-8 length. */
interface LogEvent {
  timestamp: number
  message: string
  bytes: number
}

/**
 * A message longer than an event may be (256 KiB with its 26 bytes) is cut at a character's start
 * and ends with `... [N more bytes]`: the start of the record stays searchable, and its length is told.
 */
export function cutMessage(bytes: Buffer): Buffer {
  const room = MAX_EVENT_BYTES - EVENT_OVERHEAD
  if (bytes.length <= room) return bytes
  let keep = room - 40
  // Not inside a character: UTF-8 continuation bytes are 10xxxxxx.
  while (keep > 0 && (bytes[keep] & 0xc0) === 0x80) keep--
  return Buffer.concat([bytes.subarray(0, keep), Buffer.from(`... [${bytes.length - keep} more bytes]`)])
}

/** The batch's records as events: the time stamped before each (src/worker/format/timestamped.ts), the text without its line feed. */
export function logEvents(batch: Batch): LogEvent[] {
  const events: LogEvent[] = []
  for (let i = 0; i < batch.count; i++) {
    const record = recordOf(batch, i)
    const end = record.length > STAMP_BYTES && record[record.length - 1] === NEWLINE ? record.length - 1 : record.length
    const text = cutMessage(record.subarray(STAMP_BYTES, end))
    events.push({ timestamp: Math.floor(record.readDoubleLE(0)), message: text.toString('utf8'), bytes: text.length })
  }
  return events
}

/**
 * The events in the order of the batch, cut into runs that each fit one call: at most MAX_EVENTS
 * events and MAX_CALL_BYTES bytes, spanning at most 24 hours. Runs in the batch's order keep "the
 * first N records arrived" true when a later call fails.
 */
export function calls(events: readonly LogEvent[]): LogEvent[][] {
  const runs: LogEvent[][] = []
  let run: LogEvent[] = []
  let bytes = 0
  let first = 0
  let last = 0
  for (const event of events) {
    const size = event.bytes + EVENT_OVERHEAD
    const earliest = Math.min(first, event.timestamp)
    const latest = Math.max(last, event.timestamp)
    if (run.length > 0 && (run.length === MAX_EVENTS || bytes + size > MAX_CALL_BYTES || latest - earliest > MAX_SPAN_MS)) {
      runs.push(run)
      run = []
      bytes = 0
    }
    if (run.length === 0) {
      first = event.timestamp
      last = event.timestamp
    } else {
      first = earliest
      last = latest
    }
    run.push(event)
    bytes += size
  }
  if (run.length > 0) runs.push(run)
  return runs
}

/** Events PutLogEvents answered it did not take (too old, too new, past the group's retention). */
function rejectedCount(info: RejectedLogEventsInfo | undefined, count: number): number {
  if (info === undefined) return 0
  const tooNew = info.tooNewLogEventStartIndex === undefined ? 0 : count - info.tooNewLogEventStartIndex
  const tooOld = Math.max(info.tooOldLogEventEndIndex ?? -1, info.expiredLogEventEndIndex ?? -1) + 1
  return Math.min(count, tooNew + tooOld)
}

interface AwsError {
  name?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
}

/** PutLogEvents calls for each batch, in order; the log group and stream made on first need, if allowed. */
export class CloudWatchDelivery implements Delivery {
  private readonly client: CloudWatchLogsClient

  constructor(private readonly config: CloudWatchConfig) {
    this.client = new CloudWatchLogsClient({
      ...(config.region === undefined ? {} : { region: config.region }),
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
      maxAttempts: 1,
      requestHandler: { requestTimeout: config.timeoutMs, connectionTimeout: config.timeoutMs },
    })
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    let delivered = 0
    let rejected = 0
    for (const run of calls(logEvents(batch))) {
      try {
        rejected += await this.put(run, signal)
      } catch (error) {
        throw this.failure(error, delivered)
      }
      delivered += run.length
    }
    if (rejected > 0) {
      throw new DeliveryError(`CloudWatch Logs refused ${rejected} of ${batch.count} events as too old, too new or past the group's retention`, { retry: false, delivered: batch.count - rejected })
    }
  }

  close(): void {
    this.client.destroy()
  }

  /** One call, its events in time order as the service asks; the group and stream made once if they are missing and may be. Returns the events it refused. */
  private async put(run: LogEvent[], signal: AbortSignal): Promise<number> {
    // Stable: records of the same millisecond keep their order.
    const logEvents: InputLogEvent[] = [...run].sort((a, b) => a.timestamp - b.timestamp).map(({ timestamp, message }) => ({ timestamp, message }))
    const command = new PutLogEventsCommand({ logGroupName: this.config.logGroup, logStreamName: this.config.logStream, logEvents })
    try {
      const answer = await this.client.send(command, { abortSignal: signal })
      return rejectedCount(answer.rejectedLogEventsInfo, logEvents.length)
    } catch (error) {
      // A call the service had taken already, sent again after a lost answer.
      if ((error as AwsError).name === 'DataAlreadyAcceptedException') return 0
      if ((error as AwsError).name !== 'ResourceNotFoundException' || !(await this.create(error as AwsError, signal))) throw error
      const answer = await this.client.send(command, { abortSignal: signal })
      return rejectedCount(answer.rejectedLogEventsInfo, logEvents.length)
    }
  }

  /** Makes what the error says is missing, if the options allow; false when they do not. */
  private async create(error: AwsError, signal: AbortSignal): Promise<boolean> {
    const group = /log group/i.test(error.message ?? '')
    if (group && !this.config.createLogGroup) return false
    if (!this.config.createLogStream) return false
    const made = async (command: CreateLogGroupCommand | CreateLogStreamCommand): Promise<void> => {
      try {
        await this.client.send(command as CreateLogStreamCommand, { abortSignal: signal })
      } catch (cause) {
        // Made meanwhile by another process: as good.
        if ((cause as AwsError).name !== 'ResourceAlreadyExistsException') throw cause
      }
    }
    if (group) await made(new CreateLogGroupCommand({ logGroupName: this.config.logGroup }))
    await made(new CreateLogStreamCommand({ logGroupName: this.config.logGroup, logStreamName: this.config.logStream }))
    return true
  }

  /** A failed call as the sink needs it: tried again or not, and how many records arrived before it. */
  private failure(error: unknown, delivered: number): DeliveryError {
    const { name = 'Error', message = String(error), $metadata } = (error ?? {}) as AwsError
    const status = $metadata?.httpStatusCode
    const retry = RETRIED.has(name) || status === undefined || status >= 500 || status === 429
    let hint = ''
    if (name === 'ResourceNotFoundException') hint = /log group/i.test(message) ? ' (createLogGroup: true makes it)' : ' (createLogStream: true makes it)'
    return new DeliveryError(`${name}: ${message}${hint}`, { retry, delivered, cause: error })
  }
}

/** The delivery of a `cloudwatch` sink (src/worker/shipping/types.ts). */
export function cloudwatchDelivery(config: CloudWatchConfig): Delivery {
  return new CloudWatchDelivery(config)
}
