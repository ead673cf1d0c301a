import type { FrameEncoder } from '../encode.js'
import { KIND_EVENT } from '../frame.js'
import { shared } from '../shared.js'
import { show } from '../validate.js'
import { layoutOf, OFFSET_EVENT_ID, OFFSET_PRESENCE, type FieldSlot } from './layout.js'
import { describeType, type EventSchema } from './schema.js'

/**
 * Writes one event's frame into the encoder's scratch buffer and returns its length, or, when a
 * value does not fit its field's type, `-1 - index` of that field, having written nothing.
 * `prepare` gives a json field's value as log.info would write it (serializers, Errors).
 */
export type EventEncoder = (
  encoder: FrameEncoder, values: object, time: number, bindingsId: number, contextId: number,
  prepare: (key: string, value: unknown) => unknown,
) => number

/** How each type is checked: a condition that holds for a good value. No conversion is tried: a getter or valueOf must not run. */
const CHECKS: Record<string, (x: string) => string> = {
  u8: (x) => `typeof ${x} === 'number' && (${x} & 0xff) === ${x}`,
  u16: (x) => `typeof ${x} === 'number' && (${x} & 0xffff) === ${x}`,
  u32: (x) => `typeof ${x} === 'number' && (${x} >>> 0) === ${x}`,
  i8: (x) => `typeof ${x} === 'number' && ((${x} << 24) >> 24) === ${x}`,
  i16: (x) => `typeof ${x} === 'number' && ((${x} << 16) >> 16) === ${x}`,
  i32: (x) => `typeof ${x} === 'number' && (${x} | 0) === ${x}`,
  int: (x) => `Number.isSafeInteger(${x})`,
  f64: (x) => `typeof ${x} === 'number'`,
  bool: (x) => `typeof ${x} === 'boolean'`,
  string: (x) => `typeof ${x} === 'string'`,
}

const compiled = shared('event-encoders', (): EventEncoder[] => [])

/** The compiled encoder of an event, compiled once per process. */
export function encoderOf(schema: EventSchema): EventEncoder {
  return (compiled[schema.id] ??= compileEncoder(schema))
}

/**
 * Compiles the encoder of one event: straight-line code that reads each declared field once, checks
 * it, then stores header, id, presence bits and values at offsets fixed by the layout. No key names,
 * no message text, no walk over the object.
 */
function compileEncoder(schema: EventSchema): EventEncoder {
  const layout = layoutOf(schema)
  const enums: Map<string, number>[] = []
  const read: string[] = []
  const store: string[] = []
  const presenceBytes = Math.ceil(layout.slots.filter((slot) => slot.presence >= 0).length / 8)
  for (let b = 0; b < presenceBytes; b++) read.push(`let bits${b} = 0`)
  for (const slot of layout.slots) {
    const { index: i, field } = slot
    const x = `x${i}`
    const fail = `return ${-1 - i}`
    read.push(`let ${x} = v[${JSON.stringify(field.name)}]`)
    const check: string[] = []
    if (field.type === 'enum') {
      enums.push(new Map(field.values!.map((value, n) => [value, n])))
      check.push(`${x} = enums[${enums.length - 1}].get(${x}); if (${x} === undefined) ${fail}`)
    } else if (field.type === 'timestamp') {
      check.push(`if (${x} instanceof Date) ${x} = ${x}.getTime(); else if (typeof ${x} !== 'number') ${fail}`)
    } else if (field.type === 'json') {
      // A function or a symbol is not data: a record leaves it out, which a required field must not be.
      if (!field.optional) check.push(`if (typeof ${x} === 'function' || typeof ${x} === 'symbol') ${fail}`)
      check.push(`${x} = e.packed(prepare(${JSON.stringify(field.name)}, ${x})); size += ${x}.length`)
    } else {
      check.push(`if (!(${CHECKS[field.type](x)})) ${fail}`)
      // Three bytes a character at most; a long string is measured, so the reserve stays within what a buffer can hold.
      if (field.type === 'string') check.push(`size += ${x}.length > 0x10000 ? Buffer.byteLength(${x}) : ${x}.length * 3`)
    }
    if (slot.width === 0) check.push('size += 4')
    if (slot.presence >= 0) {
      read.push(`if (${x} !== undefined) { bits${slot.presence >> 3} |= ${1 << (slot.presence & 7)}; ${check.join('; ')} }`)
    } else {
      read.push(`if (${x} === undefined) ${fail}`, ...check)
    }
    store.push(storeValue(slot, x))
  }
  const code = `
    let size = ${layout.fixedEnd}
    ${read.join('\n    ')}
    e.ensure(size)
    const buf = e.buffer, f = e.floats, w = e.ints, h = e.shorts
    e.header(${KIND_EVENT}, ${schema.level}, time, bindingsId, contextId)
    w[${OFFSET_EVENT_ID / 4}] = ${schema.id}
    ${Array.from({ length: presenceBytes }, (_, b) => `buf[${OFFSET_PRESENCE + b}] = bits${b}`).join('\n    ')}
    let p = ${layout.fixedEnd}, n = 0
    ${store.join('\n    ')}
    w[0] = p
    return p`
  const make = new Function('enums', 'writeString', `return function encode_${schema.id}(e, v, time, bindingsId, contextId, prepare) {${code}\n}`)
  return make(enums, writeString) as EventEncoder
}

/** The encoder's view a fixed-size value is stored through, by its width (names in the generated code). */
const VIEWS: Record<number, string> = { 8: 'f', 4: 'w', 2: 'h', 1: 'buf' }

/** The statement that stores slot's value `x` (already checked) into the frame. */
function storeValue(slot: FieldSlot, x: string): string {
  const { offset, field } = slot
  const optional = slot.presence >= 0
  if (slot.width > 0) {
    const value = field.type === 'bool' ? `(${x} ? 1 : 0)` : x
    // An absent optional value's slot is zeroed: the scratch buffer holds the previous frame.
    return `${VIEWS[slot.width]}[${offset / slot.width}] = ${optional ? `${x} === undefined ? 0 : ${value}` : value}`
  }
  const write = field.type === 'string'
    ? `n = writeString(buf, ${x}, p + 4)`
    : `n = ${x}.length; buf.set(${x}, p + 4)`
  const body = `${write}; buf[p] = n; buf[p + 1] = n >>> 8; buf[p + 2] = n >>> 16; buf[p + 3] = n >>> 24; p += 4 + n`
  return optional ? `if (${x} !== undefined) { ${body} }` : body
}

/** Strings up to this long are tried as ASCII by hand first: the native UTF-8 write costs more than the loop. */
const ASCII_BY_HAND = 64

/** Writes `s` as UTF-8 at `at` (room for 3 bytes a character is there) and returns the bytes written. */
function writeString(buf: Buffer, s: string, at: number): number {
  const n = s.length
  if (n <= ASCII_BY_HAND) {
    let i = 0
    for (; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) break
      buf[at + i] = c
    }
    if (i === n) return n
  }
  return buf.utf8Write(s, at)
}

/** The error a values argument that is not an object gets. */
export function invalidValues(schema: EventSchema, values: unknown): TypeError {
  return new TypeError(`ringlog: event ${schema.name} v${schema.version}: expects an object of fields; got ${show(values)}`)
}

/** The error a value that does not fit its field gets: the event, the field, the type expected, the value. */
export function invalidValue(schema: EventSchema, index: number, values: object): TypeError {
  const field = schema.fields[index]
  const value = (values as Record<string, unknown>)[field.name]
  const got = value === undefined ? 'nothing (the field is required)' : `${show(value)} (${value === null ? 'null' : typeof value})`
  return new TypeError(`ringlog: event ${schema.name} v${schema.version}: field ${field.name} expects ${describeType(field)}; got ${got}`)
}
