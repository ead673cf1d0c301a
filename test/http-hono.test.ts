import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { honoLogger, type RinglogVariables } from '../dist/src/http/hono.js'
import { integrationSuite, type Served } from './helpers/http.js'

integrationSuite(
  'hono',
  async (log, options): Promise<Served> => {
    const app = new Hono<{ Variables: RinglogVariables }>()
    app.use(honoLogger({ logger: log, ...options }))
    app.get('/hello/:id', async (c) => {
      c.get('log').info('handled', { id: c.req.param('id') })
      await delay(1)
      log.info('after await')
      return c.text(`hello ${c.req.param('id')}`)
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
  { errorStatus: 500, errorBody: 'Internal Server Error', helloRoute: '/hello/:id', user: (c: Context) => c.req.header('x-user') },
)
