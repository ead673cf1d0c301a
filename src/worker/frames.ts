import { unpack } from 'msgpackr'
import type { EventSchema } from '../events/schema.js'
import { OFFSET_EVENT_ID } from '../events/layout.js'
import {
  HEADER_BYTES, KIND_BINDINGS, KIND_DROPPED, KIND_EVENT, KIND_EVENT_DEFINITION, KIND_HEADER, KIND_RECORD, KIND_RELEASE, OFFSET_BINDINGS, OFFSET_CONTEXT,
  OFFSET_KIND, OFFSET_LEVEL, OFFSET_TIME, payloadEnd, sequenceOf,
} from '../frame.js'
import { WARN, type Format } from './format/format.js'

/**
 * Turns whole frames into formatted records, and keeps the table of child bindings and request
 * contexts (one table: both are fields announced once under an id) and the table of declared events.
 */
export class FrameReader<Prepared, Event = unknown> {
  private readonly bindings = new Map<number, Prepared>()
  private readonly events = new Map<number, Event>()

  /**
   * @param startsOutput whether the destination is still empty when the header frame arrives (a
   * file appended to already has its header).
   */
  constructor(
    private readonly format: Format<Prepared, Event>,
    private readonly startsOutput: () => boolean,
    /** Records below this level are skipped (a sink's own level). */
    private readonly minLevel = 0,
  ) {}

  frame(src: Buffer, offset: number, length: number): void {
    switch (src[offset + OFFSET_KIND]) {
      case KIND_RECORD:
        if (src[offset + OFFSET_LEVEL] < this.minLevel) return
        this.format.record(
          src[offset + OFFSET_LEVEL],
          src.readDoubleLE(offset + OFFSET_TIME),
          src,
          offset + HEADER_BYTES,
          payloadEnd(src, offset, length),
          this.table(src, offset + OFFSET_BINDINGS),
          this.table(src, offset + OFFSET_CONTEXT),
          sequenceOf(src, offset, length),
        )
        return
      case KIND_EVENT: {
        if (src[offset + OFFSET_LEVEL] < this.minLevel) return
        const id = src.readUInt32LE(offset + OFFSET_EVENT_ID)
        const event = this.events.get(id)
        if (event === undefined) throw new Error(`event ${id} arrived without its definition`)
        this.format.event(
          src[offset + OFFSET_LEVEL],
          src.readDoubleLE(offset + OFFSET_TIME),
          event,
          src,
          offset,
          this.table(src, offset + OFFSET_BINDINGS),
          this.table(src, offset + OFFSET_CONTEXT),
          sequenceOf(src, offset, length),
        )
        return
      }
      case KIND_EVENT_DEFINITION: {
        const id = src.readUInt32LE(offset + OFFSET_BINDINGS)
        // A consumer sees a definition again when it is handed the table after reading the ring: compiled once.
        if (!this.events.has(id)) this.events.set(id, this.format.prepareEvent(eventSchema(src, offset, length)))
        return
      }
      case KIND_BINDINGS: {
        // One copy, no view made first: a child or a request's context can come with every record.
        const payload = Uint8Array.prototype.slice.call(src, offset + HEADER_BYTES, offset + length) as Buffer
        this.bindings.set(src.readUInt32LE(offset + OFFSET_BINDINGS), this.format.prepareBindings(payload))
        return
      }
      case KIND_RELEASE:
        this.bindings.delete(src.readUInt32LE(offset + OFFSET_BINDINGS))
        return
      case KIND_DROPPED:
        if (WARN < this.minLevel) return
        this.format.dropped(src.readDoubleLE(offset + OFFSET_TIME), src.readUInt32LE(offset + HEADER_BYTES), droppedRanges(src, offset, length))
        return
      case KIND_HEADER:
        if (this.startsOutput()) this.format.header()
        return
    }
  }

  /** The bindings or context whose id is at `at` in a frame's header; 0 is none. */
  private table(src: Buffer, at: number): Prepared | undefined {
    const id = src.readUInt32LE(at)
    return id === 0 ? undefined : this.bindings.get(id)
  }
}

/** The ranges of record numbers a dropped-records frame names: [first, last] pairs. */
function droppedRanges(src: Buffer, offset: number, length: number): [number, number][] {
  const ranges: [number, number][] = []
  for (let p = offset + HEADER_BYTES + 8; p + 16 <= offset + length; p += 16) ranges.push([src.readDoubleLE(p), src.readDoubleLE(p + 8)])
  return ranges
}

/** The schema an event definition frame carries. */
export function eventSchema(src: Buffer, offset: number, length: number): EventSchema {
  return unpack(src.subarray(offset + HEADER_BYTES, offset + length)) as EventSchema
}
