import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_HEADER, type Failure } from './failures.js'
import { nodeHeaders, recordWhenSent } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLog, type RequestLogger } from './request-logging.js'

export type { HttpLoggingOptions, RequestLog, RequestLogger, RequestLogTypes } from './request-logging.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how Express's request type is extended
  namespace Express {
    interface Request {
      /** The request's id: from x-request-id or traceparent, or new. */
      id: string
      /**
       * The request's logger, a child of the integration's whose records carry the request id: every
       * member of a ringlog logger. Its type with custom levels: RequestLogTypes.
       */
      log: RequestLog
    }
  }
}

const ERROR_HANDLER: Failure = { what: 'placing its error handler after the routes', lost: 'access records go without what handlers threw' }

/** The parts of Express this module uses, so that its types are not needed to build against ringlog. */
interface ExpressRequest extends IncomingMessage {
  app?: ExpressApp
  originalUrl?: string
  baseUrl?: string
  route?: { path?: unknown }
}
interface ExpressApp {
  use(handler: ErrorHandler): unknown
  router?: { stack: { handle: unknown }[] }
}
type Next = (error?: unknown) => void
type ErrorHandler = (error: unknown, request: ExpressRequest, response: ServerResponse, next: Next) => void

/** Express middleware: `app.use(expressLogger({ logger: log }))`, before the routes. */
export type ExpressLoggerMiddleware = (request: IncomingMessage, response: ServerResponse, next: Next) => void

/**
 * Request id, request context, `req.log` and one access record per request, for Express 5.
 * Errors a handler throws (or passes to next) are in the access record, with their stack, and go
 * on to the app's own error handlers.
 */
/** @typeParam Request Express's request type, for `user` (`import type { Request } from 'express'`). */
export function expressLogger<Request extends IncomingMessage = IncomingMessage>(options: HttpLoggingOptions<Request>): ExpressLoggerMiddleware {
  return expressIntegration(options, 'expressLogger()').middleware
}

/** @internal the middleware, and how a framework built on Express (NestJS) tells it what a handler threw, or that its part failed. */
export function expressIntegration<Request extends IncomingMessage>(options: HttpLoggingOptions<Request>, where: string): {
  middleware: ExpressLoggerMiddleware
  fail(request: IncomingMessage, error: unknown): void
  /** Says once that part of the framework's integration failed. */
  failed(failure: Failure, error: unknown): void
} {
  const logging = new RequestLogging(options, where)
  const failures = new WeakMap<IncomingMessage, unknown>()
  const watched = new WeakSet<ExpressApp>()
  const remember: ErrorHandler = (error, request, _response, next) => {
    failures.set(request, error)
    next(error)
  }

  const middleware: ExpressLoggerMiddleware = (incoming, response, next) => {
    const request = incoming as ExpressRequest
    if (request.app !== undefined && !watched.has(request.app)) {
      watched.add(request.app)
      try {
        watchErrors(request.app, middleware, remember)
      } catch (error) {
        logging.failed(ERROR_HANDLER, error)
      }
    }
    const scope = logging.begin(incoming as Request, request.method ?? 'GET', request.originalUrl ?? request.url ?? '/', nodeHeaders(request), request.socket?.remoteAddress)
    try {
      response.setHeader(logging.requestIdHeader, scope.id)
    } catch (error) {
      logging.failed(RESPONSE_HEADER, error)
    }
    const extended = request as ExpressRequest & { id: string; log: RequestLogger }
    extended.id = scope.id
    extended.log = scope.log
    recordWhenSent(logging, scope, response, () => ({ route: logging.route(() => routeOf(request)), error: failures.get(request) }))
    scope.run(next)
  }
  return { middleware, fail: (request, error) => failures.set(request, error), failed: (failure, error) => logging.failed(failure, error) }
}

/** The pattern of the route that answered, under the router's mount path. */
function routeOf(request: ExpressRequest): string | undefined {
  return typeof request.route?.path === 'string' ? `${request.baseUrl ?? ''}${request.route.path}` : undefined
}

/**
 * Puts an error handler after the routes, before the app's own error handlers, the first time a
 * request comes (the routes are in place by then): it notes the error and passes it on.
 */
function watchErrors(app: ExpressApp, middleware: ExpressLoggerMiddleware, remember: ErrorHandler): void {
  app.use(remember)
  const stack = app.router?.stack
  if (stack === undefined) return
  const layer = stack.pop()!
  const after = stack.findIndex((entry) => entry.handle === middleware)
  const firstErrorHandler = stack.findIndex((entry, at) => at > after && typeof entry.handle === 'function' && entry.handle.length === 4)
  stack.splice(firstErrorHandler === -1 ? stack.length : firstErrorHandler, 0, layer)
}
