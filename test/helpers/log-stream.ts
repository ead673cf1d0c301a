/**
 * Synthetic log streams for the anomaly detector: records {time, templateId, level} over simulated
 * days, from a seed (the same seed, the same records). Templates of every volume (tens per minute,
 * a few, one now and then), a daily swing of 4× between night and day, a wobble of the whole load
 * from minute to minute, Poisson counts, a heartbeat twice a minute; and, unless left out, four
 * anomalies injected at known times: a template's rate spike, a new error template, the heartbeat
 * silenced, and the share of errors going up.
 */
import type { AnomalyKind } from '../../dist/src/analytics/analysis-report.js'
import { Random } from './random.js'

export interface StreamRecord {
  time: number
  templateId: string
  level: number
}

/** An anomaly put into the stream, and what it must be found as. */
export interface Injection {
  kind: AnomalyKind
  /** The template it must be reported for (spike, new, silence). */
  templateId?: string
  start: number
  end: number
  /**
   * The templates whose rates it changes, and their levels: alarms of these series (and of the
   * error ratio, for errors) during it are its effects, not false alarms.
   */
  templates: readonly string[]
  levels: readonly number[]
}

export interface StreamOptions {
  seed: number
  /** @default 4 */
  days?: number
  /** Midnight UTC of the first day. @default 2026-11-02 */
  start?: number
  /** The windows the injections are aligned to (each starts a few seconds into one). @default 60_000 */
  windowMs?: number
  /** @default true */
  injections?: boolean
}

export interface LogStream {
  start: number
  end: number
  injections: readonly Injection[]
  /** The records in time order; each call replays them from the start. */
  records(): Generator<StreamRecord>
}

interface Template {
  id: string
  level: number
  /** Records per minute, on average over a day. */
  rate: number
  /** Follows the daily swing (most do; background jobs do not). */
  daily: boolean
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const HEARTBEAT = 'heartbeat'
const TEMPLATES: readonly Template[] = [
  { id: 'http-request', level: 30, rate: 60, daily: true },
  { id: 'db-query', level: 30, rate: 30, daily: true },
  { id: 'cache-miss', level: 30, rate: 15, daily: true },
  { id: 'checkout', level: 30, rate: 6, daily: true },
  { id: 'login', level: 30, rate: 4, daily: true },
  { id: 'email-sent', level: 30, rate: 2.5, daily: true },
  { id: 'user-signup', level: 30, rate: 1.2, daily: true },
  { id: 'config-reload', level: 30, rate: 0.4, daily: false },
  { id: 'admin-action', level: 30, rate: 0.3, daily: true },
  { id: 'gc-pause', level: 20, rate: 5, daily: true },
  { id: 'cache-evict', level: 20, rate: 0.8, daily: false },
  { id: 'slow-query', level: 40, rate: 2, daily: true },
  { id: 'payment-retry', level: 40, rate: 0.6, daily: true },
  { id: 'upstream-timeout', level: 50, rate: 3, daily: true },
  { id: 'db-error', level: 50, rate: 2, daily: true },
  { id: 'payment-declined', level: 50, rate: 1.5, daily: true },
]
const ERROR_TEMPLATES = TEMPLATES.filter((t) => t.level >= 50).map((t) => t.id)
export const NEW_ERROR = 'db-failover'

/** Poisson counts and normal noise on top of the seeded PRNG (the tests' own small streams use it too). */
export class Noise extends Random {
  uniform(): number {
    return this.next()
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next())
  }

  poisson(mean: number): number {
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()))
    const limit = Math.exp(-mean)
    let k = 0
    for (let p = this.next(); p > limit; p *= this.next()) k++
    return k
  }
}

export function logStream(options: StreamOptions): LogStream {
  const days = options.days ?? 4
  const start = options.start ?? Date.UTC(2026, 10, 2)
  const windowMs = options.windowMs ?? MINUTE
  const end = start + days * DAY
  const setup = new Noise(options.seed)
  // Each seed has its own mix: rates ×0.7 to ×1.3 and the daily peak between 13:00 and 17:00.
  const templates = TEMPLATES.map((t) => ({ ...t, rate: t.rate * (0.7 + 0.6 * setup.uniform()) }))
  const peak = 13 + 4 * setup.uniform()
  /** A day's injections start a random number of windows into the hour named, a few seconds into the window. */
  const at = (day: number, hour: number) => start + day * DAY + hour * HOUR + setup.int(30) * windowMs + 1000 + setup.int(20_000)
  const injections: Injection[] = []
  if (options.injections ?? true) {
    const spike = at(1, 14)
    injections.push({ kind: 'spike', templateId: 'checkout', start: spike, end: spike + 15 * MINUTE, templates: ['checkout'], levels: [30] })
    const fresh = at(2, 3)
    injections.push({ kind: 'new', templateId: NEW_ERROR, start: fresh, end: fresh + 30 * MINUTE, templates: [NEW_ERROR], levels: [50] })
    const silence = at(2, 10)
    injections.push({ kind: 'silence', templateId: HEARTBEAT, start: silence, end: silence + 40 * MINUTE, templates: [HEARTBEAT], levels: [30] })
    const errors = at(3, 13)
    injections.push({ kind: 'error-ratio', start: errors, end: errors + 20 * MINUTE, templates: ERROR_TEMPLATES, levels: [50] })
  }
  const during = (kind: AnomalyKind, time: number) => injections.some((i) => i.kind === kind && time >= i.start && time < i.end)

  function* records(): Generator<StreamRecord> {
    const noise = new Noise(options.seed ^ 0x9e3779b9)
    const batch: StreamRecord[] = []
    for (let window = start; window < end; window += windowMs) {
      const hour = ((window - start) % DAY) / HOUR
      const swing = 1 + 0.6 * Math.sin((2 * Math.PI * (hour - peak + 6)) / 24)
      const load = 1 + 0.08 * (2 * noise.uniform() - 1)
      const perWindow = windowMs / MINUTE
      const add = (templateId: string, level: number, mean: number, multiplier: (time: number) => number) => {
        // Rates that change inside the window (an injection starting) are applied per record.
        const top = Math.max(multiplier(window), multiplier(window + windowMs - 1))
        const n = noise.poisson(mean * top)
        for (let i = 0; i < n; i++) {
          const time = window + Math.floor(noise.uniform() * windowMs)
          if (noise.uniform() * top < multiplier(time)) batch.push({ time, templateId, level })
        }
      }
      for (const t of templates) {
        const mean = t.rate * perWindow * load * (t.daily ? swing : 1)
        const multiplier = (time: number): number => {
          if (t.id === 'checkout' && during('spike', time)) return 10
          if (t.level >= 50 && during('error-ratio', time)) return 5
          return 1
        }
        add(t.id, t.level, mean, multiplier)
      }
      add(NEW_ERROR, 50, 4 * perWindow, (time) => (during('new', time) ? 1 : 0))
      for (let beat = window + 10_000; beat < window + windowMs; beat += 30_000) {
        const time = beat + noise.int(2000) - 1000
        if (!during('silence', time)) batch.push({ time, templateId: HEARTBEAT, level: 30 })
      }
      batch.sort((a, b) => a.time - b.time)
      yield* batch
      batch.length = 0
    }
  }

  return { start, end, injections, records }
}
