import { Packr } from 'msgpackr'
import { EVENT_KEY, VERSION_KEY, type EventSchema } from '../../events/schema.js'
import { isUndefinedAt, mapSize, mapStart } from '../format/msgpack.js'
import type { JsonWriter } from '../format/msgpack-json.js'
import type { ReservedKeys } from '../format/reserved-keys.js'
import type { Output } from '../output.js'
import { visitFields } from './event-reader.js'

/** Writes an event frame's members, `,"event":…,"v":…,"field":value…`, into the output. */
export type EventJson = (out: Output, writer: JsonWriter, src: Buffer, frame: number) => void

const packr = new Packr({ useRecords: false })

/**
 * Compiles the JSON writer of one event. Everything known from the schema (keys, the event's name
 * and version, enum values, true and false) is rendered once by the format's own writer, so the
 * bytes are those a log.info record of the same fields gives, limits included; per record only
 * the values are read and written.
 */
export function compileJson(schema: EventSchema, render: (write: () => void) => Buffer, writer: JsonWriter, reserved: ReservedKeys): EventJson {
  const constants: unknown[] = []
  const constant = (value: unknown): string => `k[${constants.push(value) - 1}]`
  /** `,"key":` followed by the JSON of `value`, as the writer writes that map entry. */
  const entry = (entries: Record<string, unknown>): Buffer => render(() => {
    const packed = packr.pack(entries)
    writer.mapEntries(packed, mapStart(packed, 0), mapSize(packed, 0), 1, reserved)
  })
  const keyOf = (name: string): string => {
    const bytes = entry({ [name]: null })
    return constant(bytes.subarray(0, bytes.length - 'null'.length))
  }
  const put = (buffer: string): string => `out.bytes(${buffer}, 0, ${buffer}.length)`
  const head = constant(entry({ [EVENT_KEY]: schema.name, [VERSION_KEY]: schema.version }))
  const body = visitFields(
    schema,
    (slot, read) => {
      const { field } = slot
      switch (field.type) {
        case 'bool': {
          const [yes, no] = [constant(entry({ [field.name]: true })), constant(entry({ [field.name]: false }))]
          return `{ const b = ${read} ? ${yes} : ${no}; ${put('b')} }`
        }
        case 'enum': {
          const values = constant(field.values!.map((value) => entry({ [field.name]: value })))
          return `{ const b = ${values}[${read}]; ${put('b')} }`
        }
        case 'timestamp':
          return `${put(keyOf(field.name))}; out.utf8(isoJson(${read}))`
        default:
          return `${put(keyOf(field.name))}; out.number(${read})`
      }
    },
    (slot, start, end) => slot.field.type === 'string'
      ? `${put(keyOf(slot.field.name))}; writer.string(src, ${start}, ${end})`
      // A value msgpackr writes as undefined (a function) is left out, as in a record's map.
      : `if (!undefinedAt(src, ${start})) { ${put(keyOf(slot.field.name))}; writer.value(src, ${start}, 1) }`,
  )
  const code = `
  ${put(head)}
  ${body}`
  const make = new Function('k', 'isoJson', 'undefinedAt', `return function json_${schema.id}(out, writer, src, frame) {${code}\n}`)
  return make(constants, isoJson, isUndefinedAt) as EventJson
}

/** A timestamp as a Date in a record is written: its ISO string, or null for an invalid one. */
function isoJson(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? 'null' : `"${date.toISOString()}"`
}
