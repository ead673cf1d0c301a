import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Router from '@koa/router'
import Koa, { type DefaultState } from 'koa'
import { expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { koaLogger, type KoaContext, type KoaRequestLogging } from '../dist/src/http/koa.js'
import { tempDir } from './helpers/files.js'
import { integrationSuite, MISROUTED, normalized, ringlogStderr, useFullLogger, type Served, type SuiteLogger } from './helpers/http.js'

integrationSuite(
  'koa',
  async (log, options): Promise<Served> => {
    const app = new Koa<DefaultState, KoaRequestLogging<SuiteLogger>>()
    // Koa prints a thrown error's stack on stderr unless silent; the access record has it.
    app.silent = true
    app.use(koaLogger({ logger: log, ...options }))
    const router = new Router<DefaultState, KoaRequestLogging<SuiteLogger>>()
    router.get('/hello/:id', async (ctx) => {
      ctx.log.info('handled', { id: ctx.params.id })
      await delay(1)
      log.info('after await')
      ctx.type = 'text/plain'
      ctx.body = `hello ${ctx.params.id}`
    })
    router.get('/full/:id', async (ctx) => {
      ctx.type = 'text/plain'
      ctx.body = await useFullLogger(ctx.log, ctx.params.id)
    })
    router.get('/misrouted', (ctx) => {
      Object.defineProperty(ctx, '_matchedRoute', {
        get() {
          throw new Error(MISROUTED)
        },
      })
      ctx.type = 'text/plain'
      ctx.body = 'misrouted'
    })
    router.get('/health', (ctx) => {
      ctx.body = 'ok'
    })
    router.get('/boom', async () => {
      throw new Error('boom')
    })
    app.use(router.routes())
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  },
  { errorStatus: 500, errorBody: 'Internal Server Error', errorFields: { status: 500 }, helloRoute: '/hello/:id', user: (ctx: KoaContext) => ctx.req.headers['x-user'] as string | undefined, integration: 'koaLogger()' },
)

it("an error the request id cannot be put on: Koa answers the handler's own error, the failure said once", async () => {
  const file = join(tempDir(), 'http.log')
  const log = createLogger({ destination: file, worker: false })
  const app = new Koa()
  app.silent = true
  app.use(koaLogger({ logger: log }))
  app.use(() => {
    // Not extensible: the `headers` Koa's error handling reads cannot be added to it.
    throw Object.preventExtensions(Object.assign(new Error('boom'), { status: 418, expose: true }))
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const answers: [number, string][] = []
  let stderr = ''
  try {
    stderr = await ringlogStderr(async () => {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tea`, { headers: { 'x-request-id': `t${i}` } })
        answers.push([response.status, await response.text()])
      }
    })
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await log.close()
  }
  expect(answers).toEqual([[418, 'boom'], [418, 'boom']])
  expect(stderr).toBe("ringlog: koaLogger(): putting the request id on the thrown error's headers failed (Cannot define property headers, object is not extensible); error responses go without it. Said once.\n")
  expect(normalized(file).map((record) => [record.msg, record.level, record.requestId, record.status, (record.err as { message: string }).message])).toEqual([
    ['request failed', 'warn', 't0', 418, 'boom'],
    ['request failed', 'warn', 't1', 418, 'boom'],
  ])
})
