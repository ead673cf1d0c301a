import { parseDuration } from '../../units.js'
import { invalid, optionFields, type Where } from '../../validate.js'

/** How records are sampled, as plain data, so that it can cross into the drain worker. */
export type SampleConfig = {
  /** Records at this level and above are never sampled: error (50) unless `levels: 'all'`, then Infinity. */
  exemptFrom: number
  /** Seeds the generator `rate` draws from: the same seed and records keep the same records. */
  seed: number
} & ({ rate: number } | { every: number } | { first: number; thereafter: number; interval: number })

const KEYS = ['rate', 'every', 'first', 'thereafter', 'interval', 'levels', 'seed']
const ONE_KIND = "one way to sample: { rate: 0.1 }, { every: 10 } or { first: 100, thereafter: 10, interval: '1s' }"
const POSITIVE = 'a whole number, 1 or more'

/**
 * The user's `sample` option, checked: `{ rate }`, `{ every }` or `{ first, thereafter, interval }`
 * (interval defaults to 1 s), with optional `levels: 'all'` and `seed`.
 * @param levelNumber the logger's levels, for the default exemption (its 'error').
 */
export function sampleOption(where: Where, value: unknown, levelNumber: (name: string) => number | undefined): SampleConfig | undefined {
  if (value === undefined) return undefined
  const fields = optionFields(where, value, KEYS, ONE_KIND)
  const kinds = [fields.rate, fields.every, fields.first ?? fields.thereafter ?? fields.interval].filter((v) => v !== undefined)
  if (kinds.length !== 1) return invalid(where, value, ONE_KIND)
  if (fields.levels !== undefined && fields.levels !== 'all') invalid(`${where}.levels`, fields.levels, "'all' (to sample error and fatal too), or nothing")
  const exemptFrom = fields.levels === 'all' ? Infinity : levelNumber('error') ?? 50
  let seed: number
  if (fields.seed === undefined) seed = (Math.random() * 2 ** 32) >>> 0
  else if (typeof fields.seed === 'number' && Number.isSafeInteger(fields.seed)) seed = fields.seed >>> 0
  else return invalid(`${where}.seed`, fields.seed, 'a whole number')

  if (fields.rate !== undefined) {
    const rate = fields.rate
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) return invalid(`${where}.rate`, rate, 'a number from 0 to 1 (0.1 keeps one record in ten)')
    return { exemptFrom, seed, rate }
  }
  if (fields.every !== undefined) return { exemptFrom, seed, every: positive(`${where}.every`, fields.every) }
  const first = positive(`${where}.first`, fields.first)
  const thereafter = positive(`${where}.thereafter`, fields.thereafter)
  const interval = fields.interval === undefined ? 1000 : parseDuration(`${where}.interval`, fields.interval)
  return { exemptFrom, seed, first, thereafter, interval }
}

function positive(where: Where, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value
  return invalid(where, value, POSITIVE)
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Beyond this many messages counted in one interval, the oldest counts are forgotten (and start again). */
const MAX_KEYS = 10_000

export class Sampler {
  private readonly exemptFrom: number
  private readonly decide: (time: number, key: string) => boolean

  constructor(config: SampleConfig) {
    this.exemptFrom = config.exemptFrom
    if ('rate' in config) {
      const random = mulberry32(config.seed)
      const rate = config.rate
      this.decide = () => random() < rate
    } else if ('every' in config) {
      const every = config.every
      let seen = 0
      this.decide = () => seen++ % every === 0
    } else {
      this.decide = perMessage(config.first, config.thereafter, config.interval)
    }
  }

  /** true: keep the record. `key` is its message, for first/thereafter. */
  keep(level: number, time: number, key: string): boolean {
    return level >= this.exemptFrom || this.decide(time, key)
  }
}

/** zap's sampler: in each interval, the first `first` records of a message, then every `thereafter`th. */
function perMessage(first: number, thereafter: number, interval: number): (time: number, key: string) => boolean {
  const counts = new Map<string, { tick: number; count: number }>()
  let latest = -Infinity
  let tidied = -Infinity
  return (time, key) => {
    const tick = Math.floor(time / interval)
    if (tick > latest) latest = tick
    let entry = counts.get(key)
    if (entry === undefined) {
      if (counts.size >= MAX_KEYS) {
        // Counts of past intervals would start again anyway; looking for them once an interval keeps this cheap.
        if (tidied < latest) {
          tidied = latest
          for (const [k, e] of counts) if (e.tick < latest) counts.delete(k)
        }
        if (counts.size >= MAX_KEYS) counts.delete(counts.keys().next().value!)
      }
      entry = { tick, count: 0 }
      counts.set(key, entry)
    } else if (tick > entry.tick) {
      entry.tick = tick
      entry.count = 0
    }
    entry.count++
    return entry.count <= first || (entry.count - first) % thereafter === 0
  }
}
