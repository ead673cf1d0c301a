import { FrameEncoder } from '../../encode.js'
import type { EventSchema } from '../../events/schema.js'
import { OFFSET_EVENT_ID } from '../../events/layout.js'
import { OFFSET_BINDINGS, OFFSET_CONTEXT, OFFSET_LEVEL, OFFSET_TIME } from '../../frame.js'
import { PlainDecoder } from '../format/plain-decoder.js'
import { WHOLE } from '../policy/record-view.js'
import { compileDecode, type EventDecode } from './event-reader.js'

/**
 * Declared events as the record frames log.info would have written, for the record policy, whose
 * stages (filters, dedupe, redaction...) read and rewrite record frames. Used only when a policy
 * stage or a sink filter is configured; the formats read event frames directly.
 */
export class EventRecords {
  // Dates stay Dates, so a timestamp is encoded as the Date it was given as.
  private readonly decoder = new PlainDecoder(WHOLE, true)
  private readonly events = new Map<number, { schema: EventSchema; decode: EventDecode }>()
  private readonly encoder = new FrameEncoder()

  define(id: number, schema: EventSchema): void {
    if (!this.events.has(id)) this.events.set(id, { schema, decode: compileDecode(schema, this.decoder, WHOLE, true) })
  }

  /** The event frame at src[offset...] as a record frame, in `buffer`; returns its length. */
  record(src: Buffer, offset: number): number {
    const id = src.readUInt32LE(offset + OFFSET_EVENT_ID)
    const event = this.events.get(id)
    if (event === undefined) throw new Error(`event ${id} arrived without its definition`)
    return this.encoder.record(
      src[offset + OFFSET_LEVEL],
      src.readDoubleLE(offset + OFFSET_TIME),
      src.readUInt32LE(offset + OFFSET_BINDINGS),
      src.readUInt32LE(offset + OFFSET_CONTEXT),
      event.schema.message,
      event.decode(src, offset),
    )
  }

  get buffer(): Buffer {
    return this.encoder.buffer
  }
}
