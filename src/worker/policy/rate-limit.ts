import { parseDuration } from '../../units.js'
import { invalid, optionFields, type Where } from '../../validate.js'

/** A token bucket per key, as plain data, so that it can cross into the drain worker. */
export interface RateLimitConfig {
  /** Records let through per `per` ms, once the burst is spent. */
  rate: number
  per: number
  /** Records let through at once by a key not seen for a while. */
  burst: number
  /** 'msg', or the field path whose value keys the buckets. */
  key: string
  /** Records at this level and above always pass: error (50) unless `levels: 'all'`, then Infinity. */
  exemptFrom: number
}

/** Records a key's bucket held back since that key was last reported. */
export interface Suppressed {
  key: string
  count: number
  /** The time of the first of them. */
  since: number
}

const KEYS = ['rate', 'per', 'burst', 'key', 'levels']

/** The user's `rateLimit` option, checked: `{ rate: 100, per: '1s', burst?: rate, key?: 'msg', levels?: 'all' }`. */
export function rateLimitOption(where: Where, value: unknown): RateLimitConfig | undefined {
  if (value === undefined) return undefined
  const fields = optionFields(where, value, KEYS, "an object like { rate: 100, per: '1s' }")
  const { rate, burst, key = 'msg', levels } = fields
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) return invalid(`${where}.rate`, rate, 'a number of records, more than 0')
  const per = fields.per === undefined ? 1000 : parseDuration(`${where}.per`, fields.per)
  if (burst !== undefined && (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1)) {
    return invalid(`${where}.burst`, burst, 'a number of records, 1 or more')
  }
  if (typeof key !== 'string' || key === '') return invalid(`${where}.key`, key, "'msg' or a field path, like 'req.url'")
  if (levels !== undefined && levels !== 'all') invalid(`${where}.levels`, levels, "'all' (to limit error and fatal too), or nothing")
  // A bucket smaller than one record would never let one through.
  return { rate, per, burst: burst ?? Math.max(rate, 1), key, exemptFrom: levels === 'all' ? Infinity : 50 }
}

/**
 * Tokens are kept multiplied by `per`: a record costs `per`, a ms refills `rate`. With whole-ms times
 * and whole rates that is exact, where fractions of a token would drift (ten 0.1s make 0.9999…).
 */
interface Bucket {
  credit: number
  last: number
  count: number
  since: number
}

/**
 * At most this many buckets are kept. Beyond it, buckets that have refilled and owe no summary are
 * forgotten (a new bucket is the same); if none has, the oldest key's that owes none; if every key
 * owes one, the oldest key's, its pending count with it. With more busy keys than this the limits
 * and summaries are best-effort.
 */
const MAX_KEYS = 10_000

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly rate: number
  private readonly per: number
  private readonly full: number
  private readonly exemptFrom: number
  private sweptAt = -Infinity
  /** Records suppressed in total so far. */
  suppressed = 0

  constructor(config: RateLimitConfig) {
    this.rate = config.rate
    this.per = config.per
    this.full = config.burst * config.per
    this.exemptFrom = config.exemptFrom
  }

  /** true: the record passes. A key's bucket starts full and refills continuously, by the record times. */
  allow(level: number, time: number, key: string): boolean {
    if (level >= this.exemptFrom) return true
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_KEYS) this.forget(time)
      bucket = { credit: this.full, last: time, count: 0, since: 0 }
      this.buckets.set(key, bucket)
    } else if (time > bucket.last) {
      // A time that goes back (another thread's clock, a clock step) refills nothing.
      bucket.credit = Math.min(this.full, bucket.credit + (time - bucket.last) * this.rate)
      bucket.last = time
    }
    if (bucket.credit >= this.per) {
      bucket.credit -= this.per
      return true
    }
    if (bucket.count++ === 0) bucket.since = time
    this.suppressed++
    return false
  }

  private forget(time: number): void {
    const { buckets } = this
    // A sweep looks at every bucket: once per refill period at most, so many new keys stay cheap.
    if (time - this.sweptAt >= this.per) {
      this.sweptAt = time
      for (const [key, bucket] of buckets) {
        if (bucket.count === 0 && bucket.credit + Math.max(0, time - bucket.last) * this.rate >= this.full) buckets.delete(key)
      }
    }
    if (buckets.size < MAX_KEYS) return
    // The oldest key that owes no summary goes; if every key owes one, the oldest.
    for (const [key, bucket] of buckets) {
      if (bucket.count === 0) {
        buckets.delete(key)
        return
      }
    }
    buckets.delete(buckets.keys().next().value!)
  }

  /** Right after allow() let `key` through: what it held back before, to write first; then forgotten. */
  takeSummary(key: string): Suppressed | undefined {
    const bucket = this.buckets.get(key)
    if (bucket === undefined || bucket.count === 0) return undefined
    const summary = { key, count: bucket.count, since: bucket.since }
    bucket.count = 0
    return summary
  }

  /** At close: every key's count not reported yet; then forgotten. */
  drain(): Suppressed[] {
    const pending: Suppressed[] = []
    for (const [key, bucket] of this.buckets) {
      if (bucket.count === 0) continue
      pending.push({ key, count: bucket.count, since: bucket.since })
      bucket.count = 0
    }
    return pending
  }
}
