import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { honoLogger, type RinglogVariables } from '../dist/src/http/hono.js'
import { tempDir } from './helpers/files.js'
import { integrationSuite, MISROUTED, normalized, ringlogStderr, useFullLogger, type Served, type SuiteLogger } from './helpers/http.js'

integrationSuite(
  'hono',
  async (log, options): Promise<Served> => {
    const app = new Hono<{ Variables: RinglogVariables<SuiteLogger> }>()
    app.use(honoLogger({ logger: log, ...options }))
    app.get('/hello/:id', async (c) => {
      c.get('log').info('handled', { id: c.req.param('id') })
      await delay(1)
      log.info('after await')
      return c.text(`hello ${c.req.param('id')}`)
    })
    app.get('/full/:id', async (c) => c.text(await useFullLogger(c.get('log'), c.req.param('id'))))
    app.get('/misrouted', (c) => {
      misroute(c)
      return c.text('misrouted')
    })
    app.get('/health', (c) => c.text('ok'))
    app.get('/boom', async () => {
      throw new Error('boom')
    })
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  },
  { errorStatus: 500, errorBody: 'Internal Server Error', helloRoute: '/hello/:id', user: (c: Context) => c.req.header('x-user'), integration: 'honoLogger()' },
)

/**
 * Makes the route lookup throw for this request as it does when the application's Hono is another
 * copy than the one ringlog imports (hono/route reads the match under a symbol of its own module),
 * and the request's own routePath with it.
 */
function misroute(c: Context): void {
  const broken = {
    get() {
      throw new Error(MISROUTED)
    },
  }
  for (const symbol of Object.getOwnPropertySymbols(Object.getPrototypeOf(c.req))) Object.defineProperty(c.req, symbol, broken)
  Object.defineProperty(c.req, 'routePath', broken)
}

describe("an application on Hono's CommonJS build, ringlog on its ESM build: two copies of Hono", () => {
  it.each([true, false])('requests are answered as usual and their access records keep the route (worker: %s)', async (worker) => {
    const { Hono: CommonJsHono } = createRequire(import.meta.url)('hono') as typeof import('hono')
    expect(CommonJsHono).not.toBe(Hono)
    const file = join(tempDir(), 'http.log')
    const log = createLogger({ destination: file, worker })
    const app = new CommonJsHono<{ Variables: RinglogVariables<typeof log> }>()
    app.use(honoLogger({ logger: log }))
    app.get('/hello/:id', (c) => {
      c.get('log').info('handled', { id: c.req.param('id') })
      return c.text(`hello ${c.req.param('id')}`)
    })
    app.get('/boom', () => {
      throw new Error('boom')
    })
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const answers: [number, string][] = []
    let stderr = ''
    try {
      stderr = await ringlogStderr(async () => {
        for (const path of ['/hello/1', '/boom', '/missing']) {
          const response = await fetch(`${url}${path}`, { headers: { 'x-request-id': `cjs${answers.length}`, 'user-agent': 'ringlog-test' } })
          answers.push([response.status, await response.text()])
        }
      })
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await log.close()
    }
    expect(answers).toEqual([[200, 'hello 1'], [500, 'Internal Server Error'], [404, '404 Not Found']])
    expect(stderr).toBe('')
    const access = (id: string, level: string, msg: string, route: string, path: string, status: number, bytes: number): Record<string, unknown> => ({
      time: '<time>', level, msg, requestId: id, method: 'GET', ...(route === '' ? {} : { route }), path, status, durationMs: '<ms>', bytes, remoteAddress: '127.0.0.1', userAgent: 'ringlog-test',
    })
    expect(normalized(file)).toEqual([
      { time: '<time>', level: 'info', msg: 'handled', requestId: 'cjs0', id: '1' },
      access('cjs0', 'info', 'request completed', '/hello/:id', '/hello/1', 200, 7),
      { ...access('cjs1', 'error', 'request failed', '/boom', '/boom', 500, 21), err: { type: 'Error', message: 'boom', stack: '<stack>' } },
      access('cjs2', 'warn', 'request completed', '', '/missing', 404, 13),
    ])
  })
})

it("request headers that cannot be read: the request is answered, with a new id; the failure said once", async () => {
  const file = join(tempDir(), 'http.log')
  const log = createLogger({ destination: file, worker: false })
  const app = new Hono()
  app.use(async (c, next) => {
    const gone = (): never => {
      throw new Error('headers gone')
    }
    c.req.header = gone as typeof c.req.header
    // On Node the integration reads the IncomingMessage's headers, not a fetch Headers made of them.
    Object.defineProperty((c.env as { incoming: object }).incoming, 'headers', { get: gone })
    await next()
  })
  app.use(honoLogger({ logger: log }))
  app.get('/', (c) => c.text('ok'))
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  const answers: [number, string, string | null][] = []
  let stderr = ''
  try {
    stderr = await ringlogStderr(async () => {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: { 'x-request-id': `h${i}` } })
        answers.push([response.status, await response.text(), response.headers.get('x-request-id')])
      }
    })
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await log.close()
  }
  expect(answers.map(([status, body]) => [status, body])).toEqual([[200, 'ok'], [200, 'ok']])
  const ids = answers.map(([, , id]) => id)
  for (const id of ids) expect(id).toMatch(/^[\w-]{8}-[\da-z]+$/)
  expect(stderr).toBe("ringlog: honoLogger(): reading the request's headers failed (headers gone); requests go on with a new id, without userAgent and headers. Said once.\n")
  expect(normalized(file)).toEqual(ids.map((requestId) => (
    { time: '<time>', level: 'info', msg: 'request completed', requestId, method: 'GET', route: '/', path: '/', status: 200, durationMs: '<ms>', bytes: 2, remoteAddress: '127.0.0.1' }
  )))
})
