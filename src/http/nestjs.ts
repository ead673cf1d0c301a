import type { IncomingMessage } from 'node:http'
import { Inject, type CallHandler, type DynamicModule, type ExecutionContext, type LoggerService, type MiddlewareConsumer, type NestInterceptor, type NestModule } from '@nestjs/common'
import { APP_INTERCEPTOR } from '@nestjs/core'
import { catchError, throwError, type Observable } from 'rxjs'
import type { LogFn } from '../logger.js'
import { invalid } from '../validate.js'
import { expressIntegration } from './express.js'
import type { Failure } from './failures.js'
import type { HttpLoggingOptions, RequestLogger } from './request-logging.js'

// From './express.js', not './request-logging.js': importing it brings its typing of `req.log`
// and `req.id` on Express's Request, which is the request Nest hands to `@Req()`.
export type { HttpLoggingOptions, RequestLog, RequestLogger, RequestLogTypes } from './express.js'

/**
 * Nest's LoggerService over a ringlog logger: `app.useLogger(new RinglogLoggerService(log))` sends
 * Nest's own logs (and those of every `new Logger(Context)`) through ringlog. Arguments are read as
 * Nest's JSON console logger reads them: a trailing string is the context (field `context`), a
 * stack trace given to error() or fatal() is the field `stack`, plain objects after the message are
 * fields, an Error is the record's `err`, and any other argument is a record of its own.
 * log is info, verbose is trace; the others keep their names.
 */
export class RinglogLoggerService implements LoggerService {
  /** The ringlog logger the records go to, for logging with fields of its own. */
  readonly logger: RequestLogger

  constructor(logger: RequestLogger) {
    if (logger === null || typeof logger !== 'object' || typeof logger.info !== 'function' || typeof logger.child !== 'function') {
      invalid('RinglogLoggerService logger', logger, 'a ringlog logger, from createLogger()')
    }
    this.logger = logger
  }

  // The level methods are read at each call: a ringlog logger replaces them when its level changes.
  log(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.info, message, optionalParams, false)
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.error, message, optionalParams, true)
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.warn, message, optionalParams, false)
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.debug, message, optionalParams, false)
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.trace, message, optionalParams, false)
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    write(this.logger.fatal, message, optionalParams, true)
  }
}

/** How Nest's console logger tells a stack trace from a context. */
const STACK = /\n[ \t]+at .+:\d+:\d+/

function isStack(value: unknown): boolean {
  return typeof value === 'string' && STACK.test(value)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === null || prototype === Object.prototype
}

/** Adds the keys of `from` that `to` has not: the context, stack and error Nest gives win over the caller's fields. */
function merge(to: Record<string, unknown>, from: object): void {
  for (const [key, value] of Object.entries(from)) if (!Object.hasOwn(to, key)) to[key] = value
}

/** Nest's (message, ...optionalParams) as records, the way ConsoleLogger splits them. */
function write(log: LogFn, message: unknown, optionalParams: unknown[], takesStack: boolean): void {
  const args = [message, ...optionalParams]
  // error() and fatal() take (message, stack?, context?); a Logger with a context passes an
  // undefined stack when it has none, so that the context stays last.
  const trailingStack = takesStack && args.length > 1 && (args.length === 2 ? args[1] === undefined || isStack(args[1]) : isStack(args.at(-1)))
  let stack = trailingStack ? args.pop() : undefined
  const context = args.length > 1 && typeof args.at(-1) === 'string' ? args.pop() : undefined
  if (takesStack && !trailingStack && args.length > 1 && (args.at(-1) === undefined || typeof args.at(-1) === 'string')) stack = args.pop()

  const base: Record<string, unknown> = {}
  if (context !== undefined) base.context = context
  if (typeof stack === 'string') base.stack = stack
  const messages = [args[0]]
  const params: Record<string, unknown> = {}
  for (const arg of args.slice(1)) {
    if (isPlainObject(arg)) Object.assign(params, arg)
    else messages.push(arg)
  }
  // `error('failed', err)` is one record, 'failed' with the error, as in Nest's JSON logs.
  const at = messages.findIndex((entry) => entry instanceof Error)
  const attached = at > 0 ? messages.splice(at, 1)[0] : undefined

  messages.forEach((entry, index) => {
    const fields = { ...base }
    if (entry instanceof Error) {
      fields.err = entry
      merge(fields, params)
      log(fields, String(entry.message))
      return
    }
    if (index === 0 && attached !== undefined) fields.err = attached
    const isObject = entry !== null && typeof entry === 'object'
    if (isObject) merge(fields, entry)
    merge(fields, params)
    if (isObject) log(fields)
    else log(typeof entry === 'string' ? entry : String(entry), fields)
  })
}

type Integration = ReturnType<typeof expressIntegration>

const INTEGRATION = Symbol('ringlog integration')
const NOTING: Failure = { what: 'noting what a handler threw', lost: 'access records go without it' }

/**
 * Nest answers what a handler throws with its exception filters, before Express's error handlers
 * would see it: the error is noted for the access record here, then thrown on to them.
 */
class FailureInterceptor implements NestInterceptor {
  constructor(private readonly integration: Integration) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // A hybrid app's microservice or GraphQL handlers have no Node request to note it on.
    if (context.getType() !== 'http') return next.handle()
    return next.handle().pipe(
      catchError((error: unknown) => {
        // The handler's error goes on to Nest's filters whatever happens in noting it.
        try {
          this.integration.fail(context.switchToHttp().getRequest<IncomingMessage>(), error)
        } catch (failure) {
          this.integration.failed(NOTING, failure)
        }
        return throwError(() => error)
      }),
    )
  }
}

/**
 * Request id, request context, `req.log` and one access record per request, for NestJS on
 * Express: `imports: [RinglogModule.forRoot({ logger: log })]` in the root module. An error a
 * handler throws is in the access record, with its stack, and Nest's exception filters answer it
 * as usual. Global: RinglogLoggerService, over the same logger, can be injected anywhere, and
 * `app.useLogger(app.get(RinglogLoggerService))` sends Nest's own logs through it.
 */
export class RinglogModule implements NestModule {
  /** @internal Nest makes the module, from forRoot(). */
  constructor(private readonly integration: Integration) {}

  /** @typeParam Request Express's request type, for `user` (`import type { Request } from 'express'`). */
  static forRoot<Request extends IncomingMessage = IncomingMessage>(options: HttpLoggingOptions<Request>): DynamicModule {
    const integration = expressIntegration(options, 'RinglogModule.forRoot()')
    return {
      module: RinglogModule,
      global: true,
      providers: [
        { provide: INTEGRATION, useValue: integration },
        { provide: RinglogLoggerService, useValue: new RinglogLoggerService(options.logger) },
        { provide: APP_INTERCEPTOR, useValue: new FailureInterceptor(integration) },
      ],
      exports: [RinglogLoggerService],
    }
  }

  configure(consumer: MiddlewareConsumer): void {
    // Nest mounts '*' on Express 5 as '/{*path}', outside any global prefix: the requests no
    // route answers (Nest's 404s) get their access record too.
    consumer.apply(this.integration.middleware).forRoutes('*')
  }
}

// Decorators applied as calls: the project's tsconfig has no experimentalDecorators.
Inject(INTEGRATION)(RinglogModule, undefined, 0)
