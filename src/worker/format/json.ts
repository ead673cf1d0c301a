import { Packr } from 'msgpackr'
import { EVENT_KEY, VERSION_KEY, type EventSchema } from '../../events/schema.js'
import { compileDecode, type EventDecode } from '../events/event-reader.js'
import { compileJson, type EventJson } from '../events/event-json.js'
import type { Output } from '../output.js'
import { DROPPED_MESSAGE, DROPPED_SEQUENCE_KEY, levelText, SEQUENCE_KEY, WARN, type Format, type FormatOptions } from './format.js'
import { mapSize, mapStart, skipValue, stringLength, stringStart } from './msgpack.js'
import { JsonWriter } from './msgpack-json.js'
import { PlainDecoder } from './plain-decoder.js'
import { ReservedKeys } from './reserved-keys.js'
import { TimeFormat } from './time-format.js'
import type { PlainObject } from './values.js'

/** Child bindings or a request context made ready once: their JSON members, and their keys to spot a field that overrides one. */
export interface JsonBindings {
  readonly json: Buffer
  readonly keys: ReadonlySet<string>
  /**
   * Where the keys' UTF-8 bytes are in `payload`, as start and length pairs, compared with a
   * record's keys without decoding them; undefined when a key is not a string.
   */
  readonly keyRanges: readonly number[] | undefined
  readonly payload: Buffer
  /** A key that is renamed only in a record with its number (`seq`): such a record merges them as objects. */
  readonly renamedWhenNumbered: boolean
}

/** A declared event made ready once: its message member, its keys, its compiled writer and decoder. */
export interface JsonEvent {
  /** `,"msg":"…"`, or nothing for an event without a message. */
  readonly message: Buffer
  /** `event`, `v` and the fields' names, to spot one that bindings or the context have too. */
  readonly keys: readonly string[]
  readonly json: EventJson
  /** For a record whose keys collide with its bindings' or context's: the fields as plain data, merged. */
  readonly decode: EventDecode
  /** As for JsonBindings. */
  readonly renamedWhenNumbered: boolean
}

const packr = new Packr({ useRecords: false })

/** Beyond this many keys in bindings, a record's keys are decoded and looked up in the set instead. */
const COMPARED_KEYS = 8

const EMPTY = Buffer.alloc(0)
const SEQUENCE_MEMBER = Buffer.from(`,${JSON.stringify(SEQUENCE_KEY)}:`)

/**
 * One JSON object per line: time, level, the record's number (`sequence: true`), message, then the
 * child bindings, then the request context, then the fields. A later key replaces an earlier one of the same name in its place, as
 * in `{ ...bindings, ...context, ...fields }`; a field named like one of the record's own keys is
 * renamed (src/worker/format/reserved-keys.ts).
 */
export class JsonFormat implements Format<JsonBindings, JsonEvent> {
  private readonly time: TimeFormat
  private readonly writer: JsonWriter
  private readonly decoder: PlainDecoder
  // The fixed parts of a line as bytes, made once: `{"time":"`, `","level":"info"`, `,"msg":`.
  private readonly timePrefix: Buffer
  private readonly levelPrefix: Buffer[] = []
  private readonly messagePrefix: Buffer
  // The keys a field is not written under, for records without and with their number.
  private readonly reserved: ReservedKeys
  private readonly numbered: ReservedKeys

  constructor(private readonly out: Output, private readonly options: FormatOptions) {
    this.time = new TimeFormat(options.timeFormat)
    this.writer = new JsonWriter(out, options.limits)
    this.decoder = new PlainDecoder(options.limits)
    this.reserved = ReservedKeys.of(options, false)
    this.numbered = ReservedKeys.of(options, true)
    this.messagePrefix = Buffer.from(`,${JSON.stringify(options.messageKey)}:`)
    this.timePrefix = Buffer.from(`{${JSON.stringify(options.timeKey)}:${this.time.isString ? '"' : ''}`)
  }

  prepareBindings(payload: Buffer): JsonBindings {
    const keys = new Set<string>()
    let keyRanges: number[] | undefined = []
    const size = mapSize(payload, 0)
    let json: Buffer = EMPTY
    if (size >= 0) {
      let p = mapStart(payload, 0)
      for (let i = 0; i < size; i++) {
        keys.add(this.decoder.key(payload, p))
        const start = stringStart(payload, p)
        if (start < 0) keyRanges = undefined
        else keyRanges?.push(start, stringLength(payload, p))
        p = skipValue(payload, skipValue(payload, p))
      }
      json = this.render(() => this.writer.mapEntries(payload, mapStart(payload, 0), size, 1, this.reserved))
    }
    return { json, keys, keyRanges, payload, renamedWhenNumbered: this.renamedWhenNumbered(keys) }
  }

  prepareEvent(schema: EventSchema): JsonEvent {
    const { message } = schema
    const keys = [EVENT_KEY, VERSION_KEY, ...schema.fields.map((field) => field.name)]
    return {
      message: message === undefined ? Buffer.alloc(0) : this.render(() => {
        this.out.bytes(this.messagePrefix, 0, this.messagePrefix.length)
        this.writer.value(packr.pack(message), 0, 1)
      }),
      keys,
      json: compileJson(schema, (write) => this.render(write), this.writer, this.reserved),
      decode: compileDecode(schema, this.decoder, this.options.limits, false),
      renamedWhenNumbered: this.renamedWhenNumbered(keys),
    }
  }

  private renamedWhenNumbered(keys: Iterable<string>): boolean {
    for (const key of keys) if (this.numbered.isReserved(key) && !this.reserved.isReserved(key)) return true
    return false
  }

  event(
    level: number, time: number, event: JsonEvent, src: Buffer, frame: number,
    bindings: JsonBindings | undefined, context: JsonBindings | undefined, sequence: number,
  ): void {
    const out = this.out
    this.start(level, time, sequence)
    out.bytes(event.message, 0, event.message.length)
    if (eventCollides(event, bindings, context) || (sequence > 0 && renamedWhenNumbered(event, bindings, context))) {
      this.merged(bindings, context, event.decode(src, frame), sequence)
    } else {
      this.prepared(bindings, context)
      event.json(out, this.writer, src, frame)
    }
    out.ascii('}\n')
    out.endRecord()
  }

  /** Bindings' and context's members as made once. */
  private prepared(bindings: JsonBindings | undefined, context: JsonBindings | undefined): void {
    if (bindings !== undefined) this.out.bytes(bindings.json, 0, bindings.json.length)
    if (context !== undefined) this.out.bytes(context.json, 0, context.json.length)
  }

  /** `{ ...bindings, ...context, ...own }` as objects, for when a key appears in two of them. */
  private merged(bindings: JsonBindings | undefined, context: JsonBindings | undefined, own: PlainObject | undefined, sequence: number): void {
    this.writer.plainEntries({
      ...(bindings && this.decoder.fields(bindings.payload, 0)),
      ...(context && this.decoder.fields(context.payload, 0)),
      ...own,
    }, sequence > 0 ? this.numbered : this.reserved)
  }

  /** The bytes `write` puts in the output, taken out again: parts of lines made once. */
  private render(write: () => void): Buffer {
    const start = this.out.pos
    write()
    // One copy, no view of the output made first: bindings are made ready once per child or request.
    const bytes = Uint8Array.prototype.slice.call(this.out.buf, start, this.out.pos) as Buffer
    this.out.pos = start
    return bytes
  }

  record(
    level: number, time: number, src: Buffer, p: number, end: number,
    bindings: JsonBindings | undefined, context: JsonBindings | undefined, sequence: number,
  ): void {
    const out = this.out
    this.start(level, time, sequence)
    if (src[p] === 0xc0) {
      p++
    } else {
      out.bytes(this.messagePrefix, 0, this.messagePrefix.length)
      p = this.writer.value(src, p, 1)
    }
    if (this.collides(src, p, end, bindings, context) || (sequence > 0 && renamedWhenNumbered(undefined, bindings, context))) {
      this.merged(bindings, context, p < end ? this.decoder.fields(src, p) : undefined, sequence)
    } else {
      this.prepared(bindings, context)
      if (p < end) this.members(src, p, sequence > 0 ? this.numbered : this.reserved)
    }
    out.ascii('}\n')
    out.endRecord()
  }

  dropped(time: number, count: number, ranges: readonly [number, number][]): void {
    this.start(WARN, time, 0)
    const numbers = ranges.length === 0 ? '' : `,${JSON.stringify(DROPPED_SEQUENCE_KEY)}:${JSON.stringify(ranges)}`
    this.out.utf8(`${this.messagePrefix.toString()}${JSON.stringify(DROPPED_MESSAGE)},"dropped":${count}${numbers}}\n`)
    this.out.endRecord()
  }

  header(): void {}

  /** `{"time":...,"level":...`, and `,"seq":...` */
  private start(level: number, time: number, sequence: number): void {
    const { out, options } = this
    out.bytes(this.timePrefix, 0, this.timePrefix.length)
    this.time.write(out, time)
    const prefix = (this.levelPrefix[level] ??= Buffer.from(`${this.time.isString ? '"' : ''},${JSON.stringify(options.levelKey)}:${
      options.levelFormat === 'number' ? level : JSON.stringify(levelText(options, level))}`))
    out.bytes(prefix, 0, prefix.length)
    if (sequence > 0) {
      out.bytes(SEQUENCE_MEMBER, 0, SEQUENCE_MEMBER.length)
      out.number(sequence)
    }
  }

  private members(src: Buffer, p: number, reserved: ReservedKeys): void {
    const size = mapSize(src, p)
    if (size >= 0) {
      this.writer.mapEntries(src, mapStart(src, p), size, 1, reserved)
    } else {
      this.out.ascii(',"value":')
      this.writer.value(src, p, 1)
    }
  }

  /** True when a key appears twice among bindings, context and fields: then they are merged as objects. */
  private collides(src: Buffer, p: number, end: number, bindings: JsonBindings | undefined, context: JsonBindings | undefined): boolean {
    if (bindings !== undefined && context !== undefined) {
      for (const key of context.keys) if (bindings.keys.has(key)) return true
    }
    if (p >= end || (bindings === undefined && context === undefined)) return false
    const size = mapSize(src, p)
    if (size < 0) return false
    let q = mapStart(src, p)
    const ranges = (bindings === undefined ? 0 : bindings.keyRanges?.length ?? Infinity) + (context === undefined ? 0 : context.keyRanges?.length ?? Infinity)
    const compare = ranges <= 2 * COMPARED_KEYS
    for (let i = 0; i < size; i++) {
      const start = compare ? stringStart(src, q) : -1
      if (start >= 0) {
        // Decoding every key of every record to a string cost a tenth of a named logger's time.
        const length = stringLength(src, q)
        if (hasKey(bindings, src, start, length) || hasKey(context, src, start, length)) return true
      } else {
        const key = this.decoder.key(src, q)
        if (bindings?.keys.has(key) || context?.keys.has(key)) return true
      }
      q = skipValue(src, skipValue(src, q))
    }
    return false
  }
}

function eventCollides(event: JsonEvent, bindings: JsonBindings | undefined, context: JsonBindings | undefined): boolean {
  if (bindings === undefined && context === undefined) return false
  if (bindings !== undefined && context !== undefined) {
    for (const key of context.keys) if (bindings.keys.has(key)) return true
  }
  for (const key of event.keys) if (bindings?.keys.has(key) || context?.keys.has(key)) return true
  return false
}

function renamedWhenNumbered(event: JsonEvent | undefined, bindings: JsonBindings | undefined, context: JsonBindings | undefined): boolean {
  return (event?.renamedWhenNumbered ?? false) || (bindings?.renamedWhenNumbered ?? false) || (context?.renamedWhenNumbered ?? false)
}

function hasKey(bindings: JsonBindings | undefined, src: Buffer, start: number, length: number): boolean {
  if (bindings === undefined) return false
  const { keyRanges: ranges, payload } = bindings
  for (let k = 0; k < ranges!.length; k += 2) {
    if (ranges![k + 1] !== length) continue
    const at = ranges![k]
    let i = 0
    while (i < length && src[start + i] === payload[at + i]) i++
    if (i === length) return true
  }
  return false
}
