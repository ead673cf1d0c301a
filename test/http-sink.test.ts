import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { countLines, runFixture, tempDir } from './helpers/files.js'

interface Received {
  /** Each request's body, decompressed, and its headers. */
  bodies: { text: string; headers: IncomingMessage['headers'] }[]
  requests: number
  /** Records in the requests it refused. */
  refusedRecords: number
  /** When each request arrived (performance.now()). */
  arrivals: number[]
  server: Server
  url: string
}

/**
 * A local receiver: `answer(n)` for the nth request (from 1) says its status, or 0 to answer 200;
 * every answer comes `delayMs` after the request.
 */
async function receiver(answer: (n: number, res: ServerResponse) => number = () => 0, delayMs = 0): Promise<Received> {
  const received: Received = { bodies: [], requests: 0, refusedRecords: 0, arrivals: [], server: undefined as unknown as Server, url: '' }
  received.server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const n = ++received.requests
      received.arrivals.push(performance.now())
      const body = Buffer.concat(chunks)
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')
      const reply = (end: () => void): unknown => delayMs === 0 ? end() : setTimeout(end, delayMs)
      const status = answer(n, res)
      if (status !== 0) {
        received.refusedRecords += text.split('\n').length - 1
        res.statusCode = status
        reply(() => res.end(`refused request ${n}`))
        return
      }
      received.bodies.push({ text, headers: req.headers })
      reply(() => res.end())
    })
  })
  await new Promise<void>((resolve) => received.server.listen(0, '127.0.0.1', resolve))
  received.url = `http://127.0.0.1:${(received.server.address() as { port: number }).port}/logs`
  return received
}

const servers: { close(): void }[] = []
const loggers: Logger[] = []
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((log) => log.close()))
  for (const server of servers.splice(0)) server.close()
})

async function started(answer?: (n: number, res: ServerResponse) => number, delayMs?: number): Promise<Received> {
  const received = await receiver(answer, delayMs)
  servers.push(received.server)
  return received
}

/** A URL on 127.0.0.1 where nothing listens any more. */
async function deadUrl(): Promise<string> {
  const dead = await receiver()
  await new Promise((resolve) => dead.server.close(resolve))
  return dead.url
}

function kept<L extends Logger>(log: L): L {
  loggers.push(log)
  return log
}

/** Every record's `i` in the order the server got them. */
function numbers(received: Received): number[] {
  return received.bodies.flatMap(({ text }) => text.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { i: number }).i))
}

const FAST_RETRY = { retry: { minDelay: 5, maxDelay: 40 }, circuit: { failures: 5, probe: 50 } } as const

describe('http sink', () => {
  it('delivers 100,000 records exactly once and in order through 503s and a 429 with Retry-After, gzip bodies, metrics as the server counted', async () => {
    const received = await started((n, res) => {
      if (n <= 30) return 503
      if (n === 31) {
        res.setHeader('retry-after', '1')
        return 429
      }
      return 0
    })
    const log = kept(createLogger({ sinks: [{ type: 'http', url: received.url, compression: 'gzip', batch: { records: 1000 }, ...FAST_RETRY }] }))
    for (let i = 0; i < 100_000; i++) log.info('shipped', { i })
    await log.flush()
    const got = numbers(received)
    expect(got.length).toBe(100_000)
    expect(got).toEqual(Array.from({ length: 100_000 }, (_, i) => i))
    for (const { headers } of received.bodies) {
      expect(headers['content-encoding']).toBe('gzip')
      expect(headers['content-type']).toBe('application/x-ndjson')
    }
    // Every batch is one request of at most 1,000 records.
    for (const { text } of received.bodies) expect(text.split('\n').length - 1).toBeLessThanOrEqual(1000)
    // The 429's Retry-After (1 s) was waited for, not the backoff (at most 40 ms).
    expect(received.arrivals[31] - received.arrivals[30]).toBeGreaterThanOrEqual(990)
    const metrics = log.metrics().sinks[0]
    expect(metrics).toMatchObject({ name: 'sinks[0] (http)', type: 'http', sent: 100_000, failed: 0, dropped: 0, spooled: 0, inFlight: 0, circuitOpen: false })
    expect(received.requests).toBe(received.bodies.length + 31)
    // Every record of a refused request was tried again, and counted so.
    expect(received.refusedRecords).toBeGreaterThan(0)
    expect(metrics.retried).toBe(received.refusedRecords)
    expect(metrics.lastError).toBe('send: HTTP 429: refused request 31')
  })

  it('sends a JSON array body when asked, and each record once', async () => {
    const received = await started()
    const log = kept(createLogger({ now: () => 0, sinks: [{ type: 'http', url: received.url, body: 'json-array', headers: { authorization: 'Bearer t0ken' } }] }))
    log.info('one', { i: 1 })
    log.warn('two', { i: 2 })
    await log.flush()
    expect(received.bodies).toHaveLength(1)
    expect(received.bodies[0].headers.authorization).toBe('Bearer t0ken')
    expect(received.bodies[0].headers['content-type']).toBe('application/json')
    expect(received.bodies[0].text).toBe('[{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"one","i":1},{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"two","i":2}]')
  })

  it('counts a batch refused with a 4xx as failed, with the start of the response in lastError, and goes on', async () => {
    const received = await started((n) => (n === 1 ? 400 : 0))
    const log = kept(createLogger({ sinks: [{ type: 'http', url: received.url, batch: { records: 10 } }] }))
    for (let i = 0; i < 10; i++) log.info('refused', { i })
    await log.flush()
    for (let i = 10; i < 15; i++) log.info('taken', { i })
    await log.flush()
    expect(numbers(received)).toEqual([10, 11, 12, 13, 14])
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 5, failed: 10, retried: 0, lastError: 'send: HTTP 400: refused request 1' })
  })

  it('sends a batch when it is `wait` old, without a flush', async () => {
    const received = await started()
    const log = kept(createLogger({ sinks: [{ type: 'http', url: received.url, batch: { wait: 50 } }] }))
    log.info('alone', { i: 7 })
    const start = performance.now()
    while (received.bodies.length === 0 && performance.now() - start < 5000) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(numbers(received)).toEqual([7])
  })

  it('drops the oldest batches of a slow destination, gzipped ahead or not, and sends the others intact and in order', async () => {
    // Each answer takes 20 ms: batches are compressed while one is in flight, and some of those are dropped from the small buffer.
    const received = await started(undefined, 20)
    const log = kept(createLogger({ sinks: [{ type: 'http', url: received.url, compression: 'gzip', buffer: 30_000, batch: { records: 100 }, closeTimeout: 5000 }] }))
    for (let i = 0; i < 5000; i++) log.info('slow', { i, text: 'x'.repeat(i % 50) })
    await log.flush()
    await log.close()
    const metrics = log.metrics().sinks[0]
    const got = numbers(received)
    expect(metrics.dropped).toBeGreaterThan(0)
    expect(metrics.sent + metrics.dropped).toBe(5000)
    expect(got.length).toBe(metrics.sent)
    for (let k = 1; k < got.length; k++) expect(got[k]).toBeGreaterThan(got[k - 1])
    for (const { text } of received.bodies) {
      for (const line of text.split('\n').filter((l) => l !== '')) {
        const { i, text: x } = JSON.parse(line) as { i: number; text: string }
        expect(x).toBe('x'.repeat(i % 50))
      }
    }
  })

  it('holds at most `buffer` bytes for a dead destination without a spool: the oldest go, counted', async () => {
    const url = await deadUrl()
    const log = kept(createLogger({ sinks: [{ type: 'http', url, buffer: 20_000, batch: { records: 100 }, closeTimeout: 200, ...FAST_RETRY }] }))
    for (let i = 0; i < 2000; i++) log.info('nowhere', { i })
    await log.flush()
    const metrics = log.metrics().sinks[0]
    expect(metrics.sent).toBe(0)
    expect(metrics.dropped).toBeGreaterThan(0)
    // What flush() gave up waiting for is still held, within the buffer, and counted.
    expect(metrics.dropped + metrics.inFlight).toBe(2000)
    expect(metrics.circuitOpen).toBe(true)
    expect(metrics.lastError).toMatch(/^send: 127\.0\.0\.1:\d+: connect ECONNREFUSED/)
    await log.close()
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 0, dropped: 2000, inFlight: 0 })
  })

  it('keeps writing its file at the normal rate while another sink\'s destination never answers, and close() keeps to closeTimeout', async () => {
    const stalled: Socket[] = []
    const tcp = createTcpServer((socket) => stalled.push(socket))
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    servers.push({ close: () => { for (const socket of stalled) socket.destroy(); tcp.close() } })
    const url = `http://127.0.0.1:${(tcp.address() as { port: number }).port}/`
    const dir = tempDir()
    /** Logs 100,000 records, and measures until the file has them all; then closes, within closeTimeout (500 ms). */
    const fileTime = async (name: string, others: NonNullable<Parameters<typeof createLogger>[0]>['sinks'] = []): Promise<{ ms: number; log: Logger }> => {
      const path = join(dir, name)
      const log = createLogger({ sinks: [{ type: 'file', path }, ...(others ?? [])] })
      const start = performance.now()
      for (let i = 0; i < 100_000; i++) log.info('steady', { i })
      while ((existsSync(path) ? countLines(path) : 0) < 100_000 && performance.now() - start < 30_000) await new Promise((resolve) => setTimeout(resolve, 10))
      const ms = performance.now() - start
      expect(countLines(path)).toBe(100_000)
      const closing = performance.now()
      await log.close()
      expect(performance.now() - closing).toBeLessThan(500 + 400)
      return { ms, log }
    }
    const alone = await fileTime('alone.log')
    const beside = await fileTime('beside.log', [{ type: 'http', url, closeTimeout: 500, batch: { records: 1000 }, timeout: 60_000 }])
    expect(beside.ms).toBeLessThan(2 * alone.ms)
    const log = beside.log
    const metrics = log.metrics().sinks[0]
    expect(metrics.sent).toBe(0)
    expect(metrics.dropped).toBe(100_000)
    expect(stalled.length).toBeGreaterThan(0)
  })

  it('spools while the destination is down; the next process with the same spool sends the first one\'s records, then its own', async () => {
    const dir = tempDir()
    const first = await runFixture('ship-spool.mjs', [await deadUrl(), dir, 'first', '1000', 'end'])
    expect(first.code).toBe(0)
    const files = readdirSync(dir).filter((name) => name.endsWith('.spool'))
    expect(files.length).toBe(10)
    const received = await started()
    const second = await runFixture('ship-spool.mjs', [received.url, dir, 'second', '500', 'close'])
    expect(second.code).toBe(0)
    const lines = received.bodies.flatMap(({ text }) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { run: string; i: number }))
    expect(lines.map(({ run, i }) => `${run}:${i}`)).toEqual([
      ...Array.from({ length: 1000 }, (_, i) => `first:${i}`),
      ...Array.from({ length: 500 }, (_, i) => `second:${i}`),
    ])
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 1500, spooled: 0, onDisk: 0, inFlight: 0, dropped: 0 })
    expect(readdirSync(dir)).toEqual([])
  })

  it('spools at process.exit() too', async () => {
    const dir = tempDir()
    expect((await runFixture('ship-spool.mjs', [await deadUrl(), dir, 'exit', '250', 'exit'])).code).toBe(0)
    const received = await started()
    expect((await runFixture('ship-spool.mjs', [received.url, dir, 'after', '0', 'close'])).code).toBe(0)
    expect(numbers(received)).toEqual(Array.from({ length: 250 }, (_, i) => i))
  })

  it('with worker: false, sends at the end of the event loop, and spools at exit what a down destination did not take', async () => {
    const received = await started()
    expect((await runFixture('ship-spool.mjs', [received.url, tempDir(), 'up', '30', 'inline'])).code).toBe(0)
    expect(numbers(received)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    const dir = tempDir()
    expect((await runFixture('ship-spool.mjs', [await deadUrl(), dir, 'down', '40', 'inline'])).code).toBe(0)
    const later = await started()
    expect((await runFixture('ship-spool.mjs', [later.url, dir, 'later', '0', 'close'])).code).toBe(0)
    expect(numbers(later)).toEqual(Array.from({ length: 40 }, (_, i) => i))
  })

  it('keeps the process alive while an awaited flush() waits for a slow destination', async () => {
    // The answer comes after 200 ms: a flush that let the event loop run empty ended the process with code 13 (a top-level await never settled).
    const received = await started(undefined, 200)
    for (const mode of ['flush', 'inline-flush']) {
      const run = await runFixture('ship-spool.mjs', [received.url, tempDir(), mode, '50', mode])
      expect({ mode, code: run.code }).toEqual({ mode, code: 0 })
      expect(JSON.parse(run.stdout)).toMatchObject({ sent: 50, inFlight: 0, spooled: 0, dropped: 0 })
    }
  })

  it('with worker: false, keeps the process alive while an awaited close() spools what a down destination did not take', async () => {
    const dir = tempDir()
    const run = await runFixture('ship-spool.mjs', [await deadUrl(), dir, 'down', '250', 'inline-close'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ sent: 0, spooled: 250, onDisk: 250, inFlight: 0, dropped: 0 })
  })

  it('drops the oldest or the newest batches when the spool is full, and counts them', async () => {
    const url = await deadUrl()
    for (const drop of ['oldest', 'newest'] as const) {
      const dir = tempDir()
      const log = createLogger({ sinks: [{ type: 'http', url, spool: { dir, maxSize: 4000, drop }, batch: { records: 10 }, closeTimeout: 100, ...FAST_RETRY, circuit: { failures: 1, probe: 60_000 } }] })
      for (let i = 0; i < 300; i++) log.info('spooled', { i })
      await log.close()
      const metrics = log.metrics().sinks[0]
      expect(metrics.sent).toBe(0)
      expect(metrics.dropped).toBeGreaterThan(0)
      expect(metrics.onDisk + metrics.dropped).toBe(300)
      const kept = readdirSync(dir).sort()
      const received = await started()
      const next = kept.length > 0 ? createLogger({ sinks: [{ type: 'http', url: received.url, spool: { dir } }] }) : undefined
      await next?.close()
      const got = numbers(received)
      expect(got.length).toBe(metrics.onDisk)
      // 'oldest' keeps the last records logged, 'newest' the first.
      if (drop === 'oldest') expect(got.at(-1)).toBe(299)
      else expect(got[0]).toBe(0)
    }
  })

  it.each([
    ['a URL that does not parse', { url: 'not a url' }, 'ringlog: invalid option sinks[0].url: "not a url"; expected an http: or https: URL'],
    ['a missing URL', {}, 'ringlog: invalid option sinks[0].url: undefined; expected an http: or https: URL'],
    ['an unknown option', { url: 'http://127.0.0.1:1/', retries: 3 }, 'ringlog: invalid option sinks[0].retries: 3; expected no such option of a \'http\' sink'],
    ['an unknown batch option', { url: 'http://127.0.0.1:1/', batch: { size: 3 } }, 'ringlog: invalid option sinks[0].batch.size: 3; expected no such option; known are records, bytes, wait'],
    ['a batch of no records', { url: 'http://127.0.0.1:1/', batch: { records: 0 } }, 'ringlog: invalid option sinks[0].batch.records: 0; expected a whole number above 0'],
    ['a spool without a dir', { url: 'http://127.0.0.1:1/', spool: {} }, 'ringlog: invalid option sinks[0].spool.dir: undefined; expected a directory path'],
    ['a bad drop policy', { url: 'http://127.0.0.1:1/', spool: { dir: '/tmp/x', drop: 'random' } }, 'ringlog: invalid option sinks[0].spool.drop: "random"; expected \'oldest\' or \'newest\''],
    ['a bad compression', { url: 'http://127.0.0.1:1/', compression: 'zip' }, 'ringlog: invalid option sinks[0].compression: "zip"; expected \'gzip\', \'none\' or false'],
    ['a JSON array of logfmt', { url: 'http://127.0.0.1:1/', body: 'json-array', format: 'logfmt' }, 'ringlog: invalid option sinks[0].format: "logfmt"; expected \'json\' (body \'json-array\' is an array of JSON records)'],
    ['a maxDelay below minDelay', { url: 'http://127.0.0.1:1/', retry: { minDelay: '2s', maxDelay: 100 } }, 'ringlog: invalid option sinks[0].retry.maxDelay: 100; expected at least retry.minDelay (2000 ms)'],
  ])('throws at createLogger() for %s, naming the sink\'s option and the value', (_name, options, message) => {
    expect(() => createLogger({ worker: false, sinks: [{ type: 'http', ...options } as never] })).toThrow(message)
  })
})
