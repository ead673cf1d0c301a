import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Logger } from '../../dist/src/index.js'
import { expressLogger } from '../../dist/src/http/express.js'

/**
 * Two requests through the Express integration with `log`: GET /hello/7?x=1 (request id req-1),
 * whose handler logs `handled` with `{ id }`, and GET /boom (req-2), whose handler throws an Error
 * with the stack `Error: boom\n    at route (app.js:1:1)`. Resolves once both are answered.
 */
export async function logTwoRequests(log: Logger, options: { query?: boolean } = {}): Promise<void> {
  const app = express()
  // No stack in the answer, and none on stderr.
  app.set('env', 'test')
  app.use(expressLogger({ logger: log, ...options }))
  app.get('/hello/:id', (req, res) => {
    req.log.info('handled', { id: req.params.id })
    res.type('text').send('hello')
  })
  app.get('/boom', () => {
    throw Object.assign(new Error('boom'), { stack: 'Error: boom\n    at route (app.js:1:1)' })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await (await fetch(`${url}/hello/7?x=1`, { headers: { 'x-request-id': 'req-1', 'user-agent': 'tester/1.0' } })).text()
    await (await fetch(`${url}/boom`, { headers: { 'x-request-id': 'req-2', 'user-agent': 'tester/1.0' } })).text()
  } finally {
    server.close()
  }
}
