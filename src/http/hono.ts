import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { RESPONSE_HEADER } from './failures.js'
import { nodeHeaders, recordWhenSent } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLog, type RequestLogger } from './request-logging.js'

export type { HttpLoggingOptions, RequestLog, RequestLogger, RequestLogTypes } from './request-logging.js'

/**
 * What the middleware sets on the context: `c.get('log')`, `c.get('requestId')`.
 * `new Hono<{ Variables: RinglogVariables<typeof log> }>()` types `c.get('log')` as the logger given
 * to honoLogger, custom levels included.
 */
export interface RinglogVariables<Log extends RequestLogger = RequestLog> {
  /** The request's logger, a child of the integration's whose records carry the request id: every member of a ringlog logger. */
  log: Log
  requestId: string
}

/**
 * Request id, request context, `c.get('log')` and one access record per request, for Hono: first
 * in `app.use(...)`. An error a handler throws is in the access record, with its stack; Hono's
 * onError answers it as usual. On Node (@hono/node-server) the record is written when the response
 * is sent; elsewhere when the handlers have made it, with its size when the response has a Content-Length.
 */
export function honoLogger<Log extends RequestLogger>(options: HttpLoggingOptions<Context, Log>): MiddlewareHandler<{ Variables: RinglogVariables<Log> }> {
  const logging = new RequestLogging(options, 'honoLogger()')
  const header = logging.requestIdHeader
  return async function ringlogHono(c, next) {
    const url = c.req.url
    // From the path on: the URL is absolute.
    const pathStart = url.indexOf('/', url.indexOf('//') + 2)
    const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined
    const incoming = env?.incoming
    const outgoing = env?.outgoing
    // On Node, the headers as Node has them: c.req.header() makes a fetch Headers of them per request.
    const headers = incoming !== undefined ? nodeHeaders(incoming) : (name: string) => c.req.header(name)
    const scope = logging.begin(c, c.req.method, pathStart === -1 ? '/' : url.slice(pathStart), headers, incoming?.socket?.remoteAddress)
    try {
      // Node merges it into the head @hono/node-server writes; c.header() would make a Headers per request.
      if (outgoing !== undefined) outgoing.setHeader(header, scope.id)
      else c.header(header, scope.id)
    } catch (error) {
      logging.failed(RESPONSE_HEADER, error)
    }
    c.set('requestId', scope.id)
    c.set('log', scope.log)
    const own = c.req.routeIndex
    await scope.run(next)
    // Still this middleware's index: no route answered (the not-found handler did).
    const route = logging.route(() => (c.req.routeIndex === own ? undefined : routeOf(c)))
    const error = c.error
    if (outgoing !== undefined) {
      recordWhenSent(logging, scope, outgoing, () => ({ route, error }))
      return
    }
    logging.end(scope, () => {
      const length = c.res.headers.get('content-length')
      return { status: c.res.status, route, bytes: length === null ? undefined : Number(length), error, aborted: false }
    })
  }
}

/**
 * The pattern of the route that answered. hono/route reads it under a symbol of its own module:
 * when the application's Hono is another copy than the one ringlog imports (a CommonJS app next to
 * ESM ringlog), routePath() throws, and the request's own (deprecated) routePath still knows it.
 */
function routeOf(c: Context): string {
  try {
    return routePath(c)
  } catch (error) {
    const own = (c.req as { routePath?: unknown }).routePath
    if (typeof own === 'string') return own
    throw error
  }
}
