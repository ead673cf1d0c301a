import type { Serializer } from './config.js'
import { asFields, type RecordBounds } from './record-bounds.js'
import { describe, isError, safeGet, serializeError } from './serialize.js'

/**
 * What happens to a record's fields (and a child's bindings, and a context) on the calling thread
 * before they are encoded: a serializer given for a key replaces its value; an Error at the top
 * level is written in full (type, message, stack, own fields, cause chain); what is beyond the
 * record limits is cut. Never throws.
 */
export class FieldPreparer {
  private readonly serializers: ReadonlyMap<string, Serializer> | undefined
  // The limits held here: read through the bounds on every record, they measured 20-40 ns a call slower.
  private readonly maxValues: number
  private readonly maxSize: number

  constructor(serializers: Readonly<Record<string, Serializer>> | undefined, private readonly bounds: RecordBounds) {
    this.serializers = serializers === undefined ? undefined : new Map(Object.entries(serializers))
    this.maxValues = bounds.maxValues
    this.maxSize = bounds.maxSize
  }

  /** One key's value as it is logged: its serializer's result, an Error in full, or the value itself. */
  value(key: string, value: unknown): unknown {
    const serializer = this.serializers?.get(key)
    return serializer !== undefined ? serialize(serializer, value) : value instanceof Error ? serializeError(value, new Set(), this.bounds.budget()) : value
  }

  /** A preparer with `more` serializers over these (a child's own). */
  withSerializers(more: Readonly<Record<string, Serializer>>): FieldPreparer {
    return new FieldPreparer({ ...Object.fromEntries(this.serializers ?? []), ...more }, this.bounds)
  }

  /** Whether a serializer is given for this key. */
  serializes(key: string): boolean {
    return this.serializers?.has(key) ?? false
  }

  /**
   * `fields` itself when nothing changes (the common case, no copy), else a copy with the new
   * values; either within the record limits (src/record-bounds.ts). An Error is `{ err }`. A plain object of numbers,
   * booleans and strings is measured against them in this same loop: a walk of its own cost a
   * tenth of a record's encoding. The loop is kept small: inlined into every log call, its
   * bytecode counts against V8's inlining budget, and at twice this size the ring's write was no
   * longer inlined (4-5% slower a call).
   */
  prepare(fields: object): object {
    let values = this.maxValues
    let size = this.maxSize
    try {
      for (const key in fields) {
        const value = (fields as Record<string, unknown>)[key]
        if (typeof value === 'string') size -= value.length
        // A function is left out, unless it is a toJSON() that JSON.stringify would call (src/record-bounds.ts).
        else if ((typeof value === 'object' && value !== null) || typeof value === 'function') return this.prepareNested(fields)
        if (this.serializers?.has(key) || --values === 0) return this.prepareNested(fields)
        size -= key.length
      }
      if (size >= 0 && Object.getPrototypeOf(fields) === Object.prototype) return fields
    } catch {
      // A getter threw: the copy reads each value on its own.
      return this.prepareNested(fields)
    }
    // Not a plain object: it may be an Error given as the fields, written as `err`.
    return isError(fields) ? this.prepare({ err: fields }) : this.bound(fields)
  }

  /** prepare() of fields holding an object, a key with a serializer, or too many keys; or of an Error. */
  private prepareNested(fields: object): object {
    if (isError(fields)) return this.prepare({ err: fields })
    try {
      for (const key in fields) {
        if ((this.serializers?.has(key) || (fields as Record<string, unknown>)[key] instanceof Error) && Object.hasOwn(fields, key)) return this.bound(this.copy(fields))
      }
    } catch {
      return this.bound(this.copy(fields))
    }
    return this.bound(fields)
  }

  /** `fields` within the record limits. */
  private bound(fields: object): object {
    return asFields(this.bounds.bound(fields))
  }

  /**
   * A plain copy with the new values, or `fields` itself when even its keys cannot be read (a
   * Proxy whose trap throws): the encoder's fallback writes what it can of that.
   */
  private copy(fields: object): object {
    const out: Record<string, unknown> = {}
    try {
      for (const key of Object.keys(fields)) {
        out[key] = this.value(key, safeGet(fields, key))
      }
    } catch {
      return fields
    }
    return out
  }

  /** `fields` as an object of its own, never throwing: for a child's bindings, which are merged with its parent's. */
  ownCopy(fields: object): Record<string, unknown> {
    const prepared = this.prepare(fields)
    try {
      return { ...prepared }
    } catch (error) {
      return { serializeError: describe(error) }
    }
  }
}

function serialize(serializer: Serializer, value: unknown): unknown {
  try {
    return (serializer as (value: unknown) => unknown)(value)
  } catch (error) {
    return `[serializer threw: ${describe(error)}]`
  }
}
