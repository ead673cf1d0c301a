import { Packr } from 'msgpackr'
import type { EventSchema } from '../../events/schema.js'
import { OFFSET_EVENT_ID } from '../../events/layout.js'
import { HEADER_BYTES, KIND_RECORD, OFFSET_KIND, payloadEnd } from '../../frame.js'
import { PlainDecoder } from '../format/plain-decoder.js'
import { Output } from '../output.js'
import { WHOLE } from '../policy/record-view.js'
import { compileDecode, RawMsgpack, type EventDecode } from './event-reader.js'

/**
 * Declared events as the record frames log.info would have written, for the record policy, whose
 * stages (filters, dedupe, redaction...) read and rewrite record frames. Used only when a policy
 * stage or a sink filter is configured; the formats read event frames directly.
 */
export class EventRecords {
  private readonly decoder = new PlainDecoder(WHOLE, true)
  private readonly events = new Map<number, { message: string | undefined; decode: EventDecode }>()
  // As the calling thread packs fields: plain maps, Sets, Errors and typed arrays tagged.
  private readonly packr = new Packr({ useRecords: false, moreTypes: true })
  private readonly out = new Output(1 << 12)

  define(schema: EventSchema): void {
    // Dates stay Dates and json values stay the bytes the calling thread packed: the record carries what log.info's would.
    if (!this.events.has(schema.id)) this.events.set(schema.id, { message: schema.message, decode: compileDecode(schema, this.decoder, WHOLE, true, true) })
  }

  /** The event frame at src[offset, offset + length) as a record frame (its number kept), in `buffer`; returns its length. */
  record(src: Buffer, offset: number, length: number): number {
    const id = src.readUInt32LE(offset + OFFSET_EVENT_ID)
    const event = this.events.get(id)
    if (event === undefined) throw new Error(`event ${id} arrived without its definition`)
    const fields = event.decode(src, offset)
    const out = this.out
    out.pos = 0
    out.bytes(src, offset, offset + HEADER_BYTES)
    out.buf[OFFSET_KIND] = KIND_RECORD
    this.pack(event.message ?? null)
    const keys = Object.keys(fields)
    if (keys.length < 16) {
      out.byte(0x80 | keys.length)
    } else {
      out.byte(0xde)
      out.byte(keys.length >>> 8)
      out.byte(keys.length & 0xff)
    }
    for (const key of keys) {
      this.pack(key)
      const value: unknown = fields[key]
      if (value instanceof RawMsgpack) out.bytes(value.bytes, 0, value.bytes.length)
      else this.pack(value)
    }
    out.bytes(src, payloadEnd(src, offset, length), offset + length)
    out.buf.writeInt32LE(out.pos, 0)
    return out.pos
  }

  get buffer(): Buffer {
    return this.out.buf
  }

  private pack(value: unknown): void {
    const packed = this.packr.pack(value)
    this.out.bytes(packed, 0, packed.length)
  }
}
