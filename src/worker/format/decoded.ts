import type { EventSchema } from '../../events/schema.js'
import { compileDecode, type EventDecode } from '../events/event-reader.js'
import type { Output } from '../output.js'
import { DROPPED_MESSAGE, DROPPED_SEQUENCE_KEY, levelText, SEQUENCE_KEY, WARN, type Format, type FormatOptions } from './format.js'
import { skipValue, stringLength, stringStart } from './msgpack.js'
import { PlainDecoder } from './plain-decoder.js'
import { ReservedKeys } from './reserved-keys.js'
import { TimeFormat } from './time-format.js'
import { truncateString, type PlainObject } from './values.js'

/** A record as the text formats see it: everything decoded to plain data. */
export interface DecodedRecord {
  time: number
  level: number
  label: string
  message: string | undefined
  /**
   * Child bindings, then the request context, then the record's own fields; later keys win. A field
   * named like one of the record's own keys is renamed (src/worker/format/reserved-keys.ts).
   */
  fields: PlainObject
}

/**
 * The base of the formats that write from decoded values (logfmt, text, csv, pretty): they lay out
 * every value themselves, so the fields are decoded once into plain data and handed to `line()`.
 */
/** A declared event as these formats need it: its message, cut to the limit, and its compiled decoder. */
export interface DecodedEvent {
  message: string | undefined
  decode: EventDecode
}

export abstract class DecodedFormat implements Format<PlainObject, DecodedEvent> {
  protected readonly time: TimeFormat
  private readonly decoder: PlainDecoder
  // The keys a field must not be written under, for records without and with their number.
  private readonly reserved: ReservedKeys
  private readonly numbered: ReservedKeys

  constructor(protected readonly out: Output, protected readonly options: FormatOptions) {
    this.time = new TimeFormat(options.timeFormat)
    this.decoder = new PlainDecoder(options.limits)
    this.reserved = ReservedKeys.of(options, false)
    this.numbered = ReservedKeys.of(options, true)
  }

  prepareBindings(payload: Buffer): PlainObject {
    return this.decoder.fields(payload, 0)
  }

  record(
    level: number, time: number, src: Buffer, p: number, end: number,
    bindings: PlainObject | undefined, context: PlainObject | undefined, sequence: number,
  ): void {
    let message: string | undefined
    const start = stringStart(src, p)
    if (start >= 0) {
      const messageEnd = start + stringLength(src, p)
      message = truncateString(src.utf8Slice(start, messageEnd), this.options.limits.maxStringLength)
      p = messageEnd
    } else {
      p = skipValue(src, p)
    }
    this.write(level, time, sequence, message, bindings, context, p < end ? this.decoder.fields(src, p) : undefined)
  }

  prepareEvent(schema: EventSchema): DecodedEvent {
    const { limits } = this.options
    return {
      message: schema.message === undefined ? undefined : truncateString(schema.message, limits.maxStringLength),
      decode: compileDecode(schema, this.decoder, limits, false),
    }
  }

  event(
    level: number, time: number, event: DecodedEvent, src: Buffer, frame: number,
    bindings: PlainObject | undefined, context: PlainObject | undefined, sequence: number,
  ): void {
    this.write(level, time, sequence, event.message, bindings, context, event.decode(src, frame))
  }

  /** The record's number, when it has one, is its first field (src/worker/format/reserved-keys.ts says why no field replaces it). */
  private write(
    level: number, time: number, sequence: number, message: string | undefined,
    bindings: PlainObject | undefined, context: PlainObject | undefined, own: PlainObject | undefined,
  ): void {
    const merged = bindings === undefined && context === undefined ? own ?? {} : { ...bindings, ...context, ...own }
    const fields = sequence !== 0 ? { [SEQUENCE_KEY]: sequence, ...this.numbered.renameAll(merged) } : this.reserved.renameAll(merged)
    this.line({ time, level, label: levelText(this.options, level), message, fields })
    this.out.endRecord()
  }

  dropped(time: number, count: number, ranges: readonly [number, number][]): void {
    const fields: PlainObject = { dropped: count }
    if (ranges.length > 0) fields[DROPPED_SEQUENCE_KEY] = ranges.map((range) => [...range])
    this.line({ time, level: WARN, label: levelText(this.options, WARN), message: DROPPED_MESSAGE, fields })
    this.out.endRecord()
  }

  header(): void {}

  abstract line(record: DecodedRecord): void
}
