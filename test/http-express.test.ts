import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import express, { type Request } from 'express'
import { expressLogger } from '../dist/src/http/express.js'
import { integrationSuite, MISROUTED, useFullLogger, type Served } from './helpers/http.js'

integrationSuite(
  'express',
  async (log, options): Promise<Served> => {
    const app = express()
    // Express's error handler answers without the stack in production.
    app.set('env', 'production')
    app.use(expressLogger({ logger: log, ...options }))
    app.get('/hello/:id', async (req, res) => {
      req.log.info('handled', { id: req.params.id })
      await delay(1)
      log.info('after await')
      res.type('text').send(`hello ${req.params.id}`)
    })
    app.get('/full/:id', async (req, res) => {
      res.type('text').send(await useFullLogger(req.log, req.params.id))
    })
    app.get('/misrouted', (req, res) => {
      Object.defineProperty(req, 'route', {
        get() {
          throw new Error(MISROUTED)
        },
      })
      res.type('text').send('misrouted')
    })
    app.get('/health', (_req, res) => {
      res.send('ok')
    })
    app.get('/boom', async () => {
      throw new Error('boom')
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  },
  { errorStatus: 500, errorBody: '<pre>Internal Server Error</pre>', helloRoute: '/hello/:id', user: (req: Request) => req.get('x-user'), integration: 'expressLogger()' },
)
