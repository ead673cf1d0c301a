import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { logTwoRequests } from './helpers/access-records.js'
import { fixedClock, tempDir } from './helpers/files.js'

describe('ecs format', () => {
  it("maps the HTTP integration's access record, its request context and its error to ECS fields", async () => {
    const file = join(tempDir(), 'ecs.log')
    const restore = fixedClock()
    const log = createLogger({ format: 'ecs', destination: file, worker: false })
    try {
      await logTwoRequests(log)
    } finally {
      restore()
    }
    await log.close()
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 2)).toEqual(['@timestamp', 'log.level'])
      expect(line['ecs.version']).toBe('8.11.0')
      expect(line['@timestamp']).toMatch(/^2026-11-28T02:04:\d\d\.\d{3}Z$/)
    }
    const [handled, completed, failed] = lines
    expect(handled).toMatchObject({ 'log.level': 'info', message: 'handled', id: '7', http: { request: { id: 'req-1' } } })
    const duration = (completed.event as { duration: number }).duration
    expect(Number.isInteger(duration) && duration > 0).toBe(true)
    expect(completed).toEqual({
      '@timestamp': completed['@timestamp'], 'log.level': 'info', message: 'request completed', 'ecs.version': '8.11.0',
      route: '/hello/:id',
      http: { request: { id: 'req-1', method: 'GET' }, response: { status_code: 200, body: { bytes: 5 } } },
      url: { path: '/hello/7' },
      client: { address: '127.0.0.1' },
      user_agent: { original: 'tester/1.0' },
      event: { duration },
    })
    expect(failed).toMatchObject({
      'log.level': 'error', message: 'request failed',
      http: { request: { id: 'req-2', method: 'GET' }, response: { status_code: 500 } },
      url: { path: '/boom' },
      error: { type: 'Error', message: 'boom', stack_trace: 'Error: boom\n    at route (app.js:1:1)' },
    })
    expect(failed.err).toBeUndefined()
  })

  it('leaves a field under its own name when its ECS place is taken', async () => {
    const file = join(tempDir(), 'ecs.log')
    const restore = fixedClock()
    const log = createLogger({ format: 'ecs', destination: file, worker: false })
    log.info('taken', { user: 'ann', userId: 7, error: 'not an Error', err: { type: 'Error', message: 'x', stack: 'Error: x' }, message: 'a field' })
    await log.close()
    restore()
    expect(readFileSync(file, 'utf8')).toBe(
      '{"@timestamp":"2026-11-28T02:04:27.123Z","log.level":"info","message":"taken","ecs.version":"8.11.0",' +
        '"user":"ann","error":"not an Error","message_":"a field","userId":7,"err":{"type":"Error","message":"x","stack":"Error: x"}}\n',
    )
  })
})
