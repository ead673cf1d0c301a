/**
 * `npm run demo`: a small service-like loop that logs at a high rate through the drain worker to a
 * file, prints the rate, checks that every record is in the file, and exits cleanly. Handled
 * requests are a declared event (the fastest call); failed ones an ordinary log.error.
 *
 * Options (environment): DEMO_RECORDS (default 500000), DEMO_FILE (default a temp file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, defineEvent } from '../src/index.js'

const records = Number(process.env.DEMO_RECORDS ?? 500_000)
const dir = process.env.DEMO_FILE ? undefined : mkdtempSync(join(tmpdir(), 'ringlog-demo-'))
const file = process.env.DEMO_FILE ?? join(dir!, 'app.log')

const log = createLogger({ destination: file, level: 'info' })
const http = log.child({ service: 'checkout', component: 'http' })

const RequestHandled = defineEvent({
  name: 'http.request_handled', version: 1, message: 'request handled',
  fields: { reqId: 'string', userId: 'u32', path: { enum: ['/api/cart', '/api/checkout', '/api/users/me', '/health'] }, status: 'u16', durationMs: 'f64' },
})

const paths = ['/api/cart', '/api/checkout', '/api/users/me', '/health'] as const
const start = performance.now()
for (let i = 0; i < records; i++) {
  const status = i % 97 === 0 ? 500 : 200
  const fields = { reqId: `req-${i}`, userId: i % 5000, path: paths[i % paths.length], status, durationMs: (i % 250) / 10 }
  if (status === 500) http.error(fields, 'request failed')
  else http.event(RequestHandled, fields)
  // A service yields to its event loop between requests; this one does every 1000 records.
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve))
}
const logged = performance.now()
await log.flush()
const flushed = performance.now()
const metrics = log.metrics()
await log.close()

const lines = readFileSync(file, 'utf8').split('\n').length - 1
const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} logs/sec`
console.log(`logged ${records.toLocaleString('en-US')} records to ${file}`)
console.log(`calling thread: ${rate(records, logged - start)}; end to end (written): ${rate(records, flushed - start)}`)
console.log(`metrics: ${JSON.stringify(metrics)}`)
console.log(lines === records ? `all ${lines.toLocaleString('en-US')} records are in the file` : `LOST RECORDS: ${lines} of ${records} in the file`)
if (dir) rmSync(dir, { recursive: true, force: true })
process.exitCode = lines === records ? 0 : 1
