import type { Output } from '../output.js'
import { DecodedFormat, type DecodedRecord } from './decoded.js'
import type { FormatOptions } from './format.js'
import { integerDigits, isInt64, severityNumber, splitFields, unixNanos, withoutRecordKeys } from './otlp-record.js'
import type { Plain, PlainObject } from './values.js'

/**
 * OTLP's JSON encoding (protobuf's JSON mapping, as OTLP/HTTP specifies it: lowerCamelCase names,
 * 64-bit integers as decimal strings, enums as numbers, trace and span ids as hex): each record is
 * one `LogRecord` object; the delivery joins them into the request (src/worker/shipping/otlp-envelope.ts).
 */
export class OtlpJsonFormat extends DecodedFormat {
  constructor(out: Output, options: FormatOptions) {
    super(out, withoutRecordKeys(options))
  }

  line(record: DecodedRecord): void {
    const { trace, attributes } = splitFields(record.fields)
    // The record is observed when it is logged: OpenTelemetry's SDKs set both times alike then.
    const time = unixNanos(record.time).toString()
    let json = `{"timeUnixNano":"${time}","observedTimeUnixNano":"${time}","severityNumber":${severityNumber(record.level)},"severityText":${JSON.stringify(record.label)}`
    if (record.message !== undefined) json += `,"body":{"stringValue":${JSON.stringify(record.message)}}`
    if (Object.keys(attributes).length > 0) json += `,"attributes":${keyValuesJson(attributes)}`
    if (trace.flags !== undefined) json += `,"flags":${trace.flags}`
    if (trace.traceId !== undefined) json += `,"traceId":"${trace.traceId}"`
    if (trace.spanId !== undefined) json += `,"spanId":"${trace.spanId}"`
    this.out.utf8(`${json}}`)
  }
}

/** The members of `object` as a JSON array of `KeyValue`s. */
export function keyValuesJson(object: PlainObject): string {
  return `[${Object.keys(object).map((key) => `{"key":${JSON.stringify(key)},"value":${anyValueJson(object[key])}}`).join(',')}]`
}

/**
 * A value as an `AnyValue`, as the protobuf encoding has it (otlp-protobuf.ts), in the JSON
 * mapping's terms: intValue as a string, NaN and the infinities as the strings it has for them,
 * null as `{}`.
 */
function anyValueJson(value: Plain): string {
  switch (typeof value) {
    case 'string': return `{"stringValue":${JSON.stringify(value)}}`
    case 'boolean': return `{"boolValue":${value}}`
    case 'number':
      if (isInt64(value)) return `{"intValue":"${integerDigits(value)}"}`
      return `{"doubleValue":${Number.isFinite(value) ? String(value) : `"${value}"`}}`
    case 'bigint':
      return isInt64(value) ? `{"intValue":"${value}"}` : `{"stringValue":"${value}"}`
  }
  if (value === null) return '{}'
  if (Array.isArray(value)) return `{"arrayValue":{"values":[${value.map(anyValueJson).join(',')}]}}`
  return `{"kvlistValue":{"values":${keyValuesJson(value)}}}`
}
