import { request as httpRequest, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { fastifyLogger, fastifyLoggerInstance, type FastifyLoggerPluginOptions, type FastifyRingLogger } from '../dist/src/http/fastify.js'
import { tempDir } from './helpers/files.js'
import { integrationSuite, MISROUTED, normalized, useFullLogger, type Served, type SuiteLogger } from './helpers/http.js'

type Row = Record<string, unknown>

/**
 * Fastify with its own logging off, as with the plugin: the access record is ringlog's. `Log` is
 * the type Fastify gives request.log.
 */
function quietFastify<Log extends FastifyBaseLogger = FastifyBaseLogger>(): FastifyInstance<Server, IncomingMessage, ServerResponse, Log> {
  // The logController form of `disableRequestLogging: true`, which Fastify 5.12 deprecates (FSTDEP023).
  return Fastify<Server, IncomingMessage, ServerResponse, Log>({ logger: false, logController: new LogController({ disableRequestLogging: true }) })
}

async function listen(app: Pick<FastifyInstance, 'listen' | 'server'>): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

integrationSuite(
  'fastify',
  async (log, options): Promise<Served> => {
    const { user, ...rest } = options
    const app = quietFastify<FastifyRingLogger<SuiteLogger>>()
    await app.register(fastifyLogger, { logger: log, ...rest, user: user as FastifyLoggerPluginOptions['user'] })
    app.get<{ Params: { id: string } }>('/hello/:id', async (request, reply) => {
      // Fields first, message second: request.log has Fastify's (pino's) types, which take (message, fields) for printf arguments.
      request.log.info({ id: request.params.id }, 'handled')
      await delay(1)
      log.info('after await')
      return reply.type('text/plain').send(`hello ${request.params.id}`)
    })
    app.get<{ Params: { id: string } }>('/full/:id', async (request, reply) => reply.type('text/plain').send(await useFullLogger(request.log, request.params.id)))
    app.get('/misrouted', async (request, reply) => {
      Object.defineProperty(request, 'routeOptions', {
        get() {
          throw new Error(MISROUTED)
        },
      })
      return reply.type('text/plain').send('misrouted')
    })
    app.get('/health', async () => 'ok')
    app.get('/boom', async () => {
      throw new Error('boom')
    })
    const url = await listen(app)
    return { url, close: () => app.close() }
  },
  {
    errorStatus: 500,
    errorBody: '{"statusCode":500,"error":"Internal Server Error","message":"boom"}',
    helloRoute: '/hello/:id',
    user: (request: FastifyRequest) => {
      const value = request.headers['x-user']
      return typeof value === 'string' ? value : undefined
    },
    integration: 'fastifyLogger()',
  },
)

interface Answer {
  status: number
  body: string
  id: string | undefined
  /** The client's port: the `remotePort` Fastify's req serializer writes. */
  port: number
}

/** A GET on a connection of its own. */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false, headers }, (response) => {
      const port = response.socket.localPort!
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body, id: response.headers['x-request-id'] as string | undefined, port }))
    })
    request.on('error', reject)
    request.end()
  })
}

describe.each([true, false])('fastifyLogger beyond the shared scenarios (worker: %s)', (worker) => {
  async function run(setup: (app: FastifyInstance, log: Logger) => Promise<void>, body: (url: string) => Promise<void>): Promise<Row[]> {
    const file = join(tempDir(), 'http.log')
    const log = createLogger({ destination: file, worker })
    const app = quietFastify()
    try {
      await app.register(fastifyLogger, { logger: log })
      await setup(app, log)
      await body(await listen(app))
    } finally {
      await app.close()
      await log.close()
    }
    return normalized(file)
  }

  it('a body that comes late: the context reaches the handler after Fastify parsed it; request.requestId and request.log', async () => {
    let answer: Row | undefined
    let bytes = 0
    const records = await run(
      async (app, log) => {
        app.post<{ Body: { n: number } }>('/items', async (request) => {
          log.info('parsed', { n: request.body.n })
          request.log.child({ part: 'db' }).warn('child of request.log')
          return { requestId: request.requestId, level: request.log.level, silent: typeof request.log.silent }
        })
      },
      async (url) => {
        answer = await new Promise<Row>((resolve, reject) => {
          const request: ClientRequest = httpRequest(`${url}/items`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': '7', 'x-request-id': 'late-1', 'user-agent': 'ringlog-test' } }, (response: IncomingMessage) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (text += chunk))
            response.on('end', () => {
              bytes = Buffer.byteLength(text)
              resolve({ id: response.headers['x-request-id'], ...(JSON.parse(text) as Row) })
            })
          })
          request.on('error', reject)
          request.flushHeaders()
          // The body comes in a later read of the socket, after the onRequest hook is done.
          setTimeout(() => request.end('{"n":5}'), 30)
        })
      },
    )
    expect(answer).toEqual({ id: 'late-1', requestId: 'late-1', level: 'info', silent: 'function' })
    expect(records).toEqual([
      { time: '<time>', level: 'info', msg: 'parsed', requestId: 'late-1', n: 5 },
      { time: '<time>', level: 'warn', msg: 'child of request.log', requestId: 'late-1', part: 'db' },
      {
        time: '<time>', level: 'info', msg: 'request completed', requestId: 'late-1', method: 'POST', route: '/items', path: '/items',
        status: 200, durationMs: '<ms>', bytes, remoteAddress: '127.0.0.1', userAgent: 'ringlog-test',
      },
    ])
  })

  it('a client that leaves before the answer: one request aborted record', async () => {
    let started!: () => void
    const handling = new Promise<void>((resolve) => (started = resolve))
    let aborted!: () => void
    const recorded = new Promise<void>((resolve) => (aborted = resolve))
    const records = await run(
      async (app) => {
        app.get('/slow', async (_request, reply) => {
          started()
          await new Promise((resolve) => reply.raw.once('close', resolve))
          return 'late'
        })
        // After the plugin's own onRequestAbort hook, which wrote the record.
        app.addHook('onRequestAbort', (_request, done) => {
          aborted()
          done()
        })
      },
      async (url) => {
        const request = httpRequest(`${url}/slow`, { agent: false, headers: { 'x-request-id': 'gone-1', 'user-agent': 'ringlog-test' } })
        request.on('error', () => {})
        request.end()
        await handling
        request.destroy()
        await recorded
      },
    )
    expect(records).toEqual([
      { time: '<time>', level: 'warn', msg: 'request aborted', requestId: 'gone-1', method: 'GET', route: '/slow', path: '/slow', status: 200, durationMs: '<ms>', remoteAddress: '127.0.0.1', userAgent: 'ringlog-test' },
    ])
  })

  it('applies to the whole app: routes of an encapsulated plugin have their access record', async () => {
    const records = await run(
      async (app) => {
        await app.register(async (child) => {
          child.get('/inner', async (request) => {
            request.log.info('inner')
            return 'in'
          })
        }, { prefix: '/v1' })
      },
      async (url) => {
        expect((await get(`${url}/v1/inner`, { 'x-request-id': 'in-1' })).status).toBe(200)
      },
    )
    expect(records.map((record) => [record.msg, record.requestId, record.route])).toEqual([
      ['inner', 'in-1', undefined],
      ['request completed', 'in-1', '/v1/inner'],
    ])
  })
})

describe('fastifyLogger options', () => {
  it('an unknown option is refused when the plugin loads', async () => {
    const log = createLogger({ destination: join(tempDir(), 'http.log'), worker: false })
    const app = quietFastify()
    try {
      await expect(app.register(fastifyLogger, { logger: log, bogus: 1 } as FastifyLoggerPluginOptions)).rejects.toThrow('ringlog: invalid fastifyLogger() option bogus: 1; expected one of logger, skip, context, query, user, requestIdHeader, headers')
    } finally {
      await app.close().catch(() => {})
      await log.close()
    }
  })
})

describe.each([true, false])('Fastify({ loggerInstance }) (worker: %s)', (worker) => {
  it("Fastify's own records go through ringlog, its req and res serializers applied, a route's logLevel honoured", async () => {
    const file = join(tempDir(), 'fastify.log')
    const log = createLogger({ destination: file, worker })
    const app = Fastify({ loggerInstance: fastifyLoggerInstance(log) })
    app.get<{ Params: { id: string } }>('/hello/:id', async (request) => {
      request.log.info({ id: request.params.id }, 'handled')
      return `hello ${request.params.id}`
    })
    app.get('/boom', async () => {
      throw new Error('boom')
    })
    app.get('/quiet', { logLevel: 'warn' }, async (request) => {
      request.log.info('not written')
      request.log.warn('quiet warn')
      return 'q'
    })
    const answers: Answer[] = []
    let url = ''
    try {
      url = await listen(app)
      for (const path of ['/hello/42', '/boom', '/missing', '/quiet']) answers.push(await get(`${url}${path}`))
    } finally {
      await app.close()
      await log.close()
    }
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'hello 42'],
      [500, '{"statusCode":500,"error":"Internal Server Error","message":"boom"}'],
      [404, '{"message":"Route GET:/missing not found","error":"Not Found","statusCode":404}'],
      [200, 'q'],
    ])
    const host = url.slice('http://'.length)
    const req = (at: number, path: string): Row => ({ method: 'GET', url: path, host, remoteAddress: '127.0.0.1', remotePort: answers[at].port })
    const incoming = (reqId: string, at: number, path: string): Row => ({ time: '<time>', level: 'info', msg: 'incoming request', reqId, req: req(at, path) })
    const completed = (reqId: string, statusCode: number): Row => ({ time: '<time>', level: 'info', msg: 'request completed', reqId, res: { statusCode }, responseTime: '<ms>' })
    expect(normalized(file, ['responseTime'])).toEqual([
      { time: '<time>', level: 'info', msg: `Server listening at ${url}` },
      incoming('req-1', 0, '/hello/42'),
      { time: '<time>', level: 'info', msg: 'handled', reqId: 'req-1', id: '42' },
      completed('req-1', 200),
      incoming('req-2', 1, '/boom'),
      { time: '<time>', level: 'error', msg: 'boom', reqId: 'req-2', req: req(1, '/boom'), res: { statusCode: 500 }, err: { type: 'Error', message: 'boom', stack: '<stack>' } },
      completed('req-2', 500),
      incoming('req-3', 2, '/missing'),
      { time: '<time>', level: 'info', msg: 'Route GET:/missing not found', reqId: 'req-3' },
      completed('req-3', 404),
      { time: '<time>', level: 'warn', msg: 'quiet warn', reqId: 'req-4' },
    ])
  })
})

describe('Fastify({ loggerInstance }): request.log is the full logger too', () => {
  it('custom level, isLevelEnabled, flush and metrics through the child Fastify makes per request', async () => {
    const file = join(tempDir(), 'fastify.log')
    const log = createLogger({ destination: file, worker: false, customLevels: { audit: 35 } })
    const app = Fastify({ loggerInstance: fastifyLoggerInstance(log), logController: new LogController({ disableRequestLogging: true }) })
    app.get('/audit', async (request) => {
      request.log.audit({ who: 'ann' }, 'audited')
      const seen = `audit ${request.log.isLevelEnabled('audit')}, debug ${request.log.isLevelEnabled('debug')}`
      await request.log.flush()
      return `${seen}, written ${request.log.metrics().written}`
    })
    let body = ''
    try {
      const url = await listen(app)
      body = (await get(`${url}/audit`)).body
    } finally {
      await app.close()
      await log.close()
    }
    // Fastify's "Server listening" record and the audit record were written when flush() resolved.
    expect(body).toBe('audit true, debug false, written 2')
    expect(normalized(file).slice(1)).toEqual([{ time: '<time>', level: 'audit', msg: 'audited', reqId: 'req-1', who: 'ann' }])
  })
})
