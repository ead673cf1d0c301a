import type { Output } from '../output.js'
import { DecodedFormat, type DecodedRecord } from './decoded.js'
import type { FormatOptions } from './format.js'
import { isInt64, severityNumber, splitFields, unixNanos, withoutRecordKeys } from './otlp-record.js'
import { I32, I64, ProtobufWriter, VARINT } from './protobuf.js'
import type { Plain, PlainObject } from './values.js'

// Field numbers, from opentelemetry-proto's logs/v1/logs.proto and common/v1/common.proto.
/** ScopeLogs.log_records: the field each record is written as. */
export const LOG_RECORDS = 2
const TIME = 1
const SEVERITY_NUMBER = 2
const SEVERITY_TEXT = 3
const BODY = 5
const ATTRIBUTES = 6
const FLAGS = 8
const TRACE_ID = 9
const SPAN_ID = 10
const OBSERVED_TIME = 11
// AnyValue's oneof
const STRING_VALUE = 1
const BOOL_VALUE = 2
const INT_VALUE = 3
const DOUBLE_VALUE = 4
const ARRAY_VALUE = 5
const KVLIST_VALUE = 6
// KeyValue; ArrayValue and KeyValueList have their items in field 1
const KEY = 1
const VALUE = 2
const VALUES = 1

/**
 * OTLP's protobuf encoding: each record is one `LogRecord`, written as a ScopeLogs `log_records`
 * field (its tag, its length, the message), so that a batch's bytes are that repeated field as it
 * is and the delivery only writes the request around them (src/worker/shipping/otlp-envelope.ts).
 */
export class OtlpProtobufFormat extends DecodedFormat {
  private readonly pb: ProtobufWriter

  constructor(out: Output, options: FormatOptions) {
    super(out, withoutRecordKeys(options))
    this.pb = new ProtobufWriter(out)
  }

  line(record: DecodedRecord): void {
    const { pb } = this
    const { trace, attributes } = splitFields(record.fields)
    const start = pb.begin(LOG_RECORDS)
    // The record is observed when it is logged: OpenTelemetry's SDKs set both times alike then.
    const time = unixNanos(record.time)
    pb.tag(TIME, I64)
    pb.fixed64(time)
    pb.tag(SEVERITY_NUMBER, VARINT)
    pb.varint(severityNumber(record.level))
    pb.string(SEVERITY_TEXT, record.label)
    if (record.message !== undefined) {
      const body = pb.begin(BODY)
      pb.string(STRING_VALUE, record.message)
      pb.end(body)
    }
    writeKeyValues(pb, ATTRIBUTES, attributes)
    if (trace.flags !== undefined) {
      pb.tag(FLAGS, I32)
      pb.fixed32(trace.flags)
    }
    if (trace.traceId !== undefined) pb.hexBytes(TRACE_ID, trace.traceId)
    if (trace.spanId !== undefined) pb.hexBytes(SPAN_ID, trace.spanId)
    pb.tag(OBSERVED_TIME, I64)
    pb.fixed64(time)
    pb.end(start)
  }
}

/** Each member of `object` as a `KeyValue` in repeated field `field`. */
export function writeKeyValues(pb: ProtobufWriter, field: number, object: PlainObject): void {
  for (const key of Object.keys(object)) {
    const start = pb.begin(field)
    pb.string(KEY, key)
    writeAnyValue(pb, VALUE, object[key])
    pb.end(start)
  }
}

/**
 * A value as an `AnyValue` in field `field`: strings, booleans, integers (isInt64()) and doubles
 * as themselves, arrays as array_value, objects as kvlist_value, null as an AnyValue with no value,
 * as OpenTelemetry has it.
 */
function writeAnyValue(pb: ProtobufWriter, field: number, value: Plain): void {
  const start = pb.begin(field)
  switch (typeof value) {
    case 'string':
      pb.string(STRING_VALUE, value)
      break
    case 'boolean':
      pb.tag(BOOL_VALUE, VARINT)
      pb.varint(value ? 1 : 0)
      break
    case 'number':
    case 'bigint':
      if (isInt64(value)) {
        pb.tag(INT_VALUE, VARINT)
        pb.int64(value)
      } else if (typeof value === 'number') {
        pb.tag(DOUBLE_VALUE, I64)
        pb.double(value)
      } else {
        pb.string(STRING_VALUE, value.toString())
      }
      break
    default:
      if (Array.isArray(value)) {
        const array = pb.begin(ARRAY_VALUE)
        for (const item of value) writeAnyValue(pb, VALUES, item)
        pb.end(array)
      } else if (value !== null) {
        const list = pb.begin(KVLIST_VALUE)
        writeKeyValues(pb, VALUES, value)
        pb.end(list)
      }
  }
  pb.end(start)
}
