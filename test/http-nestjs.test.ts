import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Controller, Get, Header, Injectable, Module, Param, Req, type Type } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { NestExpressApplication } from '@nestjs/platform-express'
import type { Request } from 'express'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import type { HttpLoggingOptions } from '../dist/src/http/request-logging.js'
import { RinglogLoggerService, RinglogModule } from '../dist/src/http/nestjs.js'
import { tempDir } from './helpers/files.js'
import { integrationSuite, MISROUTED, useFullLogger, type Served, type SuiteLogger } from './helpers/http.js'

/** Applies method decorators as TypeScript would, without the decorator syntax the project's tsconfig leaves off. */
function decorate(target: object, method: string, ...decorators: MethodDecorator[]): void {
  for (const decorator of decorators) decorator(target, method, Object.getOwnPropertyDescriptor(target, method)!)
}

/** The app of the shared scenarios, with RinglogModule logging to `log`. */
function appModule(log: Logger | SuiteLogger, options: Omit<HttpLoggingOptions<Request>, 'logger'>): Type {
  class AppController {
    async hello(req: Request, id: string): Promise<string> {
      req.log.info('handled', { id })
      await delay(1)
      log.info('after await')
      return `hello ${id}`
    }

    full(req: Request, id: string): Promise<string> {
      return useFullLogger(req.log, id)
    }

    misrouted(req: Request): string {
      Object.defineProperty(req, 'route', {
        get() {
          throw new Error(MISROUTED)
        },
      })
      return 'misrouted'
    }

    health(): string {
      return 'ok'
    }

    async boom(): Promise<never> {
      throw new Error('boom')
    }
  }
  Controller()(AppController)
  const proto = AppController.prototype
  decorate(proto, 'hello', Get('hello/:id'), Header('content-type', 'text/plain; charset=utf-8'))
  Req()(proto, 'hello', 0)
  Param('id')(proto, 'hello', 1)
  decorate(proto, 'full', Get('full/:id'), Header('content-type', 'text/plain; charset=utf-8'))
  Req()(proto, 'full', 0)
  Param('id')(proto, 'full', 1)
  decorate(proto, 'misrouted', Get('misrouted'), Header('content-type', 'text/plain; charset=utf-8'))
  Req()(proto, 'misrouted', 0)
  decorate(proto, 'health', Get('health'))
  decorate(proto, 'boom', Get('boom'))

  class AppModule {}
  Module({ imports: [RinglogModule.forRoot<Request>({ logger: log, ...options })], controllers: [AppController] })(AppModule)
  return AppModule
}

async function listen(app: NestExpressApplication): Promise<Served> {
  await app.listen(0, '127.0.0.1')
  return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, close: () => app.close() }
}

integrationSuite(
  'nestjs',
  async (log, options): Promise<Served> => {
    // Nest's own logs are tested below: here the records are the requests' only. Without
    // abortOnError: false, a failing start would end the test process instead of failing the test.
    const app = await NestFactory.create<NestExpressApplication>(appModule(log, options), { logger: false, abortOnError: false })
    return listen(app)
  },
  {
    errorStatus: 500,
    errorBody: '{"statusCode":500,"message":"Internal server error"}',
    helloRoute: '/hello/:id',
    user: (req: Request) => req.get('x-user'),
    integration: 'RinglogModule.forRoot()',
  },
)

const TIME = '2025-01-02T03:04:05.678Z'

/** A logger of every level whose records carry a fixed time, written where the test can read them whole. */
function fixedLogger(): { log: Logger; text: () => string } {
  const file = join(tempDir(), 'nest.log')
  const log = createLogger({ destination: file, worker: false, level: 'trace', now: () => Date.parse(TIME) })
  return { log, text: () => readFileSync(file, 'utf8') }
}

/** The lines a record of these fields is written as, in order. */
function lines(...records: Record<string, unknown>[]): string {
  return records.map((record) => `${JSON.stringify({ time: TIME, ...record })}\n`).join('')
}

describe('RinglogLoggerService', () => {
  it("maps Nest's log, error, warn, debug, verbose and fatal to ringlog's levels, with the context, stack and fields Nest passes", async () => {
    const { log, text } = fixedLogger()
    const service = new RinglogLoggerService(log)
    const stack = 'Error: down\n    at connect (/app/db.js:10:5)'
    const error = new Error('boom')
    error.stack = 'Error: boom\n    at handler (/app/app.js:3:9)'
    service.log('started', 'Bootstrap')
    service.log({ port: 3000 }, 'Bootstrap')
    service.log('user created', { userId: 7, context: 'not this' }, 'Users')
    service.log('two lines', 42, 'Users')
    service.log('no context')
    service.error('query failed', stack, 'Database')
    // What `new Logger('Database').error('query failed')` passes: no stack, the context last.
    service.error('query failed', undefined, 'Database')
    service.error('query failed', 'Database')
    service.error('query failed', stack)
    // What Nest's ExceptionsHandler passes for an error a handler threw.
    service.error(error, undefined, 'ExceptionsHandler')
    service.error('request failed', error, 'Http')
    service.warn('slow', 'Cache')
    service.debug('miss', { key: 'a' }, 'Cache')
    service.verbose('lookup', 'Cache')
    service.fatal('cannot start', stack, 'Main')
    await log.close()
    const err = { type: 'Error', message: 'boom', stack: error.stack }
    expect(text()).toBe(
      lines(
        { level: 'info', msg: 'started', context: 'Bootstrap' },
        { level: 'info', context: 'Bootstrap', port: 3000 },
        { level: 'info', msg: 'user created', context: 'Users', userId: 7 },
        { level: 'info', msg: 'two lines', context: 'Users' },
        { level: 'info', msg: '42', context: 'Users' },
        { level: 'info', msg: 'no context' },
        { level: 'error', msg: 'query failed', context: 'Database', stack },
        { level: 'error', msg: 'query failed', context: 'Database' },
        { level: 'error', msg: 'query failed', context: 'Database' },
        { level: 'error', msg: 'query failed', stack },
        { level: 'error', msg: 'boom', context: 'ExceptionsHandler', err },
        { level: 'error', msg: 'request failed', context: 'Http', err },
        { level: 'warn', msg: 'slow', context: 'Cache' },
        { level: 'debug', msg: 'miss', context: 'Cache', key: 'a' },
        { level: 'trace', msg: 'lookup', context: 'Cache' },
        { level: 'fatal', msg: 'cannot start', context: 'Main', stack },
      ),
    )
  })

  it("takes Nest's own logs: the application's startup, through NestFactory's logger option", async () => {
    const { log, text } = fixedLogger()
    class StatusController {
      status(): string {
        return 'up'
      }
    }
    Controller('status')(StatusController)
    decorate(StatusController.prototype, 'status', Get())
    class AppModule {}
    Module({ controllers: [StatusController] })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: new RinglogLoggerService(log), abortOnError: false })
    await app.init()
    await app.close()
    await log.close()
    expect(text()).toBe(
      lines(
        { level: 'info', msg: 'Starting Nest application...', context: 'NestFactory' },
        { level: 'info', msg: 'AppModule dependencies initialized', context: 'InstanceLoader' },
        { level: 'info', msg: 'StatusController {/status}:', context: 'RoutesResolver' },
        { level: 'info', msg: 'Mapped {/status, GET} route', context: 'RouterExplorer' },
        { level: 'info', msg: 'Nest application successfully started', context: 'NestApplication' },
      ),
    )
  })

  it("RinglogModule provides it, over the module's logger, to any provider that asks for it; as the app's logger it takes Nest's logs", async () => {
    const { log, text } = fixedLogger()
    class Greeter {
      constructor(private readonly log: RinglogLoggerService) {}

      greet(name: string): string {
        this.log.log('greeted', { name }, Greeter.name)
        return `hello ${name}`
      }
    }
    Injectable()(Greeter)
    // What TypeScript emits with emitDecoratorMetadata for `constructor(private readonly log: RinglogLoggerService)`.
    Reflect.defineMetadata('design:paramtypes', [RinglogLoggerService], Greeter)
    // In a module that does not import RinglogModule: it is global.
    class GreetingModule {}
    Module({ providers: [Greeter], exports: [Greeter] })(GreetingModule)
    class AppModule {}
    Module({ imports: [RinglogModule.forRoot({ logger: log }), GreetingModule] })(AppModule)

    const app = await NestFactory.create(AppModule, { bufferLogs: true, abortOnError: false })
    const service = app.get(RinglogLoggerService)
    expect(service.logger).toBe(log)
    app.useLogger(service)
    await app.init()
    expect(app.get(Greeter).greet('ann')).toBe('hello ann')
    await app.close()
    await log.close()
    expect(text()).toBe(
      lines(
        { level: 'info', msg: 'Starting Nest application...', context: 'NestFactory' },
        { level: 'info', msg: 'AppModule dependencies initialized', context: 'InstanceLoader' },
        { level: 'info', msg: 'RinglogModule dependencies initialized', context: 'InstanceLoader' },
        { level: 'info', msg: 'GreetingModule dependencies initialized', context: 'InstanceLoader' },
        { level: 'info', msg: 'Nest application successfully started', context: 'NestApplication' },
        { level: 'info', msg: 'greeted', context: 'Greeter', name: 'ann' },
      ),
    )
  })

  it("with Nest's logs through it, Nest's ExceptionsHandler logs a thrown error too, in the request's context", async () => {
    const { log, text } = fixedLogger()
    const app = await NestFactory.create<NestExpressApplication>(appModule(log, {}), { logger: false, abortOnError: false })
    const served = await listen(app)
    // Once started, so that the records are the request's only.
    app.useLogger(app.get(RinglogLoggerService))
    const response = await fetch(`${served.url}/boom`, { headers: { 'x-request-id': 'r1', 'user-agent': 'ringlog-test' } })
    expect(response.status).toBe(500)
    await served.close()
    await log.close()
    const records = text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const record of records) expect((record.err as { stack: string }).stack).toMatch(/^Error: boom\n\s+at /)
    const err = { type: 'Error', message: 'boom', stack: '<stack>' }
    expect(records.map((record) => ({ ...record, err, ...('durationMs' in record && { durationMs: '<ms>' }) }))).toEqual([
      { time: TIME, level: 'error', msg: 'boom', requestId: 'r1', context: 'ExceptionsHandler', err },
      {
        time: TIME, level: 'error', msg: 'request failed', requestId: 'r1', method: 'GET', route: '/boom', path: '/boom', status: 500,
        durationMs: '<ms>', bytes: 52, remoteAddress: '127.0.0.1', userAgent: 'ringlog-test', err,
      },
    ])
  })

  it('takes a ringlog logger only', () => {
    expect(() => new RinglogLoggerService(undefined as never)).toThrow(
      new TypeError('ringlog: invalid RinglogLoggerService logger: undefined; expected a ringlog logger, from createLogger()'),
    )
    expect(() => RinglogModule.forRoot({ logger: console } as never)).toThrow(
      'ringlog: invalid RinglogModule.forRoot() option logger',
    )
  })
})
