import { HEADER_BYTES } from '../frame.js'
import type { EventSchema, FieldSchema } from './schema.js'

/**
 * Where each field of an event sits in its frame; both threads compute it from the schema.
 *
 *   24  uint32  event id
 *   28  bytes   presence bits of the optional fields, in declaration order
 *   ..  fixed-size values: 8-byte ones first, then 4, 2 and 1, so each is aligned to its size
 *       (the encoder stores them through typed arrays) and an absent optional value keeps its slot
 *   ..  strings (UTF-8) and json values (msgpack), in declaration order, each after its uint32 length
 */
export const OFFSET_EVENT_ID = HEADER_BYTES
export const OFFSET_PRESENCE = HEADER_BYTES + 4

export interface FieldSlot {
  readonly field: FieldSchema
  /** Its index among the fields, which is the order they are written out in. */
  readonly index: number
  /** Fixed-size values: the offset in the frame; variable ones: -1. */
  readonly offset: number
  /** 8, 4, 2 or 1 for fixed-size values; 0 for strings and json. */
  readonly width: number
  /** Optional fields: the bit number in the presence bits; else -1. */
  readonly presence: number
}

export interface EventLayout {
  /** In declaration order. */
  readonly slots: readonly FieldSlot[]
  /** Where the variable-size values start. */
  readonly fixedEnd: number
  /** Variable-size slots, in the order they are written. */
  readonly variable: readonly FieldSlot[]
}

export function widthOf(field: FieldSchema): number {
  switch (field.type) {
    case 'f64': case 'int': case 'timestamp': return 8
    case 'u32': case 'i32': return 4
    case 'u16': case 'i16': return 2
    case 'u8': case 'i8': case 'bool': return 1
    case 'enum': return field.values!.length <= 0x100 ? 1 : 2
    case 'string': case 'json': return 0
  }
}

export function layoutOf(schema: EventSchema): EventLayout {
  let optional = 0
  const presence = schema.fields.map((field) => (field.optional ? optional++ : -1))
  let offset = align(OFFSET_PRESENCE + Math.ceil(optional / 8), 8)
  const offsets = new Map<number, number>()
  for (const width of [8, 4, 2, 1]) {
    schema.fields.forEach((field, index) => {
      if (widthOf(field) !== width) return
      offsets.set(index, offset)
      offset += width
    })
  }
  const slots = schema.fields.map((field, index) => ({
    field, index, offset: offsets.get(index) ?? -1, width: widthOf(field), presence: presence[index],
  }))
  return { slots, fixedEnd: offset, variable: slots.filter((slot) => slot.width === 0) }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to
}
