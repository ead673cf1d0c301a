import { describe, toPlain, type Budget } from './serialize.js'

/** maxRecordValues' default: a record of 10,000 values packs in well under a millisecond here (bench/RESULTS.md). */
export const MAX_RECORD_VALUES = 10_000
/** maxRecordSize's default, 1 MiB. */
export const MAX_RECORD_SIZE = 1 << 20

/**
 * Keeps one log call bounded in time. msgpackr walks every value it is given: a sparse array of
 * length 2^32-1 held the calling thread for more than 30 s, an object of 70,000 keys for tens of
 * milliseconds. A walk that allocates nothing checks what is packed against the limits first;
 * only what does not fit is copied, cut where the budget runs out (src/serialize.ts toPlain).
 */
export class RecordBounds {
  /** What the walk may still see; spent as it goes. */
  private values = 0
  private size = 0

  /**
   * @param maxValues keys, array items and Map or Set entries, at every depth (maxRecordValues)
   * @param maxSize characters of strings and keys, bytes of binary data (maxRecordSize)
   * @param maxDepth levels the copy keeps; the walk gives up on anything deeper (a cycle, say)
   */
  constructor(readonly maxValues: number, readonly maxSize: number, private readonly maxDepth: number) {}

  /**
   * `value` itself when it is within the limits (the common case, no copy), else a copy that is.
   * Never throws. `depth`: 0 for a record's fields, 1 for one field's value.
   */
  bound(value: unknown, depth = 0): unknown {
    this.values = this.maxValues
    this.size = this.maxSize
    try {
      if (this.fits(value, depth)) return value
    } catch {
      // A getter or a Proxy trap threw: the copy reads each value on its own.
    }
    return this.copy(value, depth)
  }

  /** What one record may hold, to be spent by a copy. */
  budget(): Budget {
    return { values: this.maxValues, size: this.maxSize }
  }

  /** A copy within the limits, with what could not be kept said in its place. */
  copy(value: unknown, depth = 0): unknown {
    try {
      return toPlain(value, new Set(), depth, this.maxDepth + 1, this.budget())
    } catch (error) {
      return `[unreadable: ${describe(error)}]`
    }
  }

  private fits(value: unknown, depth: number): boolean {
    if (typeof value === 'string') return (this.size -= value.length) >= 0
    if (typeof value !== 'object' || value === null) return true
    if (depth > this.maxDepth || --this.values < 0) return false
    // msgpackr packs arrays and objects whose constructor is Object as they are: one whose toJSON()
    // JSON.stringify would write instead (own or inherited) is copied, toJSON() applied. A plain
    // object's own toJSON is seen among its keys (fitsKeys): looked up on every object, a missing
    // toJSON measured 5-10% of a nested record's time.
    if (Array.isArray(value)) {
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
      if ((this.values -= value.length) < 0) return false
      for (let i = 0; i < value.length; i++) if (!this.fits(value[i], depth + 1)) return false
      return true
    }
    const prototype: unknown = Object.getPrototypeOf(value)
    if (prototype === Object.prototype || prototype === null) return this.fitsKeys(value, depth)
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return (this.size -= value.byteLength) >= 0
    if (value instanceof Date) return true
    if (value instanceof RegExp) return (this.size -= value.source.length) >= 0
    if (value instanceof Map) {
      if ((this.values -= value.size) < 0) return false
      for (const [key, item] of value) if (!this.fits(key, depth + 1) || !this.fits(item, depth + 1)) return false
      return true
    }
    if (value instanceof Set) {
      if ((this.values -= value.size) < 0) return false
      for (const item of value) if (!this.fits(item, depth + 1)) return false
      return true
    }
    if (value instanceof Error) {
      // What msgpackr packs of an Error: its name, message, cause and errors.
      const { name, message, cause } = value as Error & { cause?: unknown }
      return this.fits(name, depth + 1) && this.fits(message, depth + 1) && this.fits(cause, depth + 1) &&
        (!(value instanceof AggregateError) || this.fits(value.errors, depth + 1))
    }
    // msgpackr packs what toJSON() returns (a URL's href), else a class instance's keys.
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return value.constructor !== Object && this.fits(toJSON.call(value), depth)
    return this.fitsKeys(value, depth)
  }

  private fitsKeys(value: object, depth: number): boolean {
    for (const key in value) {
      if (--this.values < 0 || (this.size -= key.length) < 0 || key === 'toJSON') return false
      if (!this.fits((value as Record<string, unknown>)[key], depth + 1)) return false
    }
    return true
  }
}

/** A record's fields stay a map: a bounded value that is not an object (a marker) is said in one. */
export function asFields(value: unknown): object {
  return typeof value === 'object' && value !== null ? value : { serializeError: value }
}
