import { Writable } from 'node:stream'
import type { FilterOption } from './policy-options.js'
import { shipConfig, type ShipConfig } from './shipping/ship-options.js'
import type { HttpSinkOptions } from './shipping/http-options.js'
import type { ShippingOptions } from './shipping/ship-options.js'
import { addStream, type StreamConfig } from './stream-sinks.js'
import { parseDuration } from './units.js'
import { invalid, optionFields, type Where } from './validate.js'
import { filterOption, type FilterConfig } from './worker/policy/filter.js'
import type { LevelTable } from './levels.js'

/** What an alert reports when it fires and when it resolves. */
export interface AlertEvent {
  alert: string
  state: 'firing' | 'resolved'
  /** The value of `groupBy` the alert is for; null without groupBy. */
  group: string | null
  /** The rule's condition, as given. */
  condition: string
  /** What was measured over the window when the state changed: a count, or a rate (0 to 1). */
  observed: number
  threshold: number
  /** When it changed, by the records' clock. */
  time: string
}

/** Rules evaluated in the drain worker on the records that pass the record policy. */
export interface AlertRuleOption {
  name: string
  /** The records that count (the filter language); all by default. */
  filter?: FilterOption
  /** 'count > 50 in 1m', 'count >= 10 in 30s', 'rate > 5% in 5m' (of the records counted among all the records). */
  when: string
  /** A field path: each of its values is watched on its own (at most 1,000 at once). */
  groupBy?: string
  /** After firing, a group does not fire again for this long. @default the window */
  cooldown?: number | string
  /** With 'rate': fewer records than this in the window never fire. @default 10 */
  minRecords?: number
  actions: AlertAction[]
}

export type AlertAction =
  | { log: string }
  | { webhook: HttpSinkOptions & ShippingOptions }
  | { callback: (event: AlertEvent) => void }

/** A rule as the worker takes it. */
export interface AlertConfig {
  name: string
  filter: FilterConfig | undefined
  condition: string
  measure: 'count' | 'rate'
  strict: boolean
  /** A count, or a rate from 0 to 1. */
  threshold: number
  windowMs: number
  cooldownMs: number
  groupBy: string | undefined
  minRecords: number
  /** The level number of the record the alert writes, if it does. */
  logLevel: number | undefined
  webhooks: ShipConfig[]
  callbacks: StreamConfig[]
}

const RULE_KEYS = ['name', 'filter', 'when', 'groupBy', 'cooldown', 'minRecords', 'actions']
const CONDITION = /^\s*(count|rate)\s*(>=|>)\s*(\d+(?:\.\d+)?)\s*(%?)\s+in\s+(.+?)\s*$/
const A_CONDITION = "a condition like 'count > 50 in 1m', 'count >= 10 in 30s' or 'rate > 5% in 5m'"

/** The `alerts` option: rules checked, webhooks as network sinks, callbacks as streams of this thread. */
export function alertsOption(where: Where, value: unknown, table: LevelTable): AlertConfig[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return invalid(where, value, 'an array of rules { name, when, actions, filter?, groupBy?, cooldown? }')
  const names = new Set<string>()
  return value.map((rule: unknown, i) => {
    const at = (name: string): Where => `${where}[${i}]${name === '' ? '' : `.${name}`}`
    const fields = optionFields(at(''), rule, RULE_KEYS, '{ name, when, actions }')
    const { name, when, groupBy, minRecords = 10, actions } = fields
    if (typeof name !== 'string' || name === '' || names.has(name)) invalid(at('name'), name, 'a name of its own')
    names.add(name as string)
    const condition = typeof when === 'string' ? CONDITION.exec(when) : null
    if (condition === null) return invalid(at('when'), when, A_CONDITION)
    const [, measure, op, number, percent, window] = condition
    if ((measure === 'rate') !== (percent === '%')) invalid(at('when'), when, `${A_CONDITION}: a count is a number, a rate a percentage`)
    const windowMs = parseDuration(at('when'), window)
    if (windowMs <= 0) invalid(at('when'), when, `${A_CONDITION}, over a window longer than 0`)
    const threshold = measure === 'rate' ? Number(number) / 100 : Number(number)
    if (measure === 'rate' && threshold >= 1 && op === '>') invalid(at('when'), when, `${A_CONDITION}: a rate above 100 % never happens`)
    if (groupBy !== undefined && (typeof groupBy !== 'string' || groupBy === '')) invalid(at('groupBy'), groupBy, "a field path, like 'route'")
    if (!Number.isSafeInteger(minRecords) || (minRecords as number) < 1) invalid(at('minRecords'), minRecords, 'a number of records, 1 or more')
    if (!Array.isArray(actions) || actions.length === 0) invalid(at('actions'), actions, "a non-empty array of { log: 'error' }, { webhook: { url } }, { callback: (event) => {} }")
    const config: AlertConfig = {
      name: name as string, filter: filterOption(at('filter'), fields.filter), condition: when as string, measure: measure as 'count' | 'rate', strict: op === '>',
      threshold, windowMs, cooldownMs: fields.cooldown === undefined ? windowMs : parseDuration(at('cooldown'), fields.cooldown),
      groupBy: groupBy as string | undefined, minRecords: minRecords as number, logLevel: undefined, webhooks: [], callbacks: [],
    }
    ;(actions as unknown[]).forEach((action, j) => {
      const place = at(`actions[${j}]`)
      const entry = action as Record<string, unknown>
      const keys = entry !== null && typeof entry === 'object' ? Object.keys(entry) : []
      if (keys.length !== 1 || !['log', 'webhook', 'callback'].includes(keys[0])) return invalid(place, action, "{ log: 'error' }, { webhook: { url } } or { callback: (event) => {} }")
      if (keys[0] === 'log') {
        if (typeof entry.log !== 'string' || !table.has(entry.log)) return invalid(`${place}.log`, entry.log, `a level: ${table.entries.map(([label]) => label).join(', ')}`)
        config.logLevel = table.threshold(entry.log)
      } else if (keys[0] === 'webhook') {
        const webhook = entry.webhook
        if (webhook === null || typeof webhook !== 'object' || Array.isArray(webhook)) return invalid(`${place}.webhook`, webhook, "an http sink's options: { url, headers?, retry? }")
        config.webhooks.push(shipConfig({ type: 'http', name: `alert ${name as string} webhook`, batch: { records: 1 }, ...(webhook as Record<string, unknown>) }, j, (key) => `${place}.webhook.${key}`, ['type']))
      } else {
        if (typeof entry.callback !== 'function') return invalid(`${place}.callback`, entry.callback, 'a function (event) => void')
        config.callbacks.push(addStream(callbackStream(entry.callback as (event: AlertEvent) => void)))
      }
    })
    return config
  })
}

/** A stream of this thread that takes the alert events the drain worker hands back, one JSON line each, and calls `callback` with each. */
function callbackStream(callback: (event: AlertEvent) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue
        try {
          callback(JSON.parse(line) as AlertEvent)
        } catch (error) {
          process.stderr.write(`ringlog: an alert callback threw: ${error instanceof Error ? error.message : String(error)}\n`)
        }
      }
      done()
    },
  })
}
