import type { Serializer } from './config.js'
import { serializeError } from './serialize.js'

/**
 * What happens to a record's fields on the calling thread before they are encoded: a serializer
 * given for a key replaces its value; an Error at the top level is written in full (type, message,
 * stack, own fields, cause chain). Copies the object only when a value changes. Never throws.
 */
export class FieldPreparer {
  private readonly serializers: ReadonlyMap<string, Serializer> | undefined

  constructor(serializers: Readonly<Record<string, Serializer>> | undefined) {
    this.serializers = serializers === undefined ? undefined : new Map(Object.entries(serializers))
  }

  prepare(fields: object): object {
    let out: Record<string, unknown> | undefined
    try {
      for (const key in fields) {
        const value = (fields as Record<string, unknown>)[key]
        const serializer = this.serializers?.get(key)
        let next = value
        if (serializer !== undefined) next = serialize(serializer, value)
        else if (value instanceof Error) next = serializeError(value)
        if (next !== value) (out ??= { ...fields })[key] = next
      }
    } catch {
      // A getter threw: the encoder's fallback writes what can be read.
      return out ?? fields
    }
    return out ?? fields
  }
}

function serialize(serializer: Serializer, value: unknown): unknown {
  try {
    return (serializer as (value: unknown) => unknown)(value)
  } catch (error) {
    return `[serializer threw: ${error instanceof Error ? error.message : String(error)}]`
  }
}
