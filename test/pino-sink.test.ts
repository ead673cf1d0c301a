import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { optionError } from './helpers/option-error.js'
import { runFixture } from './helpers/files.js'

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A TCP server on 127.0.0.1 that keeps every line it receives. */
async function tcpReceiver(): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = []
  let rest = ''
  const server: TcpServer = createTcpServer((socket) => {
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n')
      rest = parts.pop()!
      lines.push(...parts)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  return { port: (server.address() as { port: number }).port, lines }
}

/** A Loki on 127.0.0.1: checks each request is a JSON push to /loki/api/v1/push, and keeps its streams. */
async function lokiReceiver(): Promise<{ url: string; pushes: unknown[] }> {
  const pushes: unknown[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/loki/api/v1/push' || req.headers['content-type'] !== 'application/json') {
        res.statusCode = 400
        res.end(`unexpected ${req.method} ${req.url} ${req.headers['content-type']}`)
        return
      }
      pushes.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      res.statusCode = 204
      res.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, pushes }
}

/** The same records through `target`, by real pino or by ringlog's pino sink, in a process of its own. */
async function through(logger: 'pino' | 'ringlog', target: string, options: Record<string, unknown>): Promise<string> {
  const { code, stdout, stderr } = await runFixture('through-transport.mjs', [logger, target, JSON.stringify(options)])
  expect(stderr).toBe('')
  expect(code).toBe(0)
  return stdout
}

/** ringlog's run: its sink's metrics say every record was taken by the transport. */
async function throughRinglog(target: string, options: Record<string, unknown>): Promise<void> {
  expect(JSON.parse(await through('ringlog', target, options))).toMatchObject({ type: 'pino', sent: 4, failed: 0, dropped: 0, inFlight: 0 })
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(done()).toBe(true)
}

describe('pino transports from npm, unchanged, as sinks', () => {
  it('pino-socket: the same documents over TCP as pino sends', async () => {
    const ours = await tcpReceiver()
    const theirs = await tcpReceiver()
    await throughRinglog('pino-socket', { address: '127.0.0.1', port: ours.port, mode: 'tcp' })
    await through('pino', 'pino-socket', { address: '127.0.0.1', port: theirs.port, mode: 'tcp' })
    await until(() => ours.lines.length === 4 && theirs.lines.length === 4)
    // pino's line: numbers for levels, epoch milliseconds (the fixture's clock is T).
    expect(ours.lines[0]).toBe(`{"time":${T},"level":30,"msg":"started","pid":4242,"hostname":"test-host"}`)
    expect(ours.lines.map((line) => JSON.parse(line))).toEqual(theirs.lines.map((line) => JSON.parse(line)))
  })

  it("pino-loki: the same push to Loki as pino's, sent by the transport's close hook", async () => {
    const loki = await lokiReceiver()
    // Batches every minute: only the close hook sends, so ringlog's close() must wait for it.
    const options = { host: loki.url, batching: { interval: 60 }, labels: { app: 'checkout' } }
    await throughRinglog('pino-loki', options)
    expect(loki.pushes).toHaveLength(1)
    await through('pino', 'pino-loki', options)
    expect(loki.pushes).toHaveLength(2)
    const parsed = loki.pushes.map((push) => (push as { streams: { stream: unknown; values: [string, string][] }[] }).streams.map(({ stream, values }) => ({
      stream, values: values.map(([time, line]) => [time, JSON.parse(line)]),
    })))
    expect(parsed[0]).toEqual(parsed[1])
    expect(parsed[0][1]).toEqual({
      stream: { level: 'info', hostname: 'test-host', app: 'checkout' },
      values: [[`${T}000000`, { time: T, level: 30, msg: 'login', pid: 4242, user: 'ada', tags: ['a', 'b'], nested: { ok: true, n: 1.5 } }]],
    })
  })
})

describe('the pino sink type', () => {
  it('throws from createLogger() naming a target that cannot be found', () => {
    expect(optionError(() => createLogger({ sinks: [{ type: 'pino', target: 'pino-no-such-transport' }] }))).toBe(
      `ringlog: invalid option sinks[0].target: "pino-no-such-transport"; expected a package installed where the application runs (${process.cwd()}): MODULE_NOT_FOUND`,
    )
  })

  it('takes only the json format, which transports parse, and options that are plain data', () => {
    expect(optionError(() => createLogger({ sinks: [{ type: 'pino', target: 'pino-socket', format: 'logfmt' }] }))).toBe(
      `ringlog: invalid option sinks[0].format: "logfmt"; expected 'json' (a pino transport reads pino's JSON lines)`,
    )
    expect(optionError(() => createLogger({ sinks: [{ type: 'pino', target: 'pino-socket', options: { onBeforeDataWrite: (data: Buffer) => data } }] }))).toBe(
      'ringlog: invalid option sinks[0].options: {}; expected plain data, without functions: it is posted to the drain worker',
    )
  })
})
