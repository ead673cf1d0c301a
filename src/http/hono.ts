import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { recordWhenSent } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLogger } from './request-logging.js'

export type { HttpLoggingOptions, RequestLogger } from './request-logging.js'

/** What the middleware sets on the context: `c.get('log')`, `c.get('requestId')`. */
export interface RinglogVariables {
  log: RequestLogger
  requestId: string
}

/**
 * Request id, request context, `c.get('log')` and one access record per request, for Hono: first
 * in `app.use(...)`. An error a handler throws is in the access record, with its stack; Hono's
 * onError answers it as usual. On Node (@hono/node-server) the record is written when the response
 * is sent; elsewhere when the handlers have made it, with its size when the response has a Content-Length.
 */
export function honoLogger(options: HttpLoggingOptions<Context>): MiddlewareHandler<{ Variables: RinglogVariables }> {
  const logging = new RequestLogging(options, 'honoLogger()')
  const header = logging.requestIdHeader
  return async function ringlogHono(c, next) {
    const url = c.req.url
    // From the path on: the URL is absolute.
    const pathStart = url.indexOf('/', url.indexOf('//') + 2)
    const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined
    const scope = logging.begin(c, c.req.method, pathStart === -1 ? '/' : url.slice(pathStart), (name) => c.req.header(name), env?.incoming?.socket.remoteAddress)
    c.header(header, scope.id)
    c.set('requestId', scope.id)
    c.set('log', scope.log)
    const own = c.req.routeIndex
    await scope.run(next)
    // Still this middleware's index: no route answered (the not-found handler did).
    const route = c.req.routeIndex === own ? undefined : routePath(c)
    const error = c.error
    const outgoing = env?.outgoing
    if (outgoing !== undefined) {
      recordWhenSent(logging, scope, outgoing, () => ({ route, error }))
      return
    }
    const length = c.res.headers.get('content-length')
    logging.end(scope, { status: c.res.status, route, bytes: length === null ? undefined : Number(length), error, aborted: false })
  }
}
