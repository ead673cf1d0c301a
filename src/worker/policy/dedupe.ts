import { parseDuration } from '../../units.js'
import { invalid, type Where } from '../../validate.js'

/** Collapsing identical consecutive records, as plain data, so that it can cross into the drain worker. */
export interface DedupeConfig {
  /** ms from the first record of a run during which the same record again is skipped. */
  window: number
}

const DEFAULT_WINDOW = 60_000

/** The user's `dedupe` option, checked: `true` (a 60 s window), `false`, or `{ window: '10s' }`. */
export function dedupeOption(where: Where, value: unknown): DedupeConfig | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return { window: DEFAULT_WINDOW }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, "true, false or an object like { window: '10s' }")
  const fields = value as Record<string, unknown>
  for (const key of Object.keys(fields)) if (key !== 'window') invalid(`${where}.${key}`, fields[key], 'window (no other dedupe option)')
  return { window: fields.window === undefined ? DEFAULT_WINDOW : parseDuration(`${where}.window`, fields.window) }
}

export class Deduper {
  private readonly window: number
  private last: Buffer | string | undefined
  private lastLevel = 0
  private runStart = 0
  /** Repeats of the current run. */
  private repeats = 0
  /** Repeats of runs that ended and were not reported yet. */
  private ended = 0
  /** Records skipped in total so far. */
  deduplicated = 0

  constructor(config: DedupeConfig) {
    this.window = config.window
  }

  /**
   * `identity` and `level` are equal for records that differ only in their time. 'skip': the same
   * as the previous record, within the window from the first of the run; 'write': anything else.
   */
  see(identity: Buffer | string, time: number, level = 0): 'write' | 'skip' {
    if (this.last !== undefined && level === this.lastLevel && same(identity, this.last) && time < this.runStart + this.window) {
      this.repeats++
      this.deduplicated++
      return 'skip'
    }
    this.ended += this.repeats
    this.repeats = 0
    // Copied: the caller's buffer is usually a view of memory it reuses for the next record.
    this.last = typeof identity === 'string' ? identity : Buffer.from(identity)
    this.lastLevel = level
    this.runStart = time
    return 'write'
  }

  /**
   * After see() returned 'write': how many times the previous record was repeated (0 when it was
   * not), to write before this one; at close, the last run's. Then reset.
   */
  takeRepeated(): number {
    const count = this.ended + this.repeats
    this.ended = 0
    this.repeats = 0
    return count
  }
}

function same(a: Buffer | string, b: Buffer | string): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.equals(b)
}
