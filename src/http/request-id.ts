import { newRequestId } from '../context.js'

/** What an incoming x-request-id may be: printable, no spaces or quotes, so it cannot forge fields or lines. */
const VALID_ID = /^[\w.:@/+=-]{1,128}$/
/** W3C trace context: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/
const ZERO_TRACE = '0'.repeat(32)

/**
 * The id of a request: the incoming request id header when it is valid, else the trace id of a
 * valid `traceparent`, else a new one. A header given twice counts as absent.
 */
export function requestIdOf(header: string | string[] | undefined, traceparent: string | string[] | undefined): string {
  if (typeof header === 'string' && VALID_ID.test(header)) return header
  if (typeof traceparent === 'string') {
    const trace = TRACEPARENT.exec(traceparent)?.[1]
    if (trace !== undefined && trace !== ZERO_TRACE && !traceparent.startsWith('ff')) return trace
  }
  return newRequestId()
}
