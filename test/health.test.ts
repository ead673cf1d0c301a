/**
 * `log.health()` (issue 21): each reason made by a real fault and recovered from: a file that
 * cannot be written, a network destination that answers 503, a killed drain worker, a ring filled
 * by a stalled worker; a change of status logged once; `ringlog/http`'s liveness and readiness.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type Health } from '../dist/src/index.js'
import { healthHandler } from '../dist/src/http/health-handler.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixture, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'
import { until } from './helpers/until.js'

const codes = (health: Health): string[] => health.reasons.map((reason) => reason.code)


async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('log.health()', () => {
  it('ok when nothing is wrong', async () => {
    const log = createLogger({ destination: join(tempDir(), 'app.log') })
    log.info('fine')
    await log.flush()
    expect(log.health()).toEqual({ status: 'ok', reasons: [] })
    await log.close()
  })

  it('a file that cannot be written: failing until a write succeeds; then degraded for the window, then ok', async () => {
    const dir = tempDir()
    // A file where the folder should be: every open fails with ENOTDIR until it is a folder.
    writeFileSync(join(dir, 'logs'), 'in the way')
    const log = createLogger({ health: { window: '2s', interval: '1h' }, sinks: [{ type: 'file', path: join(dir, 'logs', 'app.log'), mkdir: false }] })
    log.info('lost')
    await log.flush()
    const failing = log.health()
    expect(failing.status).toBe('failing')
    // Nothing more is written: it stays failing.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(log.health().status).toBe('failing')
    expect(failing.reasons).toEqual([{ code: 'sink-failing', status: 'failing', message: expect.stringMatching(/^sinks\[0\] fails to write: .*ENOTDIR/) }])
    rmSync(join(dir, 'logs'))
    mkdirSync(join(dir, 'logs'))
    // The file is opened again at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    log.info('written')
    await log.flush()
    expect(readFileSync(join(dir, 'logs', 'app.log'), 'utf8')).toContain('"msg":"written"')
    expect(log.health()).toMatchObject({ status: 'degraded', reasons: [{ code: 'sink-failed', status: 'degraded' }] })
    await until(() => log.health().status === 'ok', 'health ok', 4000)
    await log.close()
  })

  it('a network destination that answers 503: failing while its circuit is open; ok once it answers again', async () => {
    let status = 503
    const server = createServer((request, response) => {
      request.resume()
      request.on('end', () => response.writeHead(status).end())
    })
    const url = await listen(server)
    const log = createLogger({
      health: { window: '1s', interval: '1h' },
      sinks: [{ type: 'http', url, batch: { records: 1, wait: 1 }, retry: { attempts: 1000, minDelay: 10, maxDelay: 20 }, circuit: { failures: 2, probe: 100 } }],
    })
    try {
      log.info('to a destination that is down')
      await until(() => codes(log.health()).includes('sink-down'), 'sink-down')
      expect(log.health().status).toBe('failing')
      expect(log.health().reasons.find((r) => r.code === 'sink-down')!.message).toMatch(/takes its destination for down: .*HTTP 503/)
      status = 200
      await until(() => log.health().status === 'ok', 'health ok')
    } finally {
      await log.close()
      server.close()
    }
  }, 20_000)

  it('a stalled destination (it never answers): lagging, then down once its tries time out; ok when it answers again', async () => {
    let stalled = true
    const server = createServer((request, response) => {
      request.resume()
      request.on('end', () => {
        if (!stalled) response.writeHead(204).end()
      })
    })
    const url = await listen(server)
    const log = createLogger({
      health: { window: '1s', interval: '1h', lag: 20 },
      sinks: [{ type: 'http', url, timeout: 300, batch: { records: 1, wait: 1 }, retry: { minDelay: 10, maxDelay: 50 }, circuit: { failures: 2, probe: 100 } }],
    })
    try {
      for (let i = 0; i < 50; i++) log.info({ i }, 'to a destination that hangs')
      await until(() => codes(log.health()).includes('sink-lagging'), 'sink-lagging')
      expect(log.health().reasons.find((r) => r.code === 'sink-lagging')!.message).toMatch(/has \d+ records not yet sent/)
      await until(() => codes(log.health()).includes('sink-down'), 'sink-down')
      expect(log.health().status).toBe('failing')
      stalled = false
      await until(() => log.health().status === 'ok', 'health ok', 15_000)
      await log.flush()
      expect(log.metrics().sinks[0]).toMatchObject({ sent: 50, inFlight: 0, dropped: 0 })
    } finally {
      await log.close()
      server.closeAllConnections()
      server.close()
    }
  }, 30_000)

  it('a killed drain worker: degraded while it is replaced, ok once the replacement runs', async () => {
    const log = createLogger({ destination: join(tempDir(), 'app.log') })
    const transport = transportOf(log) as WorkerTransport
    await transport.running()
    log.info('before')
    await log.flush()
    expect(log.health().status).toBe('ok')
    const killed = transport.killWorker()
    await until(() => codes(log.health()).includes('worker-down'), 'worker-down', 5000)
    expect(log.health()).toMatchObject({ status: 'degraded', reasons: [{ code: 'worker-down' }] })
    await killed
    await transport.running()
    await until(() => log.health().status === 'ok', 'health ok', 5000)
    await log.close()
  })

  it('a ring filled by a stalled worker: failing when full, records dropped; ok once drained and the window passed', async () => {
    const dir = tempDir()
    const flag = join(dir, 'stall')
    writeFileSync(flag, '')
    const log = createLogger({
      bufferSize: 64 * 1024, onFull: 'drop', health: { window: '500ms', interval: '1h' },
      processors: [{ module: fixture('stall-processor.mjs'), options: { flag } }],
      destination: join(dir, 'app.log'),
    })
    await (transportOf(log) as WorkerTransport).running()
    for (let i = 0; i < 5000; i++) log.info({ i, pad: 'x'.repeat(100) }, 'filling')
    const full = log.health()
    expect(full.status).toBe('failing')
    expect(codes(full)).toEqual(['ring-full', 'dropped'])
    expect(full.reasons[0].message).toMatch(/^the ring is (99|100) % full$/)
    rmSync(flag)
    await log.flush()
    const m = log.metrics()
    expect(m.ringUsed).toBe(0)
    // Every record logged is written or counted dropped, and the file has the written ones.
    expect(m.levels.info.logged).toBe(5000)
    expect(m.levels.info.dropped).toBeGreaterThan(0)
    expect(m.levels.info.written + m.levels.info.dropped).toBe(5000)
    expect(m.dropped).toBe(m.levels.info.dropped)
    expect(readFileSync(join(dir, 'app.log'), 'utf8').split('\n').filter((line) => line.includes('"msg":"filling"'))).toHaveLength(m.levels.info.written)
    await until(() => log.health().status === 'ok', 'health ok', 3000)
    await log.close()
  })

  it('a change of status is logged once: error when failing, info back to ok', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'logs'), 'in the way')
    const good = join(dir, 'good.log')
    const log = createLogger({
      health: { window: '2s', interval: '50ms' },
      sinks: [{ type: 'file', path: join(dir, 'logs', 'app.log'), mkdir: false }, { type: 'file', path: good }],
    })
    log.info('lost in one sink')
    await log.flush()
    await until(() => readFileSync(good, 'utf8').includes('logger health: failing'), 'the failing health record')
    rmSync(join(dir, 'logs'))
    mkdirSync(join(dir, 'logs'))
    await new Promise((resolve) => setTimeout(resolve, 1100))
    log.info('both sinks again')
    await until(() => readFileSync(good, 'utf8').includes('logger health: ok'), 'the ok health record', 8000)
    await log.flush()
    const notes = readFileSync(good, 'utf8').split('\n').filter((line) => line.includes('logger health')).map((line) => JSON.parse(line) as { level: string; msg: string; health: Health })
    // failing, then degraded (failed within the window, writing again), then ok: each once.
    expect(notes.map((n) => [n.level, n.msg])).toEqual([['error', 'logger health: failing'], ['warn', 'logger health: degraded'], ['info', 'logger health: ok']])
    expect(notes[0].health.reasons[0].code).toBe('sink-failing')
    await log.close()
  })

  it('bad options are named', () => {
    expect(optionError(() => createLogger({ health: { ringFull: 2 } }))).toContain('invalid option health.ringFull: 2; expected a fraction of the ring')
    expect(optionError(() => createLogger({ health: { lag: 0 } }))).toContain('invalid option health.lag: 0')
    expect(optionError(() => createLogger({ health: { every: 1 } } as never))).toContain('invalid option health.every')
  })
})

describe('ringlog/http healthHandler', () => {
  it('liveness answers 200 while degraded and 503 when failing; readiness 200 only when ok', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'logs'), 'in the way')
    const log = createLogger({ health: { window: '1h', interval: '1h' }, sinks: [{ type: 'file', path: join(dir, 'logs', 'app.log'), mkdir: false }] })
    const live = await listen(createServer(healthHandler(log)))
    const ready = await listen(createServer(healthHandler(log, { readiness: true })))
    const get = async (url: string): Promise<[number, Health]> => {
      const response = await fetch(url)
      return [response.status, (await response.json()) as Health]
    }
    expect(await get(live)).toEqual([200, { status: 'ok', reasons: [] }])
    expect((await get(ready))[0]).toBe(200)
    log.info('lost')
    await log.flush()
    expect(await get(live)).toMatchObject([503, { status: 'failing' }])
    expect((await get(ready))[0]).toBe(503)
    rmSync(join(dir, 'logs'))
    mkdirSync(join(dir, 'logs'))
    await new Promise((resolve) => setTimeout(resolve, 1100))
    log.info('written')
    await log.flush()
    expect(await get(live)).toMatchObject([200, { status: 'degraded' }])
    expect((await get(ready))[0]).toBe(503)
    await log.close()
  })
})
