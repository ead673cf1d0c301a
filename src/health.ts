import { DRAIN_FAILED, DRAIN_UP } from './hub.js'
import { parseDuration } from './units.js'
import type { Metrics } from './transport.js'
import { invalid, optionFields, type Where } from './validate.js'

export type HealthStatus = 'ok' | 'degraded' | 'failing'

/** One thing wrong, and how wrong. */
export interface HealthReason {
  code: 'worker-down' | 'worker-failed' | 'sink-failing' | 'sink-failed' | 'sink-down' | 'sink-lagging' | 'ring-full' | 'dropped'
  status: Exclude<HealthStatus, 'ok'>
  message: string
}

export interface Health {
  /** The worst of the reasons': 'ok' without any. */
  status: HealthStatus
  reasons: HealthReason[]
}

/** `health` of createLogger(): the thresholds, and how often a change of status is logged. */
export interface HealthOption {
  /** Drops and a sink's failures this recent make the logger degraded. @default '1m' */
  window?: number | string
  /** The ring this full (a fraction) is degraded; full, failing. @default 0.8 */
  ringFull?: number
  /** A network sink with this many records not yet sent (in memory and spooled) is lagging. @default 10000 */
  lag?: number
  /** How often the status is looked at; a change is logged once (warn when degraded, error when failing, info back to ok). @default '5s' */
  interval?: number | string
}

export interface HealthConfig {
  windowMs: number
  ringFull: number
  lag: number
  /** 0: changes are not logged (no `health` option). */
  intervalMs: number
}

const KEYS = ['window', 'ringFull', 'lag', 'interval']

export function healthOption(where: Where, value: unknown): HealthConfig {
  const config: HealthConfig = { windowMs: 60_000, ringFull: 0.8, lag: 10_000, intervalMs: 0 }
  if (value === undefined || value === false) return config
  if (value === true) return { ...config, intervalMs: 5_000 }
  const fields = optionFields(where, value, KEYS, 'true, or { window, ringFull, lag, interval }')
  const { ringFull = 0.8, lag = 10_000 } = fields
  if (typeof ringFull !== 'number' || !(ringFull > 0 && ringFull <= 1)) invalid(`${where}.ringFull`, ringFull, 'a fraction of the ring, above 0 and at most 1')
  if (!Number.isSafeInteger(lag) || (lag as number) < 1) invalid(`${where}.lag`, lag, 'a number of records, 1 or more')
  return {
    windowMs: fields.window === undefined ? 60_000 : parseDuration(`${where}.window`, fields.window),
    ringFull: ringFull as number,
    lag: lag as number,
    intervalMs: fields.interval === undefined ? 5_000 : parseDuration(`${where}.interval`, fields.interval),
  }
}

/** What the health is judged from besides the metrics. */
export interface HealthInputs {
  metrics: Metrics
  /** The hub's DRAIN word (undefined with `worker: false`). */
  drainState: number | undefined
  lastDroppedAt: number
  /** Per counted sink: when it last wrote and last failed (ms; -Infinity: never). */
  sinkTimes: { lastWrittenAt: number; lastFailedAt: number }[]
  now: number
}

/** The logger's health from what its metrics say now. */
export function assessHealth(inputs: HealthInputs, config: HealthConfig): Health {
  const { metrics, drainState, lastDroppedAt, sinkTimes, now } = inputs
  const reasons: HealthReason[] = []
  const add = (code: HealthReason['code'], status: HealthReason['status'], message: string): void => void reasons.push({ code, status, message })
  if (drainState === DRAIN_FAILED) add('worker-failed', 'degraded', 'no drain worker could be started: the calling threads write their own records')
  // The first worker's start is no fault (the calling thread writes meanwhile); a replacement's is.
  else if (drainState !== undefined && drainState !== DRAIN_UP && metrics.workerRestarts > 0) add('worker-down', 'degraded', 'the drain worker died and is being replaced')
  // A sink whose latest write failed is failing until one succeeds, however long ago that was.
  sinkTimes.forEach(({ lastWrittenAt, lastFailedAt }, i) => {
    if (lastFailedAt >= lastWrittenAt && lastFailedAt > -Infinity) add('sink-failing', 'failing', `sinks[${i}] fails to write${metrics.lastError === undefined ? '' : `: ${metrics.lastError}`}`)
    else if (now - lastFailedAt <= config.windowMs) add('sink-failed', 'degraded', `sinks[${i}] failed to write in the last ${config.windowMs / 1000} s, and writes again`)
  })
  for (const sink of metrics.sinks) {
    if (sink.circuitOpen) add('sink-down', 'failing', `${sink.name} takes its destination for down${sink.lastError === undefined ? '' : `: ${sink.lastError}`}`)
    else if (sink.inFlight + sink.onDisk >= config.lag) add('sink-lagging', 'degraded', `${sink.name} has ${sink.inFlight + sink.onDisk} records not yet sent`)
  }
  if (metrics.ringSize > 0 && metrics.ringUsed >= metrics.ringSize * config.ringFull) {
    const full = metrics.ringUsed / metrics.ringSize
    add('ring-full', full >= 0.99 ? 'failing' : 'degraded', `the ring is ${Math.round(full * 100)} % full`)
  }
  if (now - lastDroppedAt <= config.windowMs) add('dropped', 'degraded', `records were dropped in the last ${config.windowMs / 1000} s (${metrics.dropped} in all)`)
  const status = reasons.some((r) => r.status === 'failing') ? 'failing' : reasons.length > 0 ? 'degraded' : 'ok'
  return { status, reasons }
}
