import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE } from 'msgpackr'
import {
  FLAG_INLINE_BINDINGS, FLAG_INLINE_CONTEXT, FLAG_SEQUENCE, HEADER_BYTES, INLINE_MAX_BYTES, OFFSET_INLINE_BYTES, KIND_BINDINGS, OFFSET_FLAGS, SEQUENCE_BYTES, KIND_EVENT_DEFINITION, KIND_HEADER, KIND_RECORD, KIND_RELEASE, KIND_REOPEN, OFFSET_BINDINGS, OFFSET_CONTEXT, OFFSET_KIND, OFFSET_LEVEL,
  OFFSET_TIME,
} from './frame.js'
import type { EventSchema } from './events/schema.js'
import { truncateString } from './cut-marks.js'
import { asFields, MAX_RECORD_SIZE, MAX_RECORD_VALUES, RecordBounds } from './record-bounds.js'
import { describe } from './serialize.js'

/** Bindings or a context as records carry them: the id they were announced under (0: none), or their packed fields, inline. */
export type FieldsRef = number | Uint8Array

/** The id a record's header holds for `ref`: 0 for fields it carries inline. */
export const idOf = (ref: FieldsRef): number => (typeof ref === 'number' ? ref : 0)

/** Packed fields up to this many bytes are copied by hand. */
const COPY_BY_HAND = 256

/**
 * Builds frames on the calling thread in one reused scratch buffer: the header with typed-array
 * stores, the message as a msgpack string written in place, the fields through msgpackr.
 */
export class FrameEncoder {
  /** The last encoded frame is in buffer[0, length). Valid until the next call. */
  buffer!: Buffer
  // Views of buffer for the header and for events' compiled encoders (src/events/encoder.ts).
  floats!: Float64Array
  ints!: Int32Array
  shorts!: Uint16Array
  // Plain maps, no shared record structures: a restarted worker must decode any frame on its own.
  // moreTypes tags Sets, Errors, RegExps and typed arrays, so the worker can write each as itself.
  private readonly packr = new Packr({ useRecords: false, moreTypes: true })
  /**
   * Where the last pack left its bytes, [packedStart, packedEnd): msgpackr's own buffer, written
   * again from its start by the next pack. (Packing on along it, msgpackr's default, costs a new
   * 8 KiB buffer every few dozen records: the young generation of every logging thread grew from it.)
   */
  private packedBytes: Buffer = Buffer.alloc(0)
  private packedStart = 0
  /** The longest message written whole (maxRecordSize). */
  private readonly maxMessage: number

  /** @param bounds the limits of what one record may hold, which keep a call bounded in time */
  constructor(private readonly bounds = new RecordBounds(MAX_RECORD_VALUES, MAX_RECORD_SIZE, 10)) {
    this.maxMessage = bounds.maxSize
    this.grow(1 << 16)
  }

  /**
   * `fields` as FieldPreparer.prepare() gives them: within the record limits already. Bindings and
   * context are an announced id (0: none) or packed fields carried inline (inlineFields()).
   */
  record(level: number, time: number, bindings: FieldsRef, context: FieldsRef, fullMessage: string | undefined, fields: object | undefined): number {
    const message = fullMessage === undefined || fullMessage.length <= this.maxMessage ? fullMessage : truncateString(fullMessage, this.maxMessage)
    const packed = fields === undefined ? 0 : this.pack(fields, true, false)
    const messageMax = message === undefined ? 1 : 5 + message.length * 3
    this.ensure(HEADER_BYTES + messageMax + packed)
    const buf = this.buffer
    this.header(KIND_RECORD, level, time, idOf(bindings), idOf(context))
    let p = HEADER_BYTES
    if (message === undefined) {
      buf[p++] = 0xc0
    } else {
      // str32 always: the byte length is known only after writing, and 5 bytes is the most it needs.
      const n = buf.utf8Write(message, p + 5)
      buf[p] = 0xdb
      buf[p + 1] = n >>> 24
      buf[p + 2] = (n >>> 16) & 0xff
      buf[p + 3] = (n >>> 8) & 0xff
      buf[p + 4] = n & 0xff
      p += 5 + n
    }
    if (fields !== undefined) p = this.copyPacked(p, packed)
    if (typeof bindings !== 'number' || typeof context !== 'number') return this.inline(p, bindings, context)
    this.ints[0] = p
    return p
  }

  /** Child-logger bindings or a request context: fields referred to by id afterwards. */
  bindings(id: number, time: number, fields: object): number {
    const packed = this.pack(fields)
    this.ensure(HEADER_BYTES + packed)
    this.header(KIND_BINDINGS, 0, time, id, 0)
    return (this.ints[0] = this.copyPacked(HEADER_BYTES, packed))
  }

  /** An event's definition, sent once before its first record: the worker compiles its formatter from it. */
  eventDefinition(schema: EventSchema): number {
    // Whole: the worker decodes the event's records with it (the schema was checked when declared).
    const packed = this.pack(schema, true, false)
    this.ensure(HEADER_BYTES + packed)
    this.header(KIND_EVENT_DEFINITION, 0, 0, schema.id, 0)
    return (this.ints[0] = this.copyPacked(HEADER_BYTES, packed))
  }

  /** A json field's value packed, as a copy: msgpackr's buffer is reused by the next pack. */
  packed(value: unknown): Uint8Array {
    const length = this.pack(value, false)
    return Uint8Array.prototype.slice.call(this.packedBytes, this.packedStart, this.packedStart + length)
  }

  /** A frame that only marks a point in the stream: where the output starts (csv writes its header row), where log.reopen() was called. */
  marker(kind: typeof KIND_HEADER | typeof KIND_REOPEN, time: number): number {
    this.header(kind, 0, time, 0, 0)
    return (this.ints[0] = HEADER_BYTES)
  }

  /**
   * Bindings or a context packed to be carried inline by each record (src/frame.ts), as a copy;
   * undefined when they pack to more than INLINE_MAX_BYTES, and are announced instead.
   */
  inlineFields(fields: object): Uint8Array | undefined {
    const length = this.pack(fields)
    return length > INLINE_MAX_BYTES ? undefined : Uint8Array.prototype.slice.call(this.packedBytes, this.packedStart, this.packedStart + length)
  }

  /**
   * Appends inline bindings and context (inlineFields()) to the frame in buffer[0, length), before
   * its record number, and returns its new length.
   */
  inline(length: number, bindings: FieldsRef, context: FieldsRef): number {
    this.ensure(length + 2 * INLINE_MAX_BYTES)
    const buf = this.buffer
    let p = length
    if (typeof bindings !== 'number') {
      for (let i = 0; i < bindings.length; i++) buf[p + i] = bindings[i]
      p += bindings.length
      buf[OFFSET_FLAGS] |= FLAG_INLINE_BINDINGS
    }
    if (typeof context !== 'number') {
      for (let i = 0; i < context.length; i++) buf[p + i] = context[i]
      p += context.length
      buf[OFFSET_FLAGS] |= FLAG_INLINE_CONTEXT
    }
    buf[OFFSET_INLINE_BYTES] = p - length
    return (this.ints[0] = p)
  }

  /** Appends the record number to the frame in buffer[0, length) and returns its new length. */
  numbered(length: number, sequence: number): number {
    this.ensure(length + SEQUENCE_BYTES)
    this.buffer[OFFSET_FLAGS] |= FLAG_SEQUENCE
    this.buffer.writeDoubleLE(sequence, length)
    return (this.ints[0] = length + SEQUENCE_BYTES)
  }

  release(id: number, time: number): number {
    this.header(KIND_RELEASE, 0, time, id, 0)
    return (this.ints[0] = HEADER_BYTES)
  }

  /**
   * Packs `value` and returns its length; the bytes are packedBytes[packedStart...] until the next
   * pack. Never throws, and takes a bounded time: a value over the record limits is packed as a copy
   * cut to them, and what msgpackr refuses is made plain data first (cycles, throwing getters, huge
   * BigInts), where a value that cannot be read or has too many keys is a marker in its place.
   * `map`: the value is a record's or a child's fields, which stay a map. `bound`: false for a
   * value known to be within the limits.
   */
  private pack(value: unknown, map = true, bound = true): number {
    let target: Buffer & { start: number; end: number }
    // A record's fields are the top level; a single field's value (packed()) is one below it.
    const depth = map ? 0 : 1
    try {
      target = this.reusing(bound ? this.fieldsOf(this.bounds.bound(value, depth), map) : value)
    } catch {
      try {
        target = this.reusing(this.fieldsOf(this.bounds.copy(value, depth), map))
      } catch (error) {
        target = this.reusing({ serializeError: describe(error) })
      }
    }
    this.packedBytes = target
    this.packedStart = target.start
    return target.end - target.start
  }

  /** Fields (a record's, a child's) stay a map; a single value is packed as it is. */
  private fieldsOf(value: unknown, map: boolean): unknown {
    return map ? asFields(value) : value
  }

  /** Copies the last packed bytes to buffer[at...] and returns where they end. */
  private copyPacked(at: number, length: number): number {
    const from = this.packedBytes
    const start = this.packedStart
    if (length > COPY_BY_HAND) {
      from.copy(this.buffer, at, start, start + length)
      return at + length
    }
    // Buffer.copy of a part makes a typed array view each call: a young-generation allocation per record.
    const buf = this.buffer
    for (let i = 0; i < length; i++) buf[at + i] = from[start + i]
    return at + length
  }

  /** msgpackr's buffer itself, with where this value's bytes start and end in it. */
  private reusing(value: unknown): Buffer & { start: number; end: number } {
    return this.packr.pack(value, REUSE_BUFFER_MODE | RESET_BUFFER_MODE) as Buffer & { start: number; end: number }
  }

  header(kind: number, level: number, time: number, bindingsId: number, contextId: number): void {
    const buf = this.buffer
    buf[OFFSET_KIND] = kind
    buf[OFFSET_LEVEL] = level
    buf[OFFSET_FLAGS] = 0
    buf[OFFSET_INLINE_BYTES] = 0
    this.floats[OFFSET_TIME / 8] = time
    this.ints[OFFSET_BINDINGS / 4] = bindingsId
    this.ints[OFFSET_CONTEXT / 4] = contextId
  }

  ensure(bytes: number): void {
    if (bytes > this.buffer.length) this.grow(Math.max(bytes, this.buffer.length * 2))
  }

  private grow(bytes: number): void {
    // Its own ArrayBuffer at offset 0, so the float64 view is aligned. Views made before any is
    // replaced, and sized by division (a shift is 32-bit): a failure leaves the old ones in use.
    const buffer = Buffer.allocUnsafeSlow(bytes)
    // The frame being built is kept: inline() and numbered() append to it.
    if (this.buffer !== undefined) this.buffer.copy(buffer, 0, 0, Math.min(this.buffer.length, bytes))
    const floats = new Float64Array(buffer.buffer, 0, Math.floor(bytes / 8))
    const ints = new Int32Array(buffer.buffer, 0, Math.floor(bytes / 4))
    const shorts = new Uint16Array(buffer.buffer, 0, Math.floor(bytes / 2))
    this.buffer = buffer
    this.floats = floats
    this.ints = ints
    this.shorts = shorts
  }
}
