/**
 * The server of the HTTP benchmark (bench/http.ts): one framework with one logger, GET /hello
 * answering 'hello world'. By hand:  node dist/bench/http-server.js express:ringlog /tmp/access.log
 * It prints `port N` once listening; on SIGTERM or SIGINT it closes the server, then the logger (so
 * every record is in the file), prints `requests N` (requests the server received) and exits.
 */
import 'reflect-metadata'
import { once } from 'node:events'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import Router from '@koa/router'
import { Controller, Get, Module, type ModuleMetadata } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import express from 'express'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { Hono, type MiddlewareHandler } from 'hono'
import Koa from 'koa'
import { pino } from 'pino'
import { createLogger, type Logger } from '../src/index.js'
import { expressLogger } from '../src/http/express.js'
import { fastifyLogger } from '../src/http/fastify.js'
import { honoLogger, type RinglogVariables } from '../src/http/hono.js'
import { koaLogger } from '../src/http/koa.js'
import { RinglogModule } from '../src/http/nestjs.js'

const require = createRequire(import.meta.url)
// Not imported: pino-http's types declare http.IncomingMessage's `log` a pino logger, which clashes
// with ringlog's `req.log` on Express in this one program. koa-pino-logger ships no types.
const pinoHttp = require('pino-http') as (options: object, stream: pino.DestinationStream) => express.RequestHandler
const koaPinoLogger = require('koa-pino-logger') as (options: object, stream: pino.DestinationStream) => Koa.Middleware

const BODY = 'hello world'
const HOST = '127.0.0.1'

/** A listening server; close() resolves once it is closed and its logger has everything in the file. */
interface Served {
  server: Server
  close(): Promise<void>
}

export interface Variant {
  /** 'ringlog-bare': the integration with `context: false`, as pino-http, which has no request context. */
  logger: 'none' | 'ringlog' | 'ringlog-bare' | 'pino'
  /** How the logger is set up, for the output. */
  setup: string
  start(file: string): Promise<Served>
}

export interface Framework {
  name: string
  /** Why a variant is missing, for the output. */
  note?: string
  variants: Variant[]
}

function closingLogger(app: Served, closeLogger: () => Promise<void>): Served {
  return { server: app.server, close: () => app.close().then(closeLogger) }
}

const none = (start: Variant['start']): Variant => ({ logger: 'none', setup: '', start })

/** The integration as it comes, and with `context: false`. */
function ringlog(setup: string, app: (log: Logger, context: boolean) => Promise<Served>): Variant[] {
  return [true, false].map((context) => ({
    logger: context ? 'ringlog' : 'ringlog-bare',
    setup: context ? setup : `${setup}, context: false`,
    async start(file: string) {
      const log = createLogger({ destination: file })
      return closingLogger(await app(log, context), () => log.close())
    },
  }))
}

/** pino's fast async mode: a SonicBoom that buffers and writes from the event loop. */
function pinoAsync(setup: string, app: (stream: pino.DestinationStream) => Promise<Served>): Variant {
  return {
    logger: 'pino',
    setup: `${setup}, pino.destination({ sync: false })`,
    async start(file) {
      const stream = pino.destination({ dest: file, sync: false })
      await once(stream, 'ready')
      return closingLogger(await app(stream), async () => {
        const closed = once(stream, 'close')
        stream.end()
        await closed
      })
    },
  }
}

async function listening(server: Server): Promise<Served> {
  if (!server.listening) await once(server, 'listening')
  return { server, close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))) }
}

function expressApp(...middleware: express.RequestHandler[]): Promise<Served> {
  const app = express()
  for (const m of middleware) app.use(m)
  app.get('/hello', (_req, res) => void res.send(BODY))
  return listening(app.listen(0, HOST))
}

function koaApp(...middleware: Koa.Middleware[]): Promise<Served> {
  const app = new Koa()
  for (const m of [...middleware, new Router().get('/hello', (ctx) => void (ctx.body = BODY)).routes()]) app.use(m)
  return listening(app.listen(0, HOST))
}

function honoApp(...middleware: MiddlewareHandler<{ Variables: RinglogVariables }>[]): Promise<Served> {
  const app = new Hono<{ Variables: RinglogVariables }>()
  for (const m of middleware) app.use(m)
  app.get('/hello', (c) => c.text(BODY))
  return listening(serve({ fetch: app.fetch, hostname: HOST, port: 0 }) as Server)
}

async function fastifyApp(app: FastifyInstance): Promise<Served> {
  app.get('/hello', async () => BODY)
  await app.listen({ port: 0, host: HOST })
  return { server: app.server, close: () => app.close() }
}

// Nest's decorators are legacy decorators, which tsconfig does not enable: they are applied by hand.
class HelloController {
  hello(): string {
    return BODY
  }
}
Controller()(HelloController)
Get('hello')(HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello')!)

async function nestApp(imports: ModuleMetadata['imports'], ...middleware: express.RequestHandler[]): Promise<Served> {
  class AppModule {}
  Module({ imports, controllers: [HelloController] })(AppModule)
  // Nest's own logger would print its start-up lines on stdout, where the port goes.
  const app = await NestFactory.create(AppModule, { logger: false })
  if (middleware.length > 0) app.use(...middleware)
  await app.listen(0, HOST)
  return { server: app.getHttpServer() as Server, close: () => app.close() }
}

export const FRAMEWORKS: Framework[] = [
  {
    name: 'express',
    variants: [
      none(() => expressApp()),
      ...ringlog('expressLogger', (log, context) => expressApp(expressLogger({ logger: log, context }))),
      pinoAsync('pino-http 11', (stream) => expressApp(pinoHttp({}, stream))),
    ],
  },
  {
    name: 'koa',
    variants: [
      none(() => koaApp()),
      ...ringlog('koaLogger', (log, context) => koaApp(koaLogger({ logger: log, context }) as unknown as Koa.Middleware)),
      pinoAsync('koa-pino-logger 5 (pino-http)', (stream) => koaApp(koaPinoLogger({}, stream))),
    ],
  },
  {
    name: 'hono',
    variants: [
      none(() => honoApp()),
      ...ringlog('honoLogger', (log, context) => honoApp(honoLogger({ logger: log, context }))),
      // Hono has no pino middleware of its own: pino-http on the Node request and response that @hono/node-server passes in.
      pinoAsync('pino-http 11 as a Hono middleware (c.env.incoming, c.env.outgoing)', (stream) => {
        const log = pinoHttp({}, stream) as unknown as (req: IncomingMessage, res: ServerResponse) => void
        return honoApp(async (c, next) => {
          const { incoming, outgoing } = c.env as { incoming: IncomingMessage; outgoing: ServerResponse }
          log(incoming, outgoing)
          await next()
        })
      }),
    ],
  },
  {
    name: 'fastify',
    variants: [
      none(() => fastifyApp(Fastify({ logger: false }))),
      ...ringlog('fastifyLogger plugin, Fastify logger: false', async (log, context) => {
        const app = Fastify({ logger: false, logController: new LogController({ disableRequestLogging: true }) })
        await app.register(fastifyLogger, { logger: log, context })
        return fastifyApp(app)
      }),
      // Fastify's default request logging writes 'incoming request' too, before the access record.
      pinoAsync("Fastify's own pino (also logs 'incoming request'), logger: { stream }", (stream) => fastifyApp(Fastify({ logger: { stream } }))),
    ],
  },
  {
    name: 'nestjs',
    variants: [
      none(() => nestApp([])),
      ...ringlog('RinglogModule.forRoot', (log, context) => nestApp([RinglogModule.forRoot({ logger: log, context })])),
      // What nestjs-pino does too: pino-http as Express middleware on every route.
      pinoAsync('app.use(pinoHttp), pino-http 11', (stream) => nestApp([], pinoHttp({}, stream))),
    ],
  },
]

async function main(): Promise<void> {
  const [name = '', file = ''] = process.argv.slice(2)
  const [framework, logger] = name.split(':')
  const variant = FRAMEWORKS.find((f) => f.name === framework)?.variants.find((v) => v.logger === logger)
  if (variant === undefined || file === '') {
    throw new Error(`usage: http-server.js <${FRAMEWORKS.flatMap((f) => f.variants.map((v) => `${f.name}:${v.logger}`)).join('|')}> <log file>`)
  }
  const served = await variant.start(file)
  let requests = 0
  served.server.on('request', () => requests++)
  const stop = (): void => {
    served.close().then(() => {
      console.log(`requests ${requests}`)
      // Frameworks may keep timers; everything the logger had is in the file by now.
      process.exit(0)
    }, fail)
  }
  process.once('SIGTERM', stop).once('SIGINT', stop)
  console.log(`port ${(served.server.address() as AddressInfo).port}`)
}

function fail(err: unknown): void {
  console.error(err)
  process.exit(1)
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main().catch(fail)
