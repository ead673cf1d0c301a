import { I32, I64, LEN, VARINT } from '../format/protobuf.js'

/**
 * What a collector says it did not take of a request it answered with a 2xx: the `partial_success`
 * of its `ExportLogsServiceResponse`. The records it names are refused for good (the OTLP
 * specification: a client must not send them again), and it does not say which they are.
 */
export interface Rejection {
  /** `rejected_log_records`, more than 0. */
  records: number
  /** `error_message`, possibly empty. */
  message: string
}

/**
 * The rejection an answer reports, or undefined for none: no partial success, one that rejected
 * nothing (its message then is only a warning), or a body that is not a response at all (the
 * collector took the request; what else it meant cannot be read).
 */
export function rejection(body: Buffer, encoding: 'protobuf' | 'json'): Rejection | undefined {
  if (body.length === 0) return undefined
  const found = encoding === 'json' ? fromJson(body) : fromProtobuf(body)
  return found !== undefined && found.records > 0 ? found : undefined
}

/** The JSON mapping's names, or the .proto's, which its parsers accept too. */
function fromJson(body: Buffer): Rejection | undefined {
  let response: unknown
  try {
    response = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (response === null || typeof response !== 'object') return undefined
  const { partialSuccess, partial_success: snake } = response as Record<string, unknown>
  const partial = (partialSuccess ?? snake) as Record<string, unknown> | null | undefined
  if (partial === null || typeof partial !== 'object') return undefined
  const records = Number(partial.rejectedLogRecords ?? partial.rejected_log_records ?? 0)
  const message = partial.errorMessage ?? partial.error_message
  return Number.isFinite(records) ? { records, message: typeof message === 'string' ? message : '' } : undefined
}

/** `ExportLogsServiceResponse { partial_success (1): { rejected_log_records (1), error_message (2) } }`. */
function fromProtobuf(body: Buffer): Rejection | undefined {
  let found: Rejection | undefined
  const complete = fields(body, 0, body.length, (field, value) => {
    if (field !== 1 || typeof value === 'number') return true
    const partial: Rejection = { records: 0, message: '' }
    found = partial
    return fields(body, value.start, value.end, (inner, innerValue) => {
      if (inner === 1 && typeof innerValue === 'number') partial.records = innerValue
      if (inner === 2 && typeof innerValue !== 'number') partial.message = body.toString('utf8', innerValue.start, innerValue.end)
      return true
    })
  })
  return complete ? found : undefined
}

/** A field's value: a varint's number, or where a length-delimited field's content is. */
type FieldValue = number | { start: number; end: number }

/**
 * Calls `visit` for each varint and length-delimited field of the message at body[p, end) (fixed
 * ones are skipped). False when the bytes are not a message, or `visit` says so.
 */
function fields(body: Buffer, p: number, end: number, visit: (field: number, value: FieldValue) => boolean): boolean {
  while (p < end) {
    const key = varint(body, p, end)
    if (key === undefined) return false
    const wireType = key.value % 8
    const field = Math.floor(key.value / 8)
    p = key.next
    if (wireType === I64 || wireType === I32) {
      p += wireType === I64 ? 8 : 4
      continue
    }
    const number = wireType === VARINT || wireType === LEN ? varint(body, p, end) : undefined
    if (number === undefined) return false
    p = number.next
    let value: FieldValue = number.value
    if (wireType === LEN) {
      value = { start: p, end: p + number.value }
      p = value.end
    }
    if (p > end || !visit(field, value)) return false
  }
  return p === end
}
/** The varint at body[p], up to 2^53, and where it ends; undefined when it runs past `end`. */
function varint(body: Buffer, p: number, end: number): { value: number; next: number } | undefined {
  let value = 0
  for (let scale = 1; p < end; scale *= 0x80) {
    const byte = body[p++]
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return { value, next: p }
  }
  return undefined
}
