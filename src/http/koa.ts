import type { IncomingMessage, ServerResponse } from 'node:http'
import { nodeHeaders, recordWhenSent } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLogger } from './request-logging.js'

export type { HttpLoggingOptions, RequestLogger } from './request-logging.js'

/** The parts of Koa's context this module uses, so that Koa's types are not needed to build against ringlog. */
export interface KoaContext {
  req: IncomingMessage
  res: ServerResponse
  method: string
  originalUrl: string
  set(field: string, value: string): void
  /** Set by @koa/router: the pattern of the route that matched. */
  _matchedRoute?: unknown
}

/** The request's id and logger, on Koa's context. */
export interface KoaRequestLogging {
  requestId: string
  log: RequestLogger
}

export type KoaLoggerMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<void>

/**
 * Request id, request context, `ctx.log` and one access record per request, for Koa: first in
 * `app.use(...)`. An error thrown downstream is in the access record, with its stack, and is
 * thrown on to Koa's own error handling.
 */
export function koaLogger(options: HttpLoggingOptions<KoaContext>): KoaLoggerMiddleware {
  const logging = new RequestLogging(options, 'koaLogger()')
  const header = logging.requestIdHeader
  return async function ringlogKoa(ctx, next) {
    const { req, res } = ctx
    const scope = logging.begin(ctx, ctx.method, ctx.originalUrl, nodeHeaders(req), req.socket.remoteAddress)
    ctx.set(header, scope.id)
    const extended = ctx as KoaContext & KoaRequestLogging
    extended.requestId = scope.id
    extended.log = scope.log
    let error: unknown
    recordWhenSent(logging, scope, res, () => ({ route: typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined, error }))
    try {
      await scope.run(next)
    } catch (thrown) {
      error = thrown
      // Koa's error handling clears the response's headers, then sets the error's own: the id goes
      // there, hidden from the error's fields in the access record unless the error had headers.
      if (thrown !== null && typeof thrown === 'object') {
        const carrier = thrown as { headers?: Record<string, string> }
        if (carrier.headers !== undefined) carrier.headers[header] = scope.id
        else Object.defineProperty(carrier, 'headers', { value: { [header]: scope.id }, configurable: true, writable: true, enumerable: false })
      }
      throw thrown
    }
  }
}
