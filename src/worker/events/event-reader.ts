import { EVENT_KEY, VERSION_KEY, type EventSchema, type FieldSchema } from '../../events/schema.js'
import { layoutOf, OFFSET_PRESENCE, type FieldSlot } from '../../events/layout.js'
import type { PlainDecoder } from '../format/plain-decoder.js'
import { truncateString, type Limits, type PlainObject } from '../format/values.js'

/** An event frame's fields as plain data: `{ event, v, ...fields }`, what a log.info record of them decodes to. */
export type EventDecode = (src: Buffer, frame: number) => PlainObject

/** A json field's msgpack bytes, left undecoded (`compileDecode` with `rawJson`). */
export class RawMsgpack {
  constructor(readonly bytes: Uint8Array) {}
}

/** How a fixed-size value is read, as an expression of `src` and `frame`. */
function readFixed(slot: FieldSlot): string {
  const at = `frame + ${slot.offset}`
  switch (slot.field.type) {
    case 'u8': return `src[${at}]`
    case 'i8': return `src.readInt8(${at})`
    case 'u16': return `src.readUInt16LE(${at})`
    case 'i16': return `src.readInt16LE(${at})`
    case 'u32': return `src.readUInt32LE(${at})`
    case 'i32': return `src.readInt32LE(${at})`
    case 'f64': case 'int': case 'timestamp': return `src.readDoubleLE(${at})`
    case 'bool': return `src[${at}] !== 0`
    case 'enum': return slot.width === 1 ? `src[${at}]` : `src.readUInt16LE(${at})`
    case 'string': case 'json': throw new Error(`${slot.field.type} has no fixed size`)
  }
}

/**
 * Generates the code that visits an event frame's fields in declaration order: `fixed(slot, read)`
 * and `variable(slot, start, end)` give the statements for one present value; absent optional
 * values are skipped. The variable-size values are walked with `p`.
 */
export function visitFields(schema: EventSchema, fixed: (slot: FieldSlot, read: string) => string, variable: (slot: FieldSlot, start: string, end: string) => string): string {
  const layout = layoutOf(schema)
  const lines = [`let p = frame + ${layout.fixedEnd}, n = 0`]
  for (const slot of layout.slots) {
    let body: string
    if (slot.width === 0) {
      body = `n = src.readUInt32LE(p); ${variable(slot, 'p + 4', 'p + 4 + n')}; p += 4 + n`
    } else {
      body = fixed(slot, readFixed(slot))
    }
    lines.push(slot.presence < 0 ? body : `if (src[frame + ${OFFSET_PRESENCE + (slot.presence >> 3)}] & ${1 << (slot.presence & 7)}) { ${body} }`)
  }
  return lines.join('\n  ')
}

/**
 * Compiles the decoder of one event for a format with these limits: strings cut as PlainDecoder
 * cuts them, timestamps as a Date's ISO string (or kept as Dates, for data encoded again), json
 * values through PlainDecoder, or (`rawJson`, for data encoded again) as their bytes in a RawMsgpack.
 */
export function compileDecode(schema: EventSchema, decoder: PlainDecoder, limits: Limits, keepDates: boolean, rawJson = false): EventDecode {
  const constants: unknown[] = []
  const constant = (value: unknown): string => `k[${constants.push(value) - 1}]`
  const key = (field: FieldSchema): string => JSON.stringify(field.name)
  const enumValues = (field: FieldSchema): string => constant(field.values!.map((value) => truncateString(value, limits.maxStringLength)))
  const body = visitFields(
    schema,
    (slot, read) => {
      const { field } = slot
      if (field.type === 'enum') return `out[${key(field)}] = ${enumValues(field)}[${read}]`
      if (field.type === 'timestamp') return `out[${key(field)}] = date(${read})`
      return `out[${key(field)}] = ${read}`
    },
    (slot, start, end) => {
      if (slot.field.type === 'string') return `out[${key(slot.field)}] = cut(src.utf8Slice(${start}, ${end}), ${limits.maxStringLength})`
      if (rawJson) return `out[${key(slot.field)}] = raw(src.subarray(${start}, ${end}))`
      // A value msgpackr writes as undefined (a function) is left out, as in a record's map.
      return `{ const value = decoder.value(src, ${start}, 1); if (value !== undefined) out[${key(slot.field)}] = value }`
    },
  )
  const code = `
  const out = Object.create(null)
  out[${JSON.stringify(EVENT_KEY)}] = ${constant(truncateString(schema.name, limits.maxStringLength))}
  out[${JSON.stringify(VERSION_KEY)}] = ${schema.version}
  ${body}
  return out`
  const date = keepDates
    ? (ms: number): Date => new Date(ms)
    : (ms: number): string | null => (Number.isNaN(new Date(ms).getTime()) ? null : new Date(ms).toISOString())
  const raw = (bytes: Uint8Array): RawMsgpack => new RawMsgpack(bytes)
  const make = new Function('k', 'decoder', 'date', 'cut', 'raw', `return function decode_${schema.id}(src, frame) {${code}\n}`)
  return make(constants, decoder, date, truncateString, raw) as EventDecode
}
