import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HeaderOf, Outcome, RequestLogger, RequestLogging, RequestScope } from './request-logging.js'

/** The headers of a Node request, as the integrations read them. */
export function nodeHeaders(request: IncomingMessage): HeaderOf {
  return (name) => request.headers[name]
}

/** The response's Content-Length, when it has one (a streamed response has not). */
function contentLength(response: ServerResponse): number | undefined {
  const value = response.getHeader('content-length')
  // Node sets the length it sends for a body given whole to end() without a header here; so
  // does @hono/node-server. It has been there since Node 0.x and is read only when no header is.
  const bytes = value === undefined ? (response as { _contentLength?: unknown })._contentLength : typeof value === 'string' ? Number(value) : value
  return typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined
}

/** How a Node response ended, with what the framework knows of the route and the error. */
export function nodeOutcome(response: ServerResponse, route: string | undefined, error: unknown, aborted: boolean): Outcome {
  return { status: response.statusCode, route, bytes: contentLength(response), error, aborted }
}

/**
 * Writes the request's access record once the response is sent, or the client is gone first
 * (aborted); `ending` gives the route and the error as the framework knows them then.
 */
export function recordWhenSent<Request, Log extends RequestLogger>(
  logging: RequestLogging<Request, Log>,
  scope: RequestScope<Log>,
  response: ServerResponse,
  ending: () => { route: string | undefined; error: unknown },
): void {
  response.once('close', () => {
    logging.end(scope, () => {
      const { route, error } = ending()
      return nodeOutcome(response, route, error, !response.writableFinished)
    })
  })
}
