import { newRequestId } from '../context.js'

/** What an incoming x-request-id may be: printable, no spaces or quotes, so it cannot forge fields or lines. */
const VALID_ID = /^[\w.:@/+=-]{1,128}$/
/** W3C trace context: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

/** The trace a request belongs to, from a valid `traceparent`: its fields as OpenTelemetry's log correlation names them. */
export interface TraceFields {
  trace_id: string
  /** The caller's span: the request's parent. */
  span_id: string
  trace_flags: string
}

/** The trace of a valid `traceparent` (version ff and all-zero ids are not); undefined otherwise. */
export function traceOf(traceparent: string | string[] | undefined): TraceFields | undefined {
  if (typeof traceparent !== 'string') return undefined
  const match = TRACEPARENT.exec(traceparent)
  if (match === null || match[1] === 'ff' || match[2] === ZERO_TRACE || match[3] === ZERO_SPAN) return undefined
  return { trace_id: match[2], span_id: match[3], trace_flags: match[4] }
}

/**
 * The id of a request: the incoming request id header when it is valid, else the trace id of a
 * valid `traceparent`, else a new one. A header given twice counts as absent.
 */
export function requestIdOf(header: string | string[] | undefined, traceparent: string | string[] | undefined): string {
  if (typeof header === 'string' && VALID_ID.test(header)) return header
  return traceOf(traceparent)?.trace_id ?? newRequestId()
}
