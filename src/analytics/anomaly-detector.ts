/**
 * Finds the windows whose counts do not fit what each series (a template, a level, the error
 * ratio) usually does. Pure and deterministic: it is fed records and clock ticks, keeps no timers and
 * never reads the clock, so `ringlog analyze` replaying a file and a logging worker watching live
 * records judge alike.
 *
 * The model, per series: two baselines, and a window is judged against the band between them. The
 * recent level is an exponentially weighted mean with about an hour's memory (1/60 per window); it
 * follows a smooth daily swing (4× between night and day moves less than 2% in a minute) and a
 * lasting change of level, but not a spike of a few windows. The seasonal profile is the mean count
 * in each slot of the season (48 half hours of a day by default), learned across days; it knows
 * what the level cannot: the batch job that starts at 02:00 every night. A spike must be far above
 * both, a drop or a silence far below both, so a daily step is not reported once its hour has been
 * seen, and the first day, before any slot is learned, is judged on the level alone. Judging uses
 * Poisson tail probabilities, which is what makes low counts safe: one record of a template
 * expected 0.1 times is not unlikely enough to report, 30 of one expected 3 times are. The band is
 * first widened by how much more the series has been spreading than Poisson noise (bursty series),
 * and a count must also be `factor` times outside it: in high-volume series, where a 20% wobble is
 * already improbable, only what is far from usual is reported. A silence is judged by the chance
 * of that many empty windows in a row given the series' mean and dispersion, which tells a timer
 * (never empty) from Poisson traffic of the same mean (empty now and then). The error ratio is
 * the same model on shares: the window's errors (level 50 and above) against its records times the
 * usual share. Memory per series is fixed (a dozen numbers and 5 bytes per slot: about 750 bytes in
 * all with 48 slots), so `maxSeries` bounds the whole.
 *
 * An anomaly is reported when it starts; the series then stays in that state, not reported again,
 * until its counts are back within the band. Meanwhile the level learns the threshold passed instead
 * of the count, at a tenth of its weight, so an ongoing event does not become the usual within the
 * hour. The slot means learn the counts, each slot's when its pass ends: an event that comes back
 * at the same time the next day is usual, and a lasting change of level is the usual after a few
 * hours, once the slot before has had it (a fivefold rise: about three hours); going back to what
 * earlier days had at that time is no drop. Nothing is reported for a series' first
 * `learningWindows` windows, nor `new` for the templates seen in the detector's own first
 * `learningWindows`. A template seen again after being let go for `maxSeries` is new again.
 */
import { show } from '../validate.js'
import type { AnomalyKind } from './analysis-report.js'
import { logLowerTail, logUpperTail } from './poisson.js'

export interface AnomalyOptions {
  /** Window length, in ms: the counts judged are per window. @default 60_000 */
  windowMs?: number
  /** Seasonality period, in ms; 0 for none. @default 86_400_000 (a day) */
  seasonMs?: number
  /** How many slots the season is cut into, each with its own learned mean. @default 48 (half hours of a day) */
  seasonSlots?: number
  /** Series (templates + levels) kept at most; the least recently seen are let go and counted in `evicted`. @default 10_000 */
  maxSeries?: number
  /**
   * Windows a series is only learned, never judged; and windows of the detector during which
   * templates seen for the first time are not reported as `new`. @default 60
   */
  learningWindows?: number
  /**
   * How unlikely a window's count must be, under the series' baseline, to be reported: a Poisson
   * tail probability. Smaller reports less. @default 1e-7
   * @example 1e-8
   */
  threshold?: number
  /**
   * How far from the expectation a count must also be: `factor` times more for a spike or an error
   * ratio, `factor` times less for a drop. @default 2
   */
  factor?: number
}

export interface Anomaly {
  kind: AnomalyKind
  /** For a template's series: its id (as given to observe). Absent for level and error-ratio series. */
  templateId?: string
  /** For a level's series and error-ratio: the level number (50 for error-ratio). */
  level?: number
  /** The window's start (ms since epoch) and length. */
  time: number
  windowMs: number
  /** Expected vs observed in the window: counts; for error-ratio, shares 0..1. */
  expected: number
  observed: number
}

/** pino's error: records at this level or above are errors for the error ratio. */
const ERROR_LEVEL = 50
/** The level's weight per window: about an hour's memory at 1-minute windows. */
const LEVEL_WEIGHT = 1 / 60
/** The weight of a day's pass over a slot in its mean: the mean keeps about three days. */
const PASS_WEIGHT = 1 / 3
/** A pass over a slot is learned when it had at least this many windows (or half of a slot's windows, if fewer). */
const PASS_WINDOWS = 30
/** The share of empty windows' weight per window: regularity is judged over about 100 windows. */
const MISS_WEIGHT = 0.01
/** A series is regular (it can fall silent) when fewer than this share of its windows were empty. */
const REGULAR = 0.02
/** The chance of an empty window never assumed lower than this, however regular a series was. */
const MIN_MISS = 1e-4
/** The variance-to-mean ratio never assumed lower than this (a series with no spread at all). */
const MIN_DISPERSION = 0.01
/** The smallest expectation judged: anything rarer could still come about every other window. */
const MIN_EXPECTED = 0.5
/** Mean absolute deviation × this ≈ standard deviation (exact for a normal distribution). */
const MAD_TO_SD = 1.25
/** A gap longer than this many windows is not judged window by window (a suspended process, a hole in a file). */
const MAX_GAP = 1440

const SPIKE = 1
const DROP = 2
const SILENT = 4

/**
 * The chance of an empty window for counts of this mean and spread (mean absolute deviation): with
 * the variance-to-mean ratio r, exp(mean · ln r / (1 − r)), which is Poisson's exp(−mean) at r = 1,
 * the negative binomial's when counts are burstier (r > 1) and the binomial's when they are more
 * regular (r < 1): a timer that logs twice a minute, r near 0, is almost never empty.
 */
function emptyChance(mean: number, spread: number): number {
  if (mean <= 0) return 1
  const r = Math.max((MAD_TO_SD * spread) ** 2 / mean, MIN_DISPERSION)
  if (Math.abs(r - 1) < 1e-6) return Math.exp(-mean)
  return Math.exp((mean * Math.log(r)) / (1 - r))
}

/** What is known of one series: its window's count and its baseline. */
class Series {
  /** Records in the open window. */
  count = 0
  /** The index of the last window it had a record in: it is moved to the recent end once per window. */
  seen: number
  /** Its neighbours in the list of series, least recently seen first. */
  older: Series | undefined
  newer: Series | undefined
  /** Windows learned. */
  age = 0
  /** The recent level: count per window (per record, for the error ratio). */
  level = 0
  /** Mean absolute deviation of counts from the level, per unit of exposure. */
  spread = 0
  /** Weighted share of empty windows. */
  miss = 0
  /** Empty windows in a row, the log of their chance under the baseline, and `miss` before they began. */
  run = 0
  runChance = 0
  runMiss = 0
  /** SPIKE | DROP | SILENT: what has been reported and is still going on. */
  state = 0
  /** A template first seen after the detector's learning: reported `new` when its window closes. */
  fresh: boolean
  /** The mean per slot of the season, and how many passes over each it has learned (up to 255). */
  readonly profile: Float32Array
  readonly passes: Uint8Array
  /** The open pass over a slot: the sum of its rates and its windows, learned when it ends. */
  passSum = 0
  passWindows = 0

  constructor(
    /** A template's id, or a level's number. */
    readonly key: string | number,
    slots: number,
    seen: number,
    fresh: boolean,
  ) {
    this.seen = seen
    this.older = undefined
    this.newer = undefined
    this.fresh = fresh
    // One buffer for both: a buffer costs about as much as 30 slots.
    const buffer = new ArrayBuffer(slots * 5)
    this.profile = new Float32Array(buffer, 0, slots)
    this.passes = new Uint8Array(buffer, slots * 4, slots)
  }
}

interface Settings {
  windowMs: number
  seasonMs: number
  seasonSlots: number
  maxSeries: number
  learningWindows: number
  threshold: number
  factor: number
}

function settings(options: AnomalyOptions): Settings {
  const fail = (name: string, value: unknown, expected: string): never => {
    throw new RangeError(`ringlog: analytics.anomalies.${name} must be ${expected}; got ${show(value)}`)
  }
  const number = (name: keyof AnomalyOptions, fallback: number, ok: (n: number) => boolean, expected: string): number => {
    const value = options[name] ?? fallback
    return typeof value === 'number' && ok(value) ? value : fail(name, value, expected)
  }
  const integer = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max
  const windowMs = number('windowMs', 60_000, (n) => Number.isFinite(n) && n > 0, 'a positive number of ms')
  return {
    windowMs,
    seasonMs: number('seasonMs', 86_400_000, (n) => n === 0 || (Number.isFinite(n) && n >= windowMs), `0 or a number of ms at least windowMs (${windowMs})`),
    seasonSlots: number('seasonSlots', 48, integer(1, 1024), 'an integer from 1 to 1024'),
    maxSeries: number('maxSeries', 10_000, integer(1, 2 ** 31), 'a positive integer'),
    learningWindows: number('learningWindows', 60, integer(1, 2 ** 31), 'a positive integer'),
    threshold: number('threshold', 1e-7, (n) => n > 0 && n < 1, 'a probability between 0 and 1 (exclusive)'),
    factor: number('factor', 2, (n) => Number.isFinite(n) && n > 1, 'a number greater than 1'),
  }
}

/** What advance() returns when nothing was found: shared, so frozen. */
const NONE = Object.freeze([]) as readonly Anomaly[] as Anomaly[]

export class AnomalyDetector {
  private readonly windowMs: number
  private readonly seasonMs: number
  /** Slots of the season: 0 without one. */
  private readonly slots: number
  private readonly passWindows: number
  private readonly maxSeries: number
  private readonly learningWindows: number
  private readonly logThreshold: number
  private readonly factor: number

  /** Templates' series by id and levels' series by number. */
  private readonly series = new Map<string | number, Series>()
  /**
   * The same series in a list, least recently seen first: eviction takes the first. (A Map's own
   * order would do, but V8 leaves deleted entries at its front until it rehashes, so finding the
   * first after many evictions would cost a scan of them.)
   */
  private oldest: Series | undefined
  private newest: Series | undefined
  /** The error records per record: its `count` is the window's errors, its exposure `total`. */
  private readonly errorRatio: Series
  private total = 0
  /** The open window: [start, end); end is -Infinity until the first record or tick. */
  private start = 0
  private end = -Infinity
  /** Windows closed so far. */
  private closed = 0
  private found: Anomaly[] = []
  /** The seasonal slot of the window last closed (-1 before the first), and it with the slots either side. */
  private slot = -1
  private readonly near = new Int32Array(3)
  /** The expectation judge() last computed, for the report. */
  private expected = 0
  private evictions = 0

  constructor(options: AnomalyOptions = {}) {
    const s = settings(options)
    this.windowMs = s.windowMs
    this.seasonMs = s.seasonMs
    this.slots = s.seasonMs === 0 ? 0 : s.seasonSlots
    this.passWindows = Math.min(PASS_WINDOWS, Math.ceil(s.seasonMs / s.seasonSlots / s.windowMs / 2))
    this.maxSeries = s.maxSeries
    this.learningWindows = s.learningWindows
    this.logThreshold = Math.log(s.threshold)
    this.factor = s.factor
    this.errorRatio = new Series(ERROR_LEVEL, this.slots, 0, false)
  }

  /** Series let go because of maxSeries. */
  get evicted(): number {
    return this.evictions
  }

  get size(): number {
    return this.series.size
  }

  /** One record at `time` (ms), of template `templateId` (undefined: levels only, templates not mined), at `level` (NaN: none). Records older than the open window count in the open window. */
  observe(time: number, templateId: string | undefined, level: number): void {
    if (time >= this.end) this.roll(time)
    this.total++
    if (level >= ERROR_LEVEL) this.errorRatio.count++
    if (templateId !== undefined) this.count(templateId)
    // A record without a level (a plain-text line names none) counts in no level's series.
    if (!Number.isNaN(level)) this.count(level)
  }

  /**
   * Closes every window that ended at or before `now`, judges them, and returns what was
   * anomalous, with what observe() found when a record closed windows. Windows with no records at
   * all are judged too (silence). The empty result is one shared frozen array.
   */
  advance(now: number): Anomaly[] {
    if (now >= this.end) this.roll(now)
    if (this.found.length === 0) return NONE
    const found = this.found
    this.found = []
    return found
  }

  private count(key: string | number): void {
    const series = this.series.get(key)
    if (series === undefined) {
      this.add(key)
    } else {
      if (series.seen !== this.closed) {
        series.seen = this.closed
        this.unlink(series)
        this.append(series)
      }
      series.count++
    }
  }

  private add(key: string | number): void {
    const oldest = this.oldest
    if (this.series.size >= this.maxSeries && oldest !== undefined) {
      this.unlink(oldest)
      this.series.delete(oldest.key)
      this.evictions++
    }
    const fresh = typeof key === 'string' && this.closed >= this.learningWindows
    const series = new Series(key, this.slots, this.closed, fresh)
    series.count = 1
    this.series.set(key, series)
    this.append(series)
  }

  private unlink(series: Series): void {
    if (series.older === undefined) this.oldest = series.newer
    else series.older.newer = series.newer
    if (series.newer === undefined) this.newest = series.older
    else series.newer.older = series.older
    series.older = undefined
    series.newer = undefined
  }

  private append(series: Series): void {
    series.older = this.newest
    if (this.newest === undefined) this.oldest = series
    else this.newest.newer = series
    this.newest = series
  }

  /** Closes the windows that ended at or before `now` (the first call opens the first window). */
  private roll(now: number): void {
    if (!Number.isFinite(now)) return
    const w = this.windowMs
    if (this.end === -Infinity) {
      this.start = Math.floor(now / w) * w
    } else {
      const ended = Math.floor((now - this.start) / w)
      const judged = Math.min(ended, MAX_GAP)
      for (let i = 0; i < judged; i++) {
        this.close()
        this.start += w
      }
      // close() has emptied the counts: the windows skipped are left out.
      if (ended > judged) this.start = Math.floor(now / w) * w
    }
    this.end = this.start + w
  }

  /** Judges the open window of every series and of the error ratio, and learns from it. */
  private close(): void {
    if (this.slots > 0) {
      const slot = Math.floor((this.phase(this.start + this.windowMs / 2) / this.seasonMs) * this.slots)
      if (slot !== this.slot) this.endPass()
      this.slot = slot
      this.near[0] = (this.slot + this.slots - 1) % this.slots
      this.near[1] = this.slot
      this.near[2] = (this.slot + 1) % this.slots
    }
    for (let series = this.oldest; series !== undefined; series = series.newer) {
      const observed = series.count
      series.count = 0
      if (series.fresh) {
        series.fresh = false
        this.report('new', series, 0, observed)
      }
      const kind = this.judge(series, observed, 1, false)
      if (kind !== undefined) this.report(kind, series, this.expected, observed)
    }
    const errors = this.errorRatio.count
    this.errorRatio.count = 0
    if (this.total > 0) {
      const kind = this.judge(this.errorRatio, errors, this.total, true)
      if (kind !== undefined) this.report('error-ratio', this.errorRatio, this.expected / this.total, errors / this.total)
    }
    this.total = 0
    this.closed++
  }

  /** Where `time` is in the season, in ms from its start. */
  private phase(time: number): number {
    return ((time % this.seasonMs) + this.seasonMs) % this.seasonMs
  }

  /**
   * Judges one series' window (`observed` records, for `exposure` records in all: 1 but for the
   * error ratio), learns from it, and returns the kind of anomaly that starts in it, if any.
   */
  private judge(series: Series, observed: number, exposure: number, ratio: boolean): AnomalyKind | undefined {
    // The band: the recent level, and the learned means of this slot and of the slots either side
    // (a daily step that comes a few minutes early or late, or within a slot, is still usual).
    const recent = series.level
    let top = recent
    let bottom = recent
    if (this.slots > 0) {
      for (let i = 0; i < 3; i++) {
        const slot = this.near[i]
        if (series.passes[slot] === 0) continue
        top = Math.max(top, series.profile[slot])
        bottom = Math.min(bottom, series.profile[slot])
      }
    }
    let learned = observed
    let kind: AnomalyKind | undefined
    const judged = series.age >= this.learningWindows
    if (judged) {
      const upper = exposure * top
      const lower = exposure * bottom
      // What the series spreads beyond Poisson noise widens the band (bursty series).
      const excess = Math.max(0, MAD_TO_SD * series.spread * exposure - Math.sqrt(exposure * recent))
      const high = Math.max(upper + excess, MIN_EXPECTED)
      const low = lower - excess
      this.expected = upper
      if (observed >= this.factor * high && logUpperTail(observed, high) < this.logThreshold) {
        learned = this.factor * high
        if ((series.state & SPIKE) === 0) kind = ratio ? 'error-ratio' : 'spike'
        series.state |= SPIKE
      } else if (observed <= high) {
        series.state &= ~SPIKE
      }
      if (!ratio) {
        const lowKind = this.judgeLow(series, observed, lower, low)
        if (kind === undefined && lowKind !== undefined) {
          kind = lowKind
          this.expected = lower
        }
      }
      if ((series.state & (DROP | SILENT)) !== 0) learned = Math.max(observed, low / this.factor)
    }
    this.learn(series, observed, exposure, learned / exposure)
    return kind
  }

  /** A drop, or a regular series' silence (empty windows: told apart from a drop, which still has records). */
  private judgeLow(series: Series, observed: number, lower: number, low: number): AnomalyKind | undefined {
    if (observed > 0) {
      series.run = 0
      series.runChance = 0
      series.state &= ~SILENT
    } else {
      if (series.run === 0) series.runMiss = series.miss
      series.run++
      series.runChance += Math.log(Math.max(emptyChance(lower, series.spread), MIN_MISS))
      if (series.runMiss < REGULAR) {
        if ((series.state & SILENT) === 0 && series.runChance < this.logThreshold) {
          series.state |= SILENT
          return 'silence'
        }
        return undefined
      }
    }
    if (low > 0 && observed <= low / this.factor && logLowerTail(observed, low) < this.logThreshold) {
      const starts = (series.state & DROP) === 0
      series.state |= DROP
      return starts ? 'drop' : undefined
    }
    if (observed >= low) series.state &= ~DROP
    return undefined
  }

  /**
   * Moves the baselines toward the window, fast while young (running means), then with fixed
   * weights. The level and the spread learn `limited` (the rate per unit of exposure, or the
   * threshold it passed), and during an anomaly at a tenth of their weight: an ongoing event takes
   * hours to become the usual. The slot's mean learns what came: what comes at the same time every
   * day is usual the next day, and a one-off event fades from its slot in a few days. The spread
   * is taken from the level, not from the slot's mean: it is the noise from window to window, which
   * a change of level since earlier days must not inflate.
   */
  private learn(series: Series, observed: number, exposure: number, limited: number): void {
    const weight = series.state !== 0 ? LEVEL_WEIGHT / 10 : Math.max(LEVEL_WEIGHT, 1 / (series.age + 1))
    if (series.age > 0) series.spread += weight * (Math.abs(limited - series.level) - series.spread)
    series.level += weight * (limited - series.level)
    series.miss += Math.max(MISS_WEIGHT, 1 / (series.age + 1)) * ((observed === 0 ? 1 : 0) - series.miss)
    series.passSum += observed / exposure
    series.passWindows++
    series.age++
  }

  /**
   * The season has moved to another slot: each series learns its pass over the slot just ended.
   * Learned only now, so that within a slot the band holds what earlier days had in it, not the
   * event going on.
   */
  private endPass(): void {
    for (let series = this.oldest; series !== undefined; series = series.newer) this.learnPass(series)
    this.learnPass(this.errorRatio)
  }

  private learnPass(series: Series): void {
    // A pass seen in part (the detector or the series began during it) is left out.
    if (this.slot >= 0 && series.passWindows >= this.passWindows) {
      const passes = series.passes[this.slot]
      series.profile[this.slot] += Math.max(PASS_WEIGHT, 1 / (passes + 1)) * (series.passSum / series.passWindows - series.profile[this.slot])
      if (passes < 255) series.passes[this.slot] = passes + 1
    }
    series.passSum = 0
    series.passWindows = 0
  }

  private report(kind: AnomalyKind, series: Series, expected: number, observed: number): void {
    const anomaly: Anomaly = { kind, time: this.start, windowMs: this.windowMs, expected, observed }
    if (typeof series.key === 'string') anomaly.templateId = series.key
    else anomaly.level = series.key
    this.found.push(anomaly)
  }
}
