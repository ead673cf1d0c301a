import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { FakeCloudLogging, testServiceAccount } from './helpers/gcp-logging-server.js'
import { optionError } from './helpers/option-error.js'

// Nothing may look for a metadata server (169.254.169.254): the drain worker, started later, inherits this.
process.env.METADATA_SERVER_DETECTION = 'none'

const account = testServiceAccount()
let google: FakeCloudLogging
beforeEach(async () => {
  google = await new FakeCloudLogging('test-project', account.credentials.client_email, account.publicKey).start()
})
afterEach(() => google.stop())

const FAST_RETRY = { retry: { minDelay: 5, maxDelay: 40 }, circuit: { failures: 5, probe: 50 } } as const

function sink(more: Record<string, unknown> = {}): never {
  return {
    type: 'gcp', logName: 'app', projectId: 'test-project', resource: { type: 'global', labels: { project_id: 'test-project' } },
    labels: { service: 'checkout' }, credentials: account.credentials, apiEndpoint: google.url, ...FAST_RETRY, ...more,
  } as never
}

describe('gcp sink', () => {
  it.each([true, false])('with worker: %s, writes every record once and in order as an entry, through throttling', async (worker) => {
    google.throttle = new Set([2])
    const log = createLogger({ worker, sinks: [sink({ batch: { records: 500 } })] })
    for (let i = 0; i < 5000; i++) log.info('shipped', { i })
    await log.flush()
    await log.close()
    expect(google.violations).toEqual([])
    expect(google.entries.map((entry) => entry.jsonPayload?.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i))
    expect(log.metrics().sinks[0]).toMatchObject({ type: 'gcp', sent: 5000, failed: 0, retried: 500, inFlight: 0 })
  })

  it("puts the gcp format's special keys in the entry: severity, time, trace, span, labels, source location, httpRequest", async () => {
    const now = Date.UTC(2026, 11, 6, 8, 0, 0, 123)
    const log = createLogger({ worker: false, now: () => now, sinks: [sink()] })
    log.warn('slow', {
      ms: 950, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_flags: 1,
      labels: { db: 'orders' }, sourceLocation: { file: 'db.js', line: '12', function: 'query' },
    })
    log.error('request failed', { method: 'GET', path: '/api', status: 500, durationMs: 1.5, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (a.js:1:1)' } })
    await log.close()
    expect(google.violations).toEqual([])
    const [slow, failed] = google.entries
    expect(slow).toMatchObject({
      logName: 'projects/test-project/logs/app', resource: { type: 'global', labels: { project_id: 'test-project' } },
      timestamp: '2026-12-06T08:00:00.123Z', severity: 400, labels: { service: 'checkout', db: 'orders' },
      trace: 'projects/test-project/traces/4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceSampled: true,
      sourceLocation: { file: 'db.js', line: '12', function: 'query' },
      jsonPayload: { message: 'slow', ms: 950 },
    })
    expect(Object.keys(slow.jsonPayload!)).toEqual(['message', 'ms'])
    expect(failed).toMatchObject({
      severity: 500,
      httpRequest: { requestMethod: 'GET', status: 500, requestUrl: '/api', latency: '0.001500s' },
      jsonPayload: { message: 'request failed', stack_trace: 'Error: boom\n    at x (a.js:1:1)', err: { type: 'Error', message: 'boom' } },
    })
  })

  it('counts a refused write as failed, with the service\'s answer in lastError', async () => {
    const stranger = testServiceAccount()
    const log = createLogger({ worker: false, sinks: [sink({ credentials: stranger.credentials })] })
    log.info('refused')
    await log.close()
    expect(google.entries).toEqual([])
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 0, failed: 1 })
    expect(log.metrics().sinks[0].lastError).toMatch(/^send: code 401: .*a token whose signature does not verify/)
  })

  it('throws from createLogger() naming the option and the value', () => {
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ ...(sink() as object), ...more } as never] }))
    expect(bad({ logName: 'has space' })).toBe('ringlog: invalid option sinks[0].logName: "has space"; expected a log name: 1 to 511 of A-Z a-z 0-9 / _ - .')
    expect(bad({ resource: { labels: {} } })).toBe('ringlog: invalid option sinks[0].resource.type: undefined; expected a monitored resource type such as \'global\' or \'cloud_run_revision\'')
    expect(bad({ labels: { n: 1 } })).toBe('ringlog: invalid option sinks[0].labels["n"]: 1; expected text')
    expect(bad({ credentials: { client_email: 'a@b', private_key: 'nope' } })).toBe('ringlog: invalid option sinks[0].credentials.private_key: "(hidden)"; expected a PEM private key')
    expect(bad({ format: 'json' })).toBe('ringlog: invalid option sinks[0].format: "json"; expected \'gcp\' (the entries are made from the gcp format\'s records)')
    expect(bad({ apiEndpoint: 'ftp://x' })).toBe('ringlog: invalid option sinks[0].apiEndpoint: "ftp://x"; expected an http: or https: URL')
  })
})
