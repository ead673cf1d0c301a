import type { Serializer } from './config.js'
import { safeGet, serializeError } from './serialize.js'

/**
 * What happens to a record's fields (and a child's bindings, and a context) on the calling thread
 * before they are encoded: a serializer given for a key replaces its value; an Error at the top
 * level is written in full (type, message, stack, own fields, cause chain). Never throws.
 */
export class FieldPreparer {
  private readonly serializers: ReadonlyMap<string, Serializer> | undefined

  constructor(serializers: Readonly<Record<string, Serializer>> | undefined) {
    this.serializers = serializers === undefined ? undefined : new Map(Object.entries(serializers))
  }

  /** `fields` itself when nothing changes (the common case, no copy), else a copy with the new values. */
  prepare(fields: object): object {
    try {
      for (const key in fields) {
        const value = (fields as Record<string, unknown>)[key]
        if ((this.serializers?.has(key) || value instanceof Error) && Object.hasOwn(fields, key)) return this.copy(fields)
      }
    } catch {
      // A getter threw: the copy reads each value on its own.
      return this.copy(fields)
    }
    return fields
  }

  private copy(fields: object): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(fields)) {
      const value = safeGet(fields, key)
      const serializer = this.serializers?.get(key)
      out[key] = serializer !== undefined ? serialize(serializer, value) : value instanceof Error ? serializeError(value) : value
    }
    return out
  }
}

function serialize(serializer: Serializer, value: unknown): unknown {
  try {
    return (serializer as (value: unknown) => unknown)(value)
  } catch (error) {
    return `[serializer threw: ${error instanceof Error ? error.message : String(error)}]`
  }
}
