import { VERSION } from '../../version.js'
import { keyValuesJson } from '../format/otlp-json.js'
import { writeKeyValues } from '../format/otlp-protobuf.js'
import { LEN, ProtobufWriter, varintSize } from '../format/protobuf.js'
import type { PlainObject } from '../format/values.js'
import { Output } from '../output.js'
import type { ResourceValue } from '../../shipping/otlp-options.js'
import { type Batch, batchBytes, recordOf } from './delivery.js'

/** The instrumentation scope every record is sent under. */
const SCOPE_NAME = 'ringlog'

// Field numbers, from opentelemetry-proto's collector/logs/v1/logs_service.proto, logs/v1/logs.proto,
// resource/v1/resource.proto and common/v1/common.proto.
const RESOURCE_LOGS = 1 // ExportLogsServiceRequest
const RESOURCE = 1 // ResourceLogs
const SCOPE_LOGS = 2 // ResourceLogs
const ATTRIBUTES = 1 // Resource
const SCOPE = 1 // ScopeLogs
const NAME = 1 // InstrumentationScope
const SCOPE_VERSION = 2 // InstrumentationScope

/**
 * The request a batch of formatted records is sent in: `ExportLogsServiceRequest { resource_logs:
 * [{ resource, scope_logs: [{ scope, log_records }] }] }`, the records as the format wrote them.
 */
export interface Envelope {
  readonly contentType: string
  wrap(batch: Batch): Buffer
}

/**
 * The protobuf request. The resource and the scope are written once; a batch needs only the two
 * lengths that enclose it, since its bytes are already ScopeLogs' repeated `log_records` field
 * (src/worker/format/otlp-protobuf.ts): repeated fields concatenate, so no record is encoded again.
 */
export class ProtobufEnvelope implements Envelope {
  readonly contentType = 'application/x-protobuf'
  private readonly out = new Output(64)
  private readonly pb = new ProtobufWriter(this.out)
  /** ResourceLogs' `resource` field: `Resource { attributes }`. */
  private readonly resource: Buffer
  /** ScopeLogs' `scope` field: `InstrumentationScope { name, version }`. */
  private readonly scope: Buffer

  constructor(resource: Readonly<Record<string, ResourceValue>>) {
    this.resource = this.field(RESOURCE, () => writeKeyValues(this.pb, ATTRIBUTES, resource as PlainObject))
    this.scope = this.field(SCOPE, () => {
      this.pb.string(NAME, SCOPE_NAME)
      this.pb.string(SCOPE_VERSION, VERSION)
    })
  }

  wrap(batch: Batch): Buffer {
    const { out, pb } = this
    const records = batchBytes(batch)
    const scopeLogs = this.scope.length + records.length
    const resourceLogs = this.resource.length + 1 + varintSize(scopeLogs) + scopeLogs
    out.clear()
    pb.tag(RESOURCE_LOGS, LEN)
    pb.varint(resourceLogs)
    out.bytes(this.resource, 0, this.resource.length)
    pb.tag(SCOPE_LOGS, LEN)
    pb.varint(scopeLogs)
    out.bytes(this.scope, 0, this.scope.length)
    return Buffer.concat([out.buf.subarray(0, out.pos), records])
  }

  /** Length-delimited field `field` with what `content` writes, as bytes of its own. */
  private field(field: number, content: () => void): Buffer {
    this.out.clear()
    const start = this.pb.begin(field)
    content()
    this.pb.end(start)
    return Buffer.from(this.out.buf.subarray(0, this.out.pos))
  }
}

const COMMA = Buffer.from(',')

/** The JSON request: its start and end written once, the records' objects joined with commas between them. */
export class JsonEnvelope implements Envelope {
  readonly contentType = 'application/json'
  private readonly head: Buffer
  private readonly tail = Buffer.from(']}]}]}')

  constructor(resource: Readonly<Record<string, ResourceValue>>) {
    const scope = `{"name":${JSON.stringify(SCOPE_NAME)},"version":${JSON.stringify(VERSION)}}`
    this.head = Buffer.from(`{"resourceLogs":[{"resource":{"attributes":${keyValuesJson(resource as PlainObject)}},"scopeLogs":[{"scope":${scope},"logRecords":[`)
  }

  wrap(batch: Batch): Buffer {
    const parts = [this.head]
    for (let i = 0; i < batch.count; i++) {
      if (i > 0) parts.push(COMMA)
      parts.push(recordOf(batch, i))
    }
    parts.push(this.tail)
    return Buffer.concat(parts)
  }
}
