import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_HEADER, type Failure } from './failures.js'
import { nodeHeaders, recordWhenSent } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLog, type RequestLogger } from './request-logging.js'

export type { HttpLoggingOptions, RequestLog, RequestLogger, RequestLogTypes } from './request-logging.js'

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

/**
 * The request's id and logger, on Koa's context: `new Koa<DefaultState, KoaRequestLogging<typeof log>>()`
 * types `ctx.log` as the logger given to koaLogger, custom levels included.
 */
export interface KoaRequestLogging<Log extends RequestLogger = RequestLog> {
  requestId: string
  /** The request's logger, a child of the integration's whose records carry the request id: every member of a ringlog logger. */
  log: Log
}

const ERROR_HEADER: Failure = { what: "putting the request id on the thrown error's headers", lost: 'error responses go without it' }

export type KoaLoggerMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<void>

/**
 * Request id, request context, `ctx.log` and one access record per request, for Koa: first in
 * `app.use(...)`. An error thrown downstream is in the access record, with its stack, and is
 * thrown on to Koa's own error handling.
 */
export function koaLogger<Log extends RequestLogger>(options: HttpLoggingOptions<KoaContext, Log>): KoaLoggerMiddleware {
  const logging = new RequestLogging(options, 'koaLogger()')
  const header = logging.requestIdHeader
  return async function ringlogKoa(ctx, next) {
    const { req, res } = ctx
    const scope = logging.begin(ctx, ctx.method, ctx.originalUrl, nodeHeaders(req), req.socket?.remoteAddress)
    try {
      ctx.set(header, scope.id)
    } catch (error) {
      logging.failed(RESPONSE_HEADER, error)
    }
    const extended = ctx as KoaContext & KoaRequestLogging<Log>
    extended.requestId = scope.id
    extended.log = scope.log
    let error: unknown
    recordWhenSent(logging, scope, res, () => ({ route: logging.route(() => routeOf(ctx)), error }))
    try {
      await scope.run(next)
    } catch (thrown) {
      error = thrown
      try {
        idOnError(thrown, header, scope.id)
      } catch (failure) {
        logging.failed(ERROR_HEADER, failure)
      }
      throw thrown
    }
  }
}

/** The pattern @koa/router matched. */
function routeOf(ctx: KoaContext): string | undefined {
  return typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined
}

/**
 * Koa's error handling clears the response's headers, then sets the error's own: the id goes
 * there, hidden from the error's fields in the access record unless the error had headers.
 */
function idOnError(thrown: unknown, header: string, id: string): void {
  if (thrown === null || typeof thrown !== 'object') return
  const carrier = thrown as { headers?: Record<string, string> }
  if (carrier.headers !== undefined) carrier.headers[header] = id
  else Object.defineProperty(carrier, 'headers', { value: { [header]: id }, configurable: true, writable: true, enumerable: false })
}
