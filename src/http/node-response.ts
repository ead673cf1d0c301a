import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HeaderOf } from './request-logging.js'

/** The headers of a Node request, as the integrations read them. */
export function nodeHeaders(request: IncomingMessage): HeaderOf {
  return (name) => request.headers[name]
}

/** The response's Content-Length, when it has one (a streamed response has not). */
export function contentLength(response: ServerResponse): number | undefined {
  const value = response.getHeader('content-length')
  // Node sets the length it sends for a body given whole to end() without a header here; so
  // does @hono/node-server. It has been there since Node 0.x and is read only when no header is.
  const bytes = value === undefined ? (response as { _contentLength?: unknown })._contentLength : typeof value === 'string' ? Number(value) : value
  return typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined
}

/** Calls `done` once the response is sent, or the connection is gone before (aborted). */
export function whenDone(response: ServerResponse, done: (aborted: boolean) => void): void {
  response.once('close', () => done(!response.writableFinished))
}
