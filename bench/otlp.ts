/**
 * The otlp sink end to end: records/s from the first log call until a local receiver has every
 * batch (flush() resolved with nothing in flight), for protobuf and JSON, with and without gzip,
 * beside the http sink's NDJSON for scale. Batches of 1,000 records.
 *
 * Run:   tsc -p tsconfig.json && node dist/bench/otlp.js
 * Env:   BENCH_RECORDS=200000 records per run (default 500000); BENCH_ROUNDS=3 (default 3)
 *
 * The receiver runs in a thread of its own and only reads and counts each request's bytes, so the
 * logging loop and the receiver do not share an event loop. The table shows each variant's median.
 */
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { createLogger, type SinkOptions } from '../src/index.js'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

const RECEIVER = `
const { createServer } = require('node:http')
const { parentPort } = require('node:worker_threads')
let bytes = 0
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => res.end())
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))
parentPort.on('message', () => { parentPort.postMessage(bytes); bytes = 0 })
`

async function main(): Promise<void> {
  const receiver = new Worker(RECEIVER, { eval: true })
  const port = await new Promise<number>((resolve) => receiver.once('message', resolve))
  const endpoint = `http://127.0.0.1:${port}`
  // A buffer that holds the whole run: what is measured is the sending, not the memory bound.
  const shared = { batch: { records: 1000 }, buffer: '1 GiB', closeTimeout: '2 min' } as const
  const variants: [string, SinkOptions][] = [
    ['otlp protobuf', { type: 'otlp', endpoint, ...shared }],
    ['otlp protobuf gzip', { type: 'otlp', endpoint, compression: 'gzip', ...shared }],
    ['otlp json', { type: 'otlp', endpoint, encoding: 'json', ...shared }],
    ['otlp json gzip', { type: 'otlp', endpoint, encoding: 'json', compression: 'gzip', ...shared }],
    ['http ndjson gzip', { type: 'http', url: `${endpoint}/ingest`, compression: 'gzip', ...shared }],
  ]
  const results = new Map<string, { rate: number; bytes: number }[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, sink] of variants) {
      const log = createLogger({ sinks: [sink], onFull: 'block' })
      const start = performance.now()
      for (let i = 0; i < RECORDS; i++) log.info('request handled', { i, path: '/api/orders', status: 200, durationMs: 12.5, user: { id: 42, plan: 'pro' } })
      await log.flush()
      const seconds = (performance.now() - start) / 1000
      const { sent, failed, dropped } = log.metrics().sinks[0]
      await log.close()
      if (sent !== RECORDS || failed + dropped > 0) throw new Error(`${name}: sent ${sent}, failed ${failed}, dropped ${dropped} of ${RECORDS}`)
      receiver.postMessage('bytes')
      const bytes = await new Promise<number>((resolve) => receiver.once('message', resolve))
      results.set(name, [...(results.get(name) ?? []), { rate: RECORDS / seconds, bytes }])
    }
  }
  await receiver.terminate()
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
  console.log(`${RECORDS} records, median of ${ROUNDS} rounds`)
  console.log('| sink | records/s | bytes/record on the wire |\n|---|---|---|')
  for (const [name, runs] of results) {
    console.log(`| ${name} | ${Math.round(median(runs.map((r) => r.rate))).toLocaleString('en')} | ${(median(runs.map((r) => r.bytes)) / RECORDS).toFixed(1)} |`)
  }
}

await main()
