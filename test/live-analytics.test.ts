/**
 * Live analytics (issue 22), on the records' clock (the `now` option): the drain worker mines each
 * record's template and watches the counts per window; a spike of one template and a new error
 * template become records naming the template, the expected and the observed count, and alert
 * rules can act on them; nothing is reported while the traffic is steady; the metrics count the
 * templates and anomalies; the option is checked.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, defineEvent, type AlertEvent } from '../dist/src/index.js'

const T0 = Date.UTC(2026, 11, 6, 0, 0, 0)
const MINUTE = 60_000

interface Line {
  time: string
  level: string
  msg: string
  anomaly?: { kind: string; templateId?: string; template?: string; level?: string; expected: number; observed: number; window: string; windowMs: number }
}

function lines(file: string): Line[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Line)
}

/**
 * 90 minutes of steady traffic (20 logins and 5 cache misses a minute, the values in the message),
 * minute 80 with ten times the logins, and from minute 85 a payment error the logs never had; a
 * record at minute 90 closes the last window.
 */
function traffic(log: { info: (msg: string) => void; error: (msg: string) => void }, setNow: (ms: number) => void): void {
  for (let minute = 0; minute < 90; minute++) {
    const logins = minute === 80 ? 200 : 20
    for (let i = 0; i < logins; i++) {
      setNow(T0 + minute * MINUTE + i * 100)
      log.info(`user ${1000 + ((minute * 7 + i) % 50)} logged in from 10.0.${i}.${minute}`)
      if (i < 5) log.info(`cache miss for key session:${minute * 100 + i}`)
    }
    if (minute >= 85) for (let i = 0; i < 4; i++) log.error(`payment ${minute * 10 + i} declined by bank ${i}`)
  }
  setNow(T0 + 90 * MINUTE)
  log.info('user 1 logged in from 10.0.0.1')
}

describe('live analytics', () => {
  it('writes a record naming the template, the expected and observed count, for a spike and a new error template; none while steady', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringlog-analytics-'))
    const file = join(dir, 'app.log')
    let now = T0
    const log = createLogger({ worker: true, destination: file, now: () => now, analytics: { templates: true, anomalies: { window: '1m', season: 0 } } })
    traffic(log, (ms) => (now = ms))
    await log.flush()
    const metrics = log.metrics().analytics
    await log.close()
    const anomalies = lines(file).filter((line) => line.anomaly !== undefined)
    const spike = anomalies.find((line) => line.anomaly!.kind === 'spike' && line.anomaly!.template === 'user <*> logged in from <*>')
    expect(spike).toMatchObject({ level: 'warn', msg: 'anomaly spike: user <*> logged in from <*>', time: new Date(T0 + 81 * MINUTE).toISOString() })
    expect(spike!.anomaly).toMatchObject({ observed: 200, window: new Date(T0 + 80 * MINUTE).toISOString(), windowMs: MINUTE })
    expect(spike!.anomaly!.expected).toBeCloseTo(20, 0)
    const fresh = anomalies.find((line) => line.anomaly!.kind === 'new')
    expect(fresh).toMatchObject({ msg: 'anomaly new: payment <*> declined by bank <*>', anomaly: { template: 'payment <*> declined by bank <*>', observed: 4, window: new Date(T0 + 85 * MINUTE).toISOString() } })
    // Each is reported where it starts: nothing before minute 80, nothing about the cache misses.
    for (const line of anomalies) expect(new Date(line.anomaly!.window).getTime()).toBeGreaterThanOrEqual(T0 + 80 * MINUTE)
    expect(anomalies.filter((line) => line.anomaly!.template?.startsWith('cache miss'))).toEqual([])
    expect(anomalies.every((line) => line.anomaly!.templateId === undefined || /^[0-9a-f]{8}$/.test(line.anomaly!.templateId))).toBe(true)
    expect(metrics).toEqual({ templates: 3, evicted: 0, anomalies: anomalies.length })
  })

  it('passes each anomaly past the alert rules, which can act on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringlog-analytics-'))
    let now = T0
    const events: AlertEvent[] = []
    const log = createLogger({
      worker: true, destination: join(dir, 'app.log'), now: () => now,
      analytics: { templates: true, anomalies: { window: '1m', season: 0 } },
      alerts: [{ name: 'new-templates', filter: { field: 'anomaly.kind', equals: 'new' }, when: 'count >= 1 in 5m', actions: [{ callback: (event) => events.push(event) }] }],
    })
    traffic(log, (ms) => (now = ms))
    await log.flush()
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    await log.close()
    expect(events[0]).toMatchObject({ alert: 'new-templates', state: 'firing', observed: 1, threshold: 1 })
  })

  it('takes a declared event as its own template, named by its name and version', async () => {
    const OrderPlaced = defineEvent({ name: 'order.placed', version: 3, level: 'info', message: 'order placed', fields: { orderId: 'u32' } })
    const dir = mkdtempSync(join(tmpdir(), 'ringlog-analytics-'))
    const file = join(dir, 'app.log')
    let now = T0
    const log = createLogger({ worker: true, destination: file, now: () => now, analytics: { templates: true, anomalies: { window: '1m', season: 0 } } })
    for (let minute = 0; minute <= 80; minute++) {
      for (let i = 0; i < 20; i++) {
        now = T0 + minute * MINUTE + i * 100
        log.info(`user ${i} logged in from 10.0.0.${i}`)
      }
      if (minute >= 75) log.event(OrderPlaced, { orderId: minute })
    }
    await log.flush()
    const { templates } = log.metrics().analytics
    await log.close()
    const fresh = lines(file).filter((line) => line.anomaly?.kind === 'new')
    expect(fresh.map((line) => [line.msg, line.anomaly!.templateId, line.anomaly!.template])).toEqual([['anomaly new: order.placed@v3', 'order.placed@v3', 'order.placed@v3']])
    expect(templates).toBe(2)
  })

  it('without templates, finds anomalies per level and in the error share only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringlog-analytics-'))
    const file = join(dir, 'app.log')
    let now = T0
    const log = createLogger({ worker: true, destination: file, now: () => now, analytics: { anomalies: { window: '1m', season: 0 } } })
    traffic(log, (ms) => (now = ms))
    await log.close()
    const anomalies = lines(file).filter((line) => line.anomaly !== undefined)
    expect(anomalies.find((line) => line.anomaly!.kind === 'spike')).toMatchObject({ msg: 'anomaly spike: level info', anomaly: { level: 'info', observed: 205 } })
    expect(anomalies.filter((line) => line.anomaly!.templateId !== undefined || line.anomaly!.template !== undefined)).toEqual([])
  })

  it('names a bad option and its value', () => {
    expect(() => createLogger({ destination: '/dev/null', analytics: { templates: 'yes' } as never })).toThrow('ringlog: invalid option analytics.templates: "yes"; expected true or { maxTemplates?, masks? }')
    expect(() => createLogger({ destination: '/dev/null', analytics: { anomalies: { window: '-1m' } } })).toThrow(/^ringlog: invalid option analytics\.anomalies\.window: "-1m"/)
    expect(() => createLogger({ destination: '/dev/null', analytics: { anomalies: { level: 'loud' } } })).toThrow(/^ringlog: invalid option analytics\.anomalies\.level: "loud"; expected one of 'trace'/)
    expect(() => createLogger({ destination: '/dev/null', analytics: { anomaly: true } as never })).toThrow('ringlog: invalid option analytics.anomaly: true; expected one of templates, anomalies')
    expect(() => createLogger({ destination: '/dev/null', analytics: { anomalies: { window: '2d' } } })).toThrow('ringlog: invalid option analytics.anomalies.season: "1d"; expected a season at least as long as the window (2d), or 0 for none')
    expect(() => createLogger({ destination: '/dev/null', analytics: { anomalies: { season: '30s' } } })).toThrow('ringlog: invalid option analytics.anomalies.season: "30s"; expected a season at least as long as the window (1m), or 0 for none')
    expect(() => createLogger({ destination: '/dev/null', analytics: {} })).toThrow('ringlog: invalid option analytics: {}; expected templates or anomalies turned on (or leave analytics out)')
  })
})
