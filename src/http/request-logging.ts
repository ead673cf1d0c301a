import { newContext, runInContext, type ContextStore } from '../context.js'
import type { LogFn } from '../logger.js'
import { invalid, type Where } from '../validate.js'
import { requestIdOf } from './request-id.js'

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

/** The options every integration takes; `Request` is the framework's request object. */
export interface HttpLoggingOptions<Request> {
  /** Where the records go. */
  logger: RequestLogger
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

/**
 * The request's logger: the child bound to its request id is made when a record is first logged
 * through it, since most requests never do and a child costs microseconds.
 */
class DeferredLogger implements RequestLogger {
  #child: RequestLogger | undefined

  constructor(private readonly parent: RequestLogger, private readonly bindings: Record<string, unknown>) {}

  private get bound(): RequestLogger {
    return (this.#child ??= this.parent.child(this.bindings))
  }

  // A ringlog logger's level methods are bound to it, so they can be handed out.
  get trace(): LogFn { return this.bound.trace }
  get debug(): LogFn { return this.bound.debug }
  get info(): LogFn { return this.bound.info }
  get warn(): LogFn { return this.bound.warn }
  get error(): LogFn { return this.bound.error }
  get fatal(): LogFn { return this.bound.fatal }

  child(bindings: Record<string, unknown>): RequestLogger {
    return this.bound.child(bindings)
  }
}

/** A request being handled: its id, the context its records carry, and its logger. */
export class RequestScope {
  readonly started = performance.now()
  /** The request's logger: its records carry the request id even where the context does not reach. */
  readonly log: RequestLogger
  /** Undefined with the `context` option off. */
  readonly #context: ContextStore | undefined

  constructor(
    logger: RequestLogger,
    /** `{ requestId, userId? }`: the request context's fields, and the request logger's bindings. */
    readonly fields: { requestId: string; userId?: string | number },
    inContext: boolean,
    readonly method: string,
    readonly url: string,
    readonly remoteAddress: string | undefined,
    readonly userAgent: string | undefined,
    readonly headers: Record<string, string> | undefined,
  ) {
    this.#context = inContext ? newContext(fields) : undefined
    this.log = new DeferredLogger(logger, fields)
  }

  get id(): string {
    return this.fields.requestId
  }

  get inContext(): boolean {
    return this.#context !== undefined
  }

  /** Runs the rest of the request (the next handlers) inside its context, if it has one. */
  run<T>(fn: () => T): T {
    return this.#context === undefined ? fn() : runInContext(this.#context, fn)
  }
}

/** A request's headers, however the framework keeps them. */
export type HeaderOf = (name: string) => string | string[] | undefined

/**
 * The framework-neutral part of every integration: the request id, the request's context, and
 * the one access record when the response is done.
 */
export class RequestLogging<Request> {
  readonly logger: RequestLogger
  readonly requestIdHeader: string
  private readonly skips: (path: string) => boolean
  private readonly context: boolean
  private readonly query: boolean
  private readonly user: ((request: Request) => string | number | undefined) | undefined
  private readonly headers: readonly string[]

  /** @param where the integration, for error messages: `expressLogger()`. */
  constructor(options: HttpLoggingOptions<Request>, where: Where) {
    if (options === null || typeof options !== 'object') invalid(`${where} options`, options, '{ logger, ... }')
    for (const key of Object.keys(options)) if (!OPTION_KEYS.includes(key)) invalid(`${where} option ${key}`, (options as unknown as Record<string, unknown>)[key], `one of ${OPTION_KEYS.join(', ')}`)
    const { logger, skip, context = true, query = false, user, requestIdHeader = 'x-request-id', headers = [] } = options
    if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function' || typeof logger.child !== 'function') {
      invalid(`${where} option logger`, logger, 'a ringlog logger, from createLogger()')
    }
    this.logger = logger
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

  /** A request has come: its id (from its headers or new) and its context. */
  begin(request: Request, method: string, url: string, header: HeaderOf, remoteAddress: string | undefined): RequestScope {
    const id = requestIdOf(header(this.requestIdHeader), header('traceparent'))
    const userId = this.user?.(request)
    const fields = userId === undefined ? { requestId: id } : { requestId: id, userId }
    const agent = header('user-agent')
    return new RequestScope(this.logger, fields, this.context, method, url, remoteAddress, typeof agent === 'string' ? agent : undefined, this.picked(header))
  }

  /** The access record: info, warn for 4xx, error for 5xx; with what the handler threw. */
  end(scope: RequestScope, outcome: Outcome): void {
    const { url } = scope
    const mark = url.indexOf('?')
    const path = mark === -1 ? url : url.slice(0, mark)
    const { status, error } = outcome
    if (error === undefined && status < 500 && this.skips(path)) return
    // Without a context, the record carries the request's fields itself, where the context's would be.
    const fields: Record<string, unknown> = scope.inContext ? {} : { ...scope.fields }
    fields.method = scope.method
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
    // Where the framework tells that the response is done, the request's context may not reach.
    scope.run(() => {
      if (status >= 500) this.logger.error(message, fields)
      else if (status >= 400 || outcome.aborted) this.logger.warn(message, fields)
      else this.logger.info(message, fields)
    })
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
