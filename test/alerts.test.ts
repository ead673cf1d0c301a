/**
 * Alert rules (issue 21), on the records' clock (the `now` option: fake time, exact windows): a
 * count over a window fires once (cooldown), then resolves; a rate per group; the actions: a record
 * through the sinks, a webhook to a local server that gets exactly the events, a callback on the
 * logging thread. Rules are checked by createLogger().
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type AlertAction, type AlertEvent, type AlertRuleOption } from '../dist/src/index.js'
import { readRecords, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'
import { until } from './helpers/until.js'

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0)
const iso = (ms: number): string => new Date(ms).toISOString()
const errors = { field: 'level', equals: 'error' }


describe.each([{ worker: true }, { worker: false }])('alerts (worker: $worker)', ({ worker }) => {
  /** A logger to a file on the records' clock, its one rule calling back into `events` after `actions`; `at(ms)` sets the clock to T0 + ms. */
  function watched(rule: Omit<AlertRuleOption, 'actions'>, actions: AlertAction[] = []) {
    const file = join(tempDir(), 'app.log')
    let now = T0
    const events: AlertEvent[] = []
    const log = createLogger({ worker, destination: file, now: () => now, alerts: [{ ...rule, actions: [...actions, { callback: (event) => events.push(event) }] }] })
    return { file, log, events, at: (ms: number) => void (now = T0 + ms) }
  }

  it('100 errors in 10 s fire a count rule once (the cooldown holds it), and it resolves once the window has passed', async () => {
    const { file, log, events, at } = watched({ name: 'error-burst', filter: errors, when: 'count > 50 in 1m' }, [{ log: 'warn' }])
    for (let i = 0; i < 100; i++) {
      at(i * 100)
      log.error({ i }, 'payment failed')
    }
    // Quiet for a minute and more: the next record finds the window empty.
    at(75_000)
    log.info('all good')
    await log.flush()
    await until(() => events.length === 2, 'both alert events')
    const notes = readRecords(file).filter((record) => String(record.msg).startsWith('alert'))
    const firing = { alert: 'error-burst', state: 'firing', group: null, condition: 'count > 50 in 1m', observed: 51, threshold: 50, time: iso(T0 + 5000) }
    const resolved = { alert: 'error-burst', state: 'resolved', group: null, condition: 'count > 50 in 1m', observed: 0, threshold: 50, time: iso(T0 + 75_000) }
    expect(notes).toEqual([
      { time: iso(T0 + 5000), level: 'warn', msg: 'alert error-burst firing', alert: firing },
      { time: iso(T0 + 75_000), level: 'info', msg: 'alert error-burst resolved', alert: resolved },
    ])
    expect(events).toEqual([firing, resolved])
    // The alert's record comes right after the record that made it fire.
    const msgs = readRecords(file).map((record) => record.msg === 'payment failed' ? `e${record.i}` : record.msg)
    expect(msgs.slice(50, 53)).toEqual(['e50', 'alert error-burst firing', 'e51'])
    await log.close()
  })

  it('a rate per group: only the group over its share fires; too few records never do', async () => {
    const { log, events, at } = watched({ name: 'route-errors', filter: errors, when: 'rate > 5% in 1m', groupBy: 'route', minRecords: 20 })
    for (let i = 0; i < 200; i++) {
      at(i * 50)
      log.info({ route: '/a' }, 'ok')
      if (i % 10 === 0) log.error({ route: '/b' }, 'bad') // /b: errors only, but after 20 records
      else log.info({ route: '/b' }, 'ok')
      if (i < 5) log.error({ route: '/c' }, 'bad') // /c: 100 % of 5 records, under minRecords
    }
    await log.flush()
    await until(() => events.length >= 1, 'an alert event')
    await log.close()
    expect(events.map((e) => [e.alert, e.group, e.state])).toEqual([['route-errors', '/b', 'firing']])
    expect(events[0].observed).toBeGreaterThan(0.05)
    expect(events[0].threshold).toBe(0.05)
  })

  it('a webhook gets exactly the firing and the resolving events, each in a POST of its own', async () => {
    const bodies: { headers: IncomingMessage['headers']; body: string }[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        bodies.push({ headers: request.headers, body })
        response.writeHead(204).end()
      })
    }).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ringlog`
    let now = T0
    const log = createLogger({
      worker, destination: join(tempDir(), 'app.log'), now: () => now,
      alerts: [{ name: 'slow', filter: { field: 'slow', equals: true }, when: 'count >= 3 in 10s', actions: [{ webhook: { url, headers: { authorization: 'Bearer hook-token' }, compression: 'none' } }] }],
    })
    try {
      for (let i = 0; i < 3; i++) {
        now = T0 + i * 1000
        log.warn({ slow: true }, 'slow query')
      }
      now = T0 + 30_000
      log.info('later')
      await until(() => bodies.length === 2, 'both webhook posts')
      expect(bodies.map((b) => JSON.parse(b.body) as AlertEvent)).toEqual([
        { alert: 'slow', state: 'firing', group: null, condition: 'count >= 3 in 10s', observed: 3, threshold: 3, time: iso(T0 + 2000) },
        { alert: 'slow', state: 'resolved', group: null, condition: 'count >= 3 in 10s', observed: 0, threshold: 3, time: iso(T0 + 30_000) },
      ])
      expect(bodies[0].headers.authorization).toBe('Bearer hook-token')
      expect(bodies[0].body.endsWith('}\n')).toBe(true)
    } finally {
      await log.close()
      server.close()
    }
  })
})

it('a firing alert that no record comes to is resolved by the wall clock, and its record written then', async () => {
  const events: AlertEvent[] = []
  const file = join(tempDir(), 'app.log')
  const log = createLogger({
    destination: file,
    alerts: [{ name: 'any-error', filter: errors, when: 'count >= 1 in 1s', actions: [{ callback: (event) => events.push(event) }, { log: 'warn' }] }],
  })
  log.error('once')
  await log.flush()
  await until(() => events.length === 2, 'both alert events', 5000)
  expect(events.map((e) => e.state)).toEqual(['firing', 'resolved'])
  // In the file before any flush or close.
  await until(() => readFileSync(file, 'utf8').includes('alert any-error resolved'), 'the resolved alert in the file', 2000)
  await log.close()
})

describe('alert rules are checked', () => {
  const rule = { name: 'r', when: 'count > 1 in 1m', actions: [{ log: 'warn' }] }
  it.each([
    [{ ...rule, when: 'more than 50' }, "option alerts[0].when: \"more than 50\"; expected a condition like 'count > 50 in 1m'"],
    [{ ...rule, when: 'count > 5% in 1m' }, 'a count is a number, a rate a percentage'],
    [{ ...rule, when: 'rate > 150% in 1m' }, 'a rate above 100 % never happens'],
    [{ ...rule, when: 'count > 1 in soon' }, 'option alerts[0].when: "soon"'],
    [{ ...rule, actions: [] }, 'option alerts[0].actions: []'],
    [{ ...rule, actions: [{ log: 'loud' }] }, 'option alerts[0].actions[0].log: "loud"; expected a level: trace, debug, info, warn, error, fatal'],
    [{ ...rule, actions: [{ webhook: { url: 'ftp://x' } }] }, 'option alerts[0].actions[0].webhook.url'],
    [{ ...rule, actions: [{ callback: 'f' }] }, 'option alerts[0].actions[0].callback: "f"; expected a function'],
    [{ ...rule, actions: [{ email: 'ops@example.com' }] }, 'option alerts[0].actions[0]:'],
    [{ ...rule, filter: { field: 'x', within: 1 } }, 'option alerts[0].filter'],
    [{ ...rule, groupBy: 3 }, 'option alerts[0].groupBy: 3'],
    [{ ...rule, everySecond: true }, 'option alerts[0].everySecond'],
  ])('%j', (bad, message) => {
    expect(optionError(() => createLogger({ destination: '/dev/null', alerts: [bad] as never }))).toContain(message)
  })

  it('a group that encrypt seals: its value would go out in clear', () => {
    expect(optionError(() => createLogger({
      destination: '/dev/null', encrypt: { paths: ['user.email'], key: 'ab'.repeat(32) },
      alerts: [{ ...rule, groupBy: 'user.email' }],
    }))).toContain('option alerts[0].groupBy: "user.email"; expected a field that encrypt does not seal')
  })

  it('two rules with one name', () => {
    expect(optionError(() => createLogger({ destination: '/dev/null', alerts: [rule, rule] as never }))).toContain('option alerts[1].name: "r"; expected a name of its own')
  })
})
