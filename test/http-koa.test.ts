import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import Router from '@koa/router'
import Koa, { type DefaultState } from 'koa'
import { koaLogger, type KoaContext, type KoaRequestLogging } from '../dist/src/http/koa.js'
import { integrationSuite, MISROUTED, useFullLogger, type Served, type SuiteLogger } from './helpers/http.js'

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
