import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { logTwoRequests } from './helpers/access-records.js'
import { fixedClock, tempDir } from './helpers/files.js'

const read = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)

describe('gcp format', () => {
  it("writes the HTTP integration's access record as httpRequest, and an error's stack as stack_trace", async () => {
    const file = join(tempDir(), 'gcp.log')
    const restore = fixedClock()
    const log = createLogger({ format: 'gcp', destination: file, worker: false })
    try {
      await logTwoRequests(log, { query: true })
    } finally {
      restore()
    }
    await log.close()
    const [handled, completed, failed] = read(file)
    expect(handled).toEqual({ severity: 'INFO', message: 'handled', time: handled.time, requestId: 'req-1', id: '7' })
    const latency = (completed.httpRequest as { latency: string }).latency
    expect(latency).toMatch(/^\d+(\.\d{1,9})?s$/)
    expect(completed).toEqual({
      severity: 'INFO', message: 'request completed', time: completed.time,
      requestId: 'req-1', route: '/hello/:id',
      httpRequest: { requestMethod: 'GET', status: 200, remoteIp: '127.0.0.1', userAgent: 'tester/1.0', requestUrl: '/hello/7?x=1', responseSize: '5', latency },
    })
    expect(failed).toMatchObject({
      severity: 'ERROR', message: 'request failed', requestId: 'req-2',
      httpRequest: { requestMethod: 'GET', status: 500, requestUrl: '/boom' },
      stack_trace: 'Error: boom\n    at route (app.js:1:1)',
      err: { type: 'Error', message: 'boom' },
    })
    expect((failed.err as Record<string, unknown>).stack).toBeUndefined()
  })

  it('writes trace ids, labels and the source location where the logging agent reads them; severities by level name or band', async () => {
    const file = join(tempDir(), 'gcp.log')
    const restore = fixedClock()
    const log = createLogger({ format: 'gcp', gcpProject: 'my-project', destination: file, worker: false, level: 'trace', customLevels: { notice: 35, alert: 65 } })
    log.info('traced', { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_flags: '01', labels: { team: 'web' }, sourceLocation: { file: 'app.js', line: '12', function: 'handler' } })
    log.notice('noticed', { labels: { count: 1 } })
    log.alert('alerted')
    log.trace('traced low')
    log.fatal('fatal')
    await log.close()
    restore()
    expect(readFileSync(file, 'utf8')).toBe([
      '{"severity":"INFO","message":"traced","time":"2026-11-28T02:04:27.123Z","logging.googleapis.com/trace":"projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736",' +
        '"logging.googleapis.com/spanId":"00f067aa0ba902b7","logging.googleapis.com/trace_sampled":true,"logging.googleapis.com/labels":{"team":"web"},' +
        '"logging.googleapis.com/sourceLocation":{"file":"app.js","line":"12","function":"handler"}}',
      // Labels must be strings: these stay a field.
      '{"severity":"NOTICE","message":"noticed","time":"2026-11-28T02:04:27.124Z","labels":{"count":1}}',
      '{"severity":"ALERT","message":"alerted","time":"2026-11-28T02:04:27.125Z"}',
      '{"severity":"DEBUG","message":"traced low","time":"2026-11-28T02:04:27.126Z"}',
      '{"severity":"CRITICAL","message":"fatal","time":"2026-11-28T02:04:27.127Z"}',
      '',
    ].join('\n'))
  })

  it('takes the project from GOOGLE_CLOUD_PROJECT, and writes a bare trace id without one', async () => {
    const saved = process.env.GOOGLE_CLOUD_PROJECT
    const traces: unknown[] = []
    try {
      for (const project of ['env-project', '']) {
        const file = join(tempDir(), 'gcp.log')
        process.env.GOOGLE_CLOUD_PROJECT = project
        const log = createLogger({ format: 'gcp', destination: file, worker: false })
        log.info('traced', { trace_id: 'abc' })
        await log.close()
        traces.push(read(file)[0]['logging.googleapis.com/trace'])
      }
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_CLOUD_PROJECT
      else process.env.GOOGLE_CLOUD_PROJECT = saved
    }
    expect(traces).toEqual(['projects/env-project/traces/abc', 'abc'])
  })
})
