import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyPluginCallback, FastifyRequest } from 'fastify'
import { describe } from '../serialize.js'
import { invalid } from '../validate.js'
import { RESPONSE_HEADER } from './failures.js'
import { lazyLogger } from './lazy-logger.js'
import { nodeHeaders, nodeOutcome } from './node-response.js'
import { RequestLogging, type HttpLoggingOptions, type RequestLogger, type RequestScope } from './request-logging.js'

export type { HttpLoggingOptions, RequestLogger } from './request-logging.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** ringlog's request id (from x-request-id or traceparent, or new): the one echoed and in every record of the request. */
    requestId: string
  }
}

/** The options of `fastifyLogger`: the options of every integration, `user` taking Fastify's request. */
export type FastifyLoggerPluginOptions = HttpLoggingOptions<FastifyRequest>

/**
 * A ringlog logger as Fastify sees it: every member of the logger (`Log`, custom levels included)
 * and what Fastify asks of a logger beyond them. Fastify types `request.log` as the logger type of
 * the app: `Fastify<Server, IncomingMessage, ServerResponse, FastifyRingLogger<typeof log>>()`, or
 * inferred from `loggerInstance: fastifyLoggerInstance(log)`.
 */
export type FastifyRingLogger<Log extends RequestLogger> = Log & FastifyBaseLogger

type ChildBindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>
type Serializers = Readonly<Record<string, (value: unknown) => unknown>>
type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'

/** What the adapter writes through: a ringlog logger or child, which also has `level` and `isLevelEnabled`. */
interface Target extends RequestLogger {
  level?: unknown
  isLevelEnabled?(level: string): boolean
}

/**
 * A ringlog logger in the shape Fastify asks of a logger (FastifyBaseLogger, pino's): `level`,
 * `silent`, and `child(bindings, options)` whose options (`level`, `serializers`) are honoured.
 * A child is made in ringlog when it is first used (a record logged, its level set): Fastify asks
 * for one per request, and most requests never log through theirs. Seen through lazyLogger(), so
 * that the ringlog logger's other members (custom levels, event(), flush(), ...) are there too.
 */
class FastifyRinglog implements FastifyBaseLogger {
  /** The adapter as the application sees it: its members first, then the ringlog logger's. */
  static seen(target: Target | undefined, parent: FastifyRinglog | undefined, bindings: Record<string, unknown> | undefined, serializers: Serializers | undefined): FastifyBaseLogger {
    const adapter = new FastifyRinglog(target, parent, bindings, serializers)
    return lazyLogger(() => adapter.#made(), adapter)
  }

  #target: Target | undefined
  /** The logger this one is a child of, until the ringlog child is made. */
  #parent: FastifyRinglog | undefined
  #bindings: Record<string, unknown> | undefined
  /** The target is the parent's (a child with no bindings): a level set here needs a child of its own. */
  #shared = false
  readonly #serializers: Serializers | undefined

  constructor(target: Target | undefined, parent: FastifyRinglog | undefined, bindings: Record<string, unknown> | undefined, serializers: Serializers | undefined) {
    this.#target = target
    this.#parent = parent
    this.#bindings = bindings
    this.#serializers = serializers
  }

  /** The ringlog logger written through, made now if it is not yet. */
  #made(): Target {
    if (this.#target === undefined) {
      const parent = this.#parent!.#made()
      const bindings = this.#bindings!
      if (Object.keys(bindings).length === 0) {
        this.#target = parent
        this.#shared = true
      } else {
        this.#target = parent.child(bindings)
      }
      this.#parent = undefined
      this.#bindings = undefined
    }
    return this.#target
  }

  get level(): string {
    const level = this.#made().level
    return typeof level === 'string' ? level : 'info'
  }

  /** Sets this logger's level only, as in pino: a ringlog level name or 'silent' (else a TypeError). */
  set level(level: string) {
    let target = this.#made()
    if (this.#shared) {
      target = this.#target = target.child({})
      this.#shared = false
    }
    if (!('level' in target)) invalid('level of a Fastify logger', level, 'a logger with a level: a ringlog logger')
    target.level = level
  }

  trace(a: unknown, b?: unknown): void { this.#write('trace', a, b) }
  debug(a: unknown, b?: unknown): void { this.#write('debug', a, b) }
  info(a: unknown, b?: unknown): void { this.#write('info', a, b) }
  warn(a: unknown, b?: unknown): void { this.#write('warn', a, b) }
  error(a: unknown, b?: unknown): void { this.#write('error', a, b) }
  fatal(a: unknown, b?: unknown): void { this.#write('fatal', a, b) }
  /** pino's level above every other: nothing is written. */
  silent(): void {}

  child(bindings: ChildBindings, options?: ChildOptions): FastifyBaseLogger {
    const own = options?.serializers as Serializers | undefined
    const serializers = own === undefined || Object.keys(own).length === 0 ? this.#serializers : { ...this.#serializers, ...own }
    const child = FastifyRinglog.seen(undefined, this, serialized(bindings, serializers), serializers)
    // A level is set now, so that a bad one throws here, as pino's does.
    if (options?.level !== undefined) child.level = options.level
    return child
  }

  #write(method: Method, a: unknown, b: unknown): void {
    const target = this.#made()
    const serializers = this.#serializers
    const fields = serializers !== undefined && a !== null && typeof a === 'object' && !(a instanceof Error) && target.isLevelEnabled?.(method) !== false ? serialized(a, serializers) : a
    ;(target[method] as (a: unknown, b?: unknown) => void)(fields, b)
  }
}

/**
 * `fields` with the values that have a serializer replaced by what it makes of them (a copy), or
 * `fields` itself. An Error is left to ringlog, which writes it in full (type, message, stack, own
 * fields, cause chain): pino's err serializer, which Fastify passes, would write less.
 */
function serialized<T extends object>(fields: T, serializers: Serializers | undefined): T {
  if (serializers === undefined) return fields
  let out: Record<string, unknown> | undefined
  for (const key in serializers) {
    if (!Object.hasOwn(fields, key)) continue
    const value = (fields as Record<string, unknown>)[key]
    if (value instanceof Error) continue
    const copy: Record<string, unknown> = (out ??= { ...fields } as Record<string, unknown>)
    try {
      copy[key] = serializers[key](value)
    } catch (error) {
      copy[key] = `[serializer threw: ${describe(error)}]`
    }
  }
  return (out ?? fields) as T
}

/**
 * A ringlog logger (or child) as Fastify's logger: `Fastify({ loggerInstance: fastifyLoggerInstance(log) })`,
 * so that Fastify's own records (incoming request, request completed, its errors, `request.log` without
 * `fastifyLogger`) go through ringlog, with Fastify's `req` and `res` serializers applied.
 */
export function fastifyLoggerInstance<Log extends RequestLogger>(logger: Log): FastifyRingLogger<Log> {
  if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function' || typeof logger.child !== 'function') {
    invalid('fastifyLoggerInstance() logger', logger, 'a ringlog logger, from createLogger()')
  }
  return FastifyRinglog.seen(logger, undefined, undefined, undefined) as FastifyRingLogger<Log>
}

/** Where the plugin keeps a request's Pending. */
const PENDING = Symbol('ringlog.pending')

/** What the plugin keeps of a request until its access record is written. */
interface Pending {
  scope: RequestScope
  response: ServerResponse
  error: unknown
  ended: boolean
}

/**
 * Request id, request context, `request.log`, `request.requestId` and one access record per request,
 * for Fastify 5: `app.register(fastifyLogger, { logger: log })`, before the routes. It applies to the
 * whole app (it is not encapsulated). An error a handler throws is in the access record, with its
 * stack; Fastify's error handling answers it as usual. With `logger: false`, also turn Fastify's own
 * request lines off (`disableRequestLogging`): its "Route ... not found" line goes through `request.log`.
 */
export const fastifyLogger: FastifyPluginCallback<FastifyLoggerPluginOptions> = function ringlogFastify(app, options, done) {
  let logging: RequestLogging<FastifyRequest>
  try {
    logging = new RequestLogging<FastifyRequest>(options, 'fastifyLogger()')
  } catch (error) {
    // A bad option fails the registration (register() and ready() reject with it).
    done(error as Error)
    return
  }
  const header = logging.requestIdHeader
  const root = FastifyRinglog.seen(logging.logger, undefined, undefined, undefined)
  // On the request itself, not in a WeakMap: a WeakMap entry per request made every scavenge walk
  // its ephemerons (a fifth of a hello-world server's time went to the collector).
  const pending = (request: FastifyRequest): { [PENDING]: Pending | null } => request as unknown as { [PENDING]: Pending | null }

  const end = (request: FastifyRequest, aborted: boolean): void => {
    const state = pending(request)[PENDING]
    if (state === null || state.ended) return
    state.ended = true
    const { scope, response, error } = state
    logging.end(scope, () => nodeOutcome(response, logging.route(() => routeOf(request)), error, aborted))
  }

  app.decorateRequest('requestId', '')
  app.decorateRequest(PENDING, null)

  app.addHook('onRequest', (request, reply, next) => {
    const raw = request.raw
    const scope = logging.begin(request, request.method, request.url, nodeHeaders(raw), raw.socket?.remoteAddress)
    try {
      reply.header(header, scope.id)
    } catch (error) {
      logging.failed(RESPONSE_HEADER, error)
    }
    request.requestId = scope.id
    // request.log is replaced by a logger bound to ringlog's request id, made in ringlog on its first
    // record (the same child scope.log would make, in the shape Fastify's types promise for request.log:
    // level, silent, child(bindings, options)). Replaced because with `logger: false`, the setup this
    // plugin is meant for, Fastify's request.log writes nothing; and because its records should carry
    // the id that is echoed, in the context and in the access record, not Fastify's `reqId` counter.
    // reply.log stays Fastify's: Fastify's own records (request completed, errors) go through it.
    request.log = root.child(scope.fields)
    pending(request)[PENDING] = { scope, response: reply.raw, error: undefined, ended: false }
    // The rest of the request runs inside its context, as @fastify/request-context does it. No
    // preValidation hook enters it again for a request with a body (as that plugin does):
    // Fastify 5 calls back from its body parsing through an AsyncResource made in the request's context.
    scope.run(next)
  })

  app.addHook('onError', (request, _reply, error, next) => {
    const state = pending(request)[PENDING]
    if (state !== null) state.error = error
    next()
  })

  app.addHook('onResponse', (request, _reply, next) => {
    end(request, false)
    next()
  })

  app.addHook('onRequestAbort', (request, next) => {
    end(request, true)
    next()
  })

  done()
}

/** The pattern of the route that matched; the 404 handler has none. */
function routeOf(request: FastifyRequest): string | undefined {
  return request.routeOptions.url
}

// What fastify-plugin does: the hooks and the decorator apply to the app the plugin is registered in.
Object.assign(fastifyLogger, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'ringlog',
  [Symbol.for('plugin-meta')]: { name: 'ringlog', fastify: '>=5' },
})
