/**
 * Live analytics (issue 22), on the records' clock (the `now` option): the drain worker mines each
 * record's template and watches the counts per window; a spike of one template and a new error
 * template become records naming the template, the expected and the observed count, and alert
 * rules can act on them; nothing is reported while the traffic is steady; the metrics count the
 * templates and anomalies; the option is checked.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, defineEvent, type AlertEvent, type AnalyticsOption, type LoggerOptions } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'
import { until } from './helpers/until.js'

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

/** A logger to a file on the records' clock with `analytics` (and `extra` options); `setNow` moves the clock. */
function analyticsLogger(analytics: AnalyticsOption, extra: Omit<LoggerOptions, 'analytics'> = {}) {
  const file = join(tempDir(), 'app.log')
  let now = T0
  const log = createLogger({ worker: true, destination: file, now: () => now, analytics, ...extra })
  return { file, log, setNow: (ms: number) => void (now = ms) }
}

const WATCHED: AnalyticsOption = { templates: true, anomalies: { window: '1m', season: 0 } }

describe('live analytics', () => {
  it('writes a record naming the template, the expected and observed count, for a spike and a new error template; none while steady', async () => {
    const { file, log, setNow } = analyticsLogger(WATCHED)
    traffic(log, setNow)
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
    // Each is reported once, where it starts: nothing before minute 80, nothing about the steady cache misses.
    expect(anomalies.map((line) => [line.anomaly!.kind, line.anomaly!.template ?? line.anomaly!.level, line.anomaly!.window])).toEqual([
      ['spike', 'user <*> logged in from <*>', new Date(T0 + 80 * MINUTE).toISOString()],
      ['spike', 'info', new Date(T0 + 80 * MINUTE).toISOString()],
      ['new', 'payment <*> declined by bank <*>', new Date(T0 + 85 * MINUTE).toISOString()],
    ])
    expect(spike!.anomaly!.templateId).toMatch(/^[0-9a-f]{8}$/)
    expect(fresh!.anomaly!.templateId).toMatch(/^[0-9a-f]{8}$/)
    expect(metrics).toEqual({ templates: 3, evicted: 0, anomalies: 3 })
  })

  it('passes each anomaly past the alert rules, which can act on it', async () => {
    const events: AlertEvent[] = []
    const { log, setNow } = analyticsLogger(WATCHED, {
      alerts: [{ name: 'new-templates', filter: { field: 'anomaly.kind', equals: 'new' }, when: 'count >= 1 in 5m', actions: [{ callback: (event) => events.push(event) }] }],
    })
    traffic(log, setNow)
    await log.flush()
    await until(() => events.length > 0, 'the alert on the new template', 10_000)
    await log.close()
    expect(events).toEqual([{ alert: 'new-templates', state: 'firing', group: null, condition: 'count >= 1 in 5m', observed: 1, threshold: 1, time: new Date(T0 + 86 * MINUTE).toISOString() }])
  })

  it('takes a declared event as its own template, named by its name and version', async () => {
    const OrderPlaced = defineEvent({ name: 'order.placed', version: 3, level: 'info', message: 'order placed', fields: { orderId: 'u32' } })
    const { file, log, setNow } = analyticsLogger(WATCHED)
    for (let minute = 0; minute <= 80; minute++) {
      for (let i = 0; i < 20; i++) {
        setNow(T0 + minute * MINUTE + i * 100)
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

  it('without templates, finds anomalies per level only', async () => {
    const { file, log, setNow } = analyticsLogger({ anomalies: { window: '1m', season: 0 } })
    traffic(log, setNow)
    await log.close()
    const anomalies = lines(file).filter((line) => line.anomaly !== undefined)
    expect(anomalies.map((line) => [line.msg, line.anomaly])).toEqual([
      ['anomaly spike: level info', { kind: 'spike', level: 'info', expected: 25, observed: 205, window: new Date(T0 + 80 * MINUTE).toISOString(), windowMs: MINUTE }],
    ])
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
