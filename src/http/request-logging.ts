import { currentStore, newContext, newRequestId, outsideContext, runInContext, type ContextStore } from '../context.js'
import type { LogFn, RingLogger } from '../logger.js'
import { invalid, type Where } from '../validate.js'
import { ACCESS_RECORD, FailureReports, REQUEST_HEADERS, REQUEST_LOGGER, ROUTE, USER, type Failure } from './failures.js'
import { lazyLogger } from './lazy-logger.js'
import { requestIdOf, traceOf, type TraceFields } from './request-id.js'

/** What the integrations need of a logger: any ringlog logger or child fits. */
export interface RequestLogger {
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  fatal: LogFn
  child(bindings: Record<string, unknown>): RequestLogger
}

/**
 * Declares the type of `req.log` where a framework types its request once for every app (Express,
 * NestJS), and the default for Koa's and Hono's: the application's logger, with its custom levels.
 * In the application, once: `declare module 'ringlog/express' { interface RequestLogTypes { log: typeof log } }`.
 */
export interface RequestLogTypes {}

/** The type of `req.log` declared in RequestLogTypes; without it, a logger with no custom levels. */
export type RequestLog = RequestLogTypes extends { log: infer Log } ? Log : RingLogger

/**
 * The options every integration takes; `Request` is the framework's request object, `Log` the
 * type of the logger, which the request's logger has too.
 */
export interface HttpLoggingOptions<Request, Log extends RequestLogger = RequestLogger> {
  /** Where the records go. */
  logger: Log
  /** Paths that get no access record (health checks): exact paths, patterns, or a test. A failed request is recorded anyway. */
  skip?: readonly (string | RegExp)[] | ((path: string) => boolean)
  /**
   * Runs each request inside a request context, so that every record logged while handling it, by
   * any logger, carries the request id (and `userId`). Off, only `req.log` and the access record
   * do: AsyncLocalStorage costs every promise a hook on Node 20, which a promise-heavy framework
   * feels (a third of Hono's hello-world throughput here). @default true
   */
  context?: boolean
  /** Adds the query string to the access record as `query`. @default false */
  query?: boolean
  /** The id of the user making the request, added to the request context as `userId` (omitted when undefined). */
  user?: (request: Request) => string | number | undefined
  /** The header a request id comes in and is echoed back in. @default 'x-request-id' */
  requestIdHeader?: string
  /** Request headers added to the access record as `headers` (authorization and cookies never are). */
  headers?: readonly string[]
}

/** Headers that carry credentials: never in a record. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie']
const OPTION_KEYS = ['logger', 'skip', 'context', 'query', 'user', 'requestIdHeader', 'headers']
const HEADER_NAME = /^[!#$%&'*+.^`|~\w-]+$/

/** How a request ended, as the framework tells it. */
export interface Outcome {
  status: number
  /** The route pattern that matched (`/users/:id`), if any. */
  route: string | undefined
  /** Bytes of the response body, when known (Content-Length). */
  bytes: number | undefined
  /** What the handler threw, if it did. */
  error: unknown
  /** The client went away before the response was sent. */
  aborted: boolean
}

/** What each record of a request carries: its id, the user's, and the trace of its `traceparent`. */
export type RequestFields = { requestId: string; userId?: string | number } & Partial<TraceFields>

/** A request being handled: its id, the context its records carry, and its logger. */
export class RequestScope<Log extends RequestLogger = RequestLogger> {
  readonly started = performance.now()
  /** Undefined with the `context` option off. */
  readonly #context: ContextStore | undefined
  /** The request's context holds only `fields`: no outer context's. */
  readonly #alone: boolean
  #log: Log | undefined

  constructor(
    /** Makes the request's logger: Fastify's plugin has one of its own, which this one would only cost. */
    private readonly makeLog: () => Log,
    /** `{ requestId, userId?, trace_id?, span_id?, trace_flags? }`: the request context's fields, and the request logger's bindings. */
    readonly fields: RequestFields,
    inContext: boolean,
    readonly method: string,
    readonly url: string,
    readonly remoteAddress: string | undefined,
    readonly userAgent: string | undefined,
    readonly headers: Record<string, string> | undefined,
  ) {
    this.#alone = currentStore() === undefined
    this.#context = inContext ? newContext(fields) : undefined
  }

  get id(): string {
    return this.fields.requestId
  }

  /** The request's logger: its records carry the request id even where the context does not reach. */
  get log(): Log {
    return (this.#log ??= this.makeLog())
  }

  /** Runs the rest of the request (the next handlers) inside its context, if it has one. */
  run<T>(fn: () => T): T {
    return this.#context === undefined ? fn() : runInContext(this.#context, fn)
  }

  /**
   * Writes the access record with `write`, given the fields its record carries itself: the
   * request's (`fields`), or none when it is written inside the request's context, which holds
   * them. Its own, outside the context, where the context holds nothing else: a context is packed,
   * and announced in the worker, for the first record that carries it, which for most requests is
   * this one alone (3-4 us a request, across both threads).
   */
  record(write: (own: RequestFields | undefined) => void): void {
    if (this.#context === undefined) write(this.fields)
    else if (this.#alone) outsideContext(() => write(this.fields))
    else runInContext(this.#context, () => write(undefined))
  }
}

/** A request's headers, however the framework keeps them. */
export type HeaderOf = (name: string) => string | string[] | undefined

/**
 * The framework-neutral part of every integration: the request id, the request's context, and
 * the one access record when the response is done.
 */
export class RequestLogging<Request, Log extends RequestLogger = RequestLogger> {
  readonly logger: Log
  readonly requestIdHeader: string
  readonly #failures: FailureReports
  private readonly skips: (path: string) => boolean
  private readonly context: boolean
  private readonly query: boolean
  private readonly user: ((request: Request) => string | number | undefined) | undefined
  private readonly headers: readonly string[]

  /** @param where the integration, for error messages: `expressLogger()`. */
  constructor(options: HttpLoggingOptions<Request, Log>, where: Where) {
    if (options === null || typeof options !== 'object') invalid(`${where} options`, options, '{ logger, ... }')
    for (const key of Object.keys(options)) if (!OPTION_KEYS.includes(key)) invalid(`${where} option ${key}`, (options as unknown as Record<string, unknown>)[key], `one of ${OPTION_KEYS.join(', ')}`)
    const { logger, skip, context = true, query = false, user, requestIdHeader = 'x-request-id', headers = [] } = options
    if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function' || typeof logger.child !== 'function') {
      invalid(`${where} option logger`, logger, 'a ringlog logger, from createLogger()')
    }
    this.logger = logger
    this.#failures = new FailureReports(where)
    this.skips = skipTest(`${where} option skip`, skip)
    if (typeof context !== 'boolean') invalid(`${where} option context`, context, 'true or false')
    this.context = context
    if (typeof query !== 'boolean') invalid(`${where} option query`, query, 'true or false')
    this.query = query
    if (user !== undefined && typeof user !== 'function') invalid(`${where} option user`, user, 'a function of the request')
    this.user = user
    if (typeof requestIdHeader !== 'string' || !HEADER_NAME.test(requestIdHeader)) invalid(`${where} option requestIdHeader`, requestIdHeader, 'a header name')
    this.requestIdHeader = requestIdHeader.toLowerCase()
    if (!Array.isArray(headers)) invalid(`${where} option headers`, headers, 'a list of header names')
    for (const name of headers as unknown[]) {
      if (typeof name !== 'string' || !HEADER_NAME.test(name)) invalid(`${where} option headers`, name, 'a header name')
      if (SECRET_HEADERS.includes(name.toLowerCase())) invalid(`${where} option headers`, name, `a header other than ${SECRET_HEADERS.join(', ')} (they carry credentials)`)
    }
    this.headers = headers.map((name) => name.toLowerCase())
  }

  /**
   * A request has come: its id (from its headers or new), its context and its logger. Never
   * throws: what fails here is said once and the request goes on without it.
   */
  begin(request: Request, method: string, url: string, header: HeaderOf, remoteAddress: string | undefined): RequestScope<Log> {
    let id: string
    let trace: TraceFields | undefined
    try {
      const traceparent = header('traceparent')
      id = requestIdOf(header(this.requestIdHeader), traceparent)
      trace = traceOf(traceparent)
    } catch (error) {
      this.failed(REQUEST_HEADERS, error)
      id = newRequestId()
    }
    let userId: string | number | undefined
    try {
      userId = this.user?.(request)
    } catch (error) {
      this.failed(USER, error)
    }
    const fields: RequestFields = userId === undefined ? { requestId: id, ...trace } : { requestId: id, userId, ...trace }
    let agent: string | string[] | undefined
    let picked: Record<string, string> | undefined
    try {
      agent = header('user-agent')
      picked = this.picked(header)
    } catch (error) {
      this.failed(REQUEST_HEADERS, error)
    }
    return new RequestScope(() => this.requestLogger(fields), fields, this.context, method, url, remoteAddress, typeof agent === 'string' ? agent : undefined, picked)
  }

  /** The request's logger, a child of the integration's made when the handler first uses it. */
  private requestLogger(fields: Record<string, unknown>): Log {
    let child: Log | undefined
    return lazyLogger<Log>(() => (child ??= this.makeChild(fields)))
  }

  private makeChild(bindings: Record<string, unknown>): Log {
    try {
      return this.logger.child(bindings) as Log
    } catch (error) {
      this.failed(REQUEST_LOGGER, error)
      return this.logger
    }
  }

  /** The route `lookup` finds; undefined when it throws (said once). */
  route(lookup: () => string | undefined): string | undefined {
    try {
      return lookup()
    } catch (error) {
      this.failed(ROUTE, error)
      return undefined
    }
  }

  /** Says once on stderr that `failure` happened; the request goes on. */
  failed(failure: Failure, error: unknown): void {
    this.#failures.report(failure, error)
  }

  /**
   * The access record: info, warn for 4xx, error for 5xx; with what the handler threw. `outcome`
   * is read here, so that what fails in reading it is said like any failure of the record. Never throws.
   */
  end(scope: RequestScope<Log>, outcome: () => Outcome): void {
    try {
      this.record(scope, outcome())
    } catch (error) {
      this.failed(ACCESS_RECORD, error)
    }
  }

  private record(scope: RequestScope<Log>, outcome: Outcome): void {
    const { url } = scope
    const mark = url.indexOf('?')
    const path = mark === -1 ? url : url.slice(0, mark)
    const { status, error } = outcome
    if (error === undefined && status < 500 && this.skips(path)) return
    // Where the framework tells that the response is done, the request's context may not reach.
    scope.record((own) => this.write(scope, outcome, own, path, mark))
  }

  /** The access record, carrying `own` (the request's fields) where the request's context would. */
  private write(scope: RequestScope<Log>, outcome: Outcome, own: RequestScope['fields'] | undefined, path: string, mark: number): void {
    const { url } = scope
    const { status, error } = outcome
    // Not `{ ...scope.fields }`: on Node 20 each property added to a spread copy cost about 1 us.
    const fields: Record<string, unknown> = own === undefined
      ? { method: scope.method }
      : own.userId === undefined ? { requestId: own.requestId, method: scope.method } : { requestId: own.requestId, userId: own.userId, method: scope.method }
    if (own?.trace_id !== undefined) {
      fields.trace_id = own.trace_id
      fields.span_id = own.span_id
      fields.trace_flags = own.trace_flags
    }
    if (outcome.route !== undefined) fields.route = outcome.route
    fields.path = path
    if (this.query && mark !== -1) fields.query = url.slice(mark + 1)
    fields.status = status
    fields.durationMs = Math.round((performance.now() - scope.started) * 1000) / 1000
    if (outcome.bytes !== undefined) fields.bytes = outcome.bytes
    if (scope.remoteAddress !== undefined) fields.remoteAddress = scope.remoteAddress
    if (scope.userAgent !== undefined) fields.userAgent = scope.userAgent
    if (scope.headers !== undefined) fields.headers = scope.headers
    if (error !== undefined) fields.err = error
    const message = error !== undefined ? 'request failed' : outcome.aborted ? 'request aborted' : 'request completed'
    if (status >= 500) this.logger.error(message, fields)
    else if (status >= 400 || outcome.aborted) this.logger.warn(message, fields)
    else this.logger.info(message, fields)
  }

  private picked(header: HeaderOf): Record<string, string> | undefined {
    if (this.headers.length === 0) return undefined
    const picked: Record<string, string> = {}
    for (const name of this.headers) {
      const value = header(name)
      if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value
    }
    return picked
  }
}

function skipTest(where: Where, skip: HttpLoggingOptions<unknown>['skip']): (path: string) => boolean {
  if (skip === undefined) return () => false
  if (typeof skip === 'function') return skip
  if (!Array.isArray(skip)) return invalid(where, skip, 'a list of paths and regular expressions, or a function of the path')
  const paths = new Set<string>()
  const patterns: RegExp[] = []
  for (const entry of skip as unknown[]) {
    if (typeof entry === 'string') paths.add(entry)
    else if (entry instanceof RegExp) patterns.push(entry)
    else invalid(where, entry, 'a path or a regular expression')
  }
  return (path) => paths.has(path) || patterns.some((pattern) => pattern.test(path))
}
