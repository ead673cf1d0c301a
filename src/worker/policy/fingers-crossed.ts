import { parseDuration } from '../../units.js'
import { invalid, optionFields, type Where } from '../../validate.js'

/** "Fingers crossed" as plain data, so that it can cross into the drain worker. */
export interface FingersCrossedConfig {
  /** Records at this level number and below, logged inside a request, are held back. */
  holdUpTo: number
  /** A record at this level number or above writes what its request held back, first. */
  trigger: number
  /** 'context' (the request context's id) or a field path whose value names the request, like 'requestId'. */
  key: string
  /** Records held per request at most: beyond, the oldest are discarded. */
  limit: number
  /** ms after which a held record is discarded. */
  window: number
}

const KEYS = ['hold', 'trigger', 'key', 'limit', 'window']

/**
 * The user's `fingersCrossed` option, checked: `true`, or
 * `{ hold?: 'debug', trigger?: 'error', key?: 'context', limit?: 1000, window?: '1m' }`.
 * @param threshold a level name's number (validated).
 */
export function fingersCrossedOption(where: Where, value: unknown, threshold: (where: Where, level: unknown) => number): FingersCrossedConfig | undefined {
  if (value === undefined || value === false) return undefined
  const fields = optionFields(where, value === true ? {} : value, KEYS, "true, false or an object like { hold: 'debug', trigger: 'error' }")
  const holdUpTo = threshold(`${where}.hold`, fields.hold ?? 'debug')
  const trigger = threshold(`${where}.trigger`, fields.trigger ?? 'error')
  if (trigger <= holdUpTo) invalid(`${where}.trigger`, fields.trigger ?? 'error', `a level above hold (${String(fields.hold ?? 'debug')})`)
  const key = fields.key ?? 'context'
  if (typeof key !== 'string' || key === '') return invalid(`${where}.key`, key, "'context' or a field path, like 'requestId'")
  const limit = fields.limit ?? 1000
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) return invalid(`${where}.limit`, limit, 'a whole number of records, 1 or more')
  const window = fields.window === undefined ? 60_000 : parseDuration(`${where}.window`, fields.window)
  return { holdUpTo, trigger, key, limit, window }
}

/** A held record: a copy of its frame, and its time. */
interface Held {
  frame: Buffer
  time: number
}

/**
 * Holds low-level records per request until the request logs an error (then they are written
 * first, in order) or ends (then they are discarded). A request ends when its context is released,
 * or when its records are older than the window.
 */
export class FingersCrossed {
  private readonly held = new Map<unknown, Held[]>()
  private sweptAt = -Infinity
  /** Records discarded so far. */
  discarded = 0

  constructor(private readonly config: FingersCrossedConfig) {}

  get byContext(): boolean {
    return this.config.key === 'context'
  }

  /** The field path that names a request, unless byContext. */
  get key(): string {
    return this.config.key
  }

  /**
   * Decides for a record of `request` (undefined: outside any request, always written). true: it
   * was held (copied). Otherwise `release` is given what the request held, in order, before the caller writes the record.
   */
  record(request: unknown, level: number, time: number, frame: Buffer, release: (frame: Buffer) => void): boolean {
    this.sweep(time)
    if (request === undefined) return false
    const { config } = this
    if (level <= config.holdUpTo) {
      let held = this.held.get(request)
      if (held === undefined) this.held.set(request, (held = []))
      if (held.length === config.limit) {
        held.shift()
        this.discarded++
      }
      held.push({ frame: Buffer.from(frame), time })
      return true
    }
    if (level >= config.trigger) {
      const held = this.held.get(request)
      if (held !== undefined) {
        this.held.delete(request)
        // The sweep looks only a few times per window: records past it are discarded here too.
        for (const entry of held) {
          if (time - entry.time > config.window) this.discarded++
          else release(entry.frame)
        }
      }
    }
    return false
  }

  /** The request ended: what it held is discarded. */
  end(request: unknown): void {
    const held = this.held.get(request)
    if (held === undefined) return
    this.held.delete(request)
    this.discarded += held.length
  }

  /** At close: nothing held will be asked for. */
  endAll(): void {
    for (const request of [...this.held.keys()]) this.end(request)
  }

  /** Discards records older than the window; looks at most a few times per window. */
  private sweep(time: number): void {
    const { window } = this.config
    if (time - this.sweptAt < window / 4) return
    this.sweptAt = time
    for (const [request, held] of this.held) {
      let stale = 0
      while (stale < held.length && time - held[stale].time > window) stale++
      if (stale === 0) continue
      this.discarded += stale
      if (stale === held.length) this.held.delete(request)
      else held.splice(0, stale)
    }
  }
}
