import { HEADER_BYTES, OFFSET_BINDINGS, OFFSET_CONTEXT, OFFSET_LEVEL, OFFSET_TIME, payloadEnd } from '../../frame.js'
import { PlainDecoder } from '../format/plain-decoder.js'
import type { Plain, PlainObject } from '../format/values.js'

/** The keys a record's own parts are known by, besides 'msg', 'level' and 'time'. */
export interface RecordKeys {
  messageKey: string
  levelKey: string
  timeKey: string
  labels: Readonly<Record<number, string>>
}

/** msgpack str32: the encoder writes every message so. */
const STR32 = 0xdb

/** A byte's class for a message's shape: 1 a hex letter, 2 a decimal digit, 0 anything else. */
const HEX_CLASS = new Uint8Array(256)
for (let c = 0x30; c <= 0x39; c++) HEX_CLASS[c] = 2
for (let c = 0x61; c <= 0x66; c++) HEX_CLASS[c] = HEX_CLASS[c - 0x20] = 1
const FNV_PRIME = 16777619
/** What a run with a digit stands as in the shape. */
const VARIABLE = 0x23

/** Policies see every value whole: the size limits are the formats' business. */
export const WHOLE = { maxDepth: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity }

/**
 * One record frame as fields a policy can ask for by path. The payload is decoded only when a field
 * is asked for, once per record; a record's own fields win over its request context's, which win
 * over its child bindings'.
 */
export class RecordView {
  // Dates stay Dates: a redacted record's fields are encoded again (get() gives them as ISO strings).
  private readonly decoder = new PlainDecoder(WHOLE, true)
  private readonly paths = new Map<string, string[]>()
  private src: Buffer = Buffer.alloc(0)
  private offset = 0
  private length = 0
  /** Whether the message, and the fields, were decoded for this record. */
  private messageRead = false
  private fieldsRead = false
  private messageEnd = 0
  private decodedMessage: string | undefined
  /** The bytes of the last message decoded (-1: none to compare with). */
  private lastBytes = Buffer.allocUnsafe(64)
  private lastLength = -1
  private decodedFields: PlainObject | undefined

  /** @param tables child bindings and request contexts by id, decoded. */
  constructor(private readonly keys: RecordKeys, private readonly tables: ReadonlyMap<number, PlainObject>) {}

  set(src: Buffer, offset: number, length: number): void {
    this.src = src
    this.offset = offset
    this.length = length
    this.messageRead = false
    this.fieldsRead = false
  }

  get level(): number {
    return this.src[this.offset + OFFSET_LEVEL]
  }

  get time(): number {
    return this.src.readDoubleLE(this.offset + OFFSET_TIME)
  }

  get bindingsId(): number {
    return this.src.readUInt32LE(this.offset + OFFSET_BINDINGS)
  }

  get contextId(): number {
    return this.src.readUInt32LE(this.offset + OFFSET_CONTEXT)
  }

  /** The message, or undefined for a record without one. */
  get message(): string | undefined {
    if (!this.messageRead) {
      this.messageRead = true
      const { src } = this
      const p = this.offset + HEADER_BYTES
      // Records mostly repeat the message before them (one call site in a loop): its bytes are compared, not decoded again.
      if (src[p] === STR32 && this.sameAsLast(src, p + 5, src.readUInt32BE(p + 1))) {
        this.messageEnd = p + 5 + this.lastLength
        return this.decodedMessage
      }
      const message = this.decoder.value(src, p, 0)
      this.messageEnd = this.decoder.end
      this.decodedMessage = typeof message === 'string' ? message : undefined
      this.remember(src, p)
    }
    return this.decodedMessage
  }

  /**
   * A 53-bit hash of the message's shape, read from its bytes without decoding it: each run of hex
   * digits with a decimal digit in it counts as one variable, whatever its value. Two messages of
   * one shape are one template's (the miner makes such runs variables), so a template already
   * mined is found by its shape. NaN for a record whose message is not a string.
   */
  messageShape(): number {
    const { src } = this
    const p = this.offset + HEADER_BYTES
    if (src[p] !== STR32) return NaN
    const end = p + 5 + src.readUInt32BE(p + 1)
    // FNV-1a over the shape's bytes, and the shape's length above it: 53 bits.
    let hash = 0x811c9dc5
    let length = 0
    // The hash and length where the current run of hex digits began, and its classes or'ed (2: a decimal digit).
    let runHash = hash
    let runLength = 0
    let inRun = false
    let classes = 0
    for (let i = p + 5; i < end; i++) {
      const c = src[i]
      const k = HEX_CLASS[c]
      if (k !== 0) {
        if (!inRun) {
          inRun = true
          classes = 0
          runHash = hash
          runLength = length
        }
        classes |= k
      } else if (inRun) {
        inRun = false
        if ((classes & 2) !== 0) {
          hash = Math.imul(runHash ^ VARIABLE, FNV_PRIME)
          length = runLength + 1
        }
      }
      hash = Math.imul(hash ^ c, FNV_PRIME)
      length++
    }
    if (inRun && (classes & 2) !== 0) {
      hash = Math.imul(runHash ^ VARIABLE, FNV_PRIME)
      length = runLength + 1
    }
    return (length & 0x1fffff) * 0x100000000 + (hash >>> 0)
  }

  /** The record's own fields (not its bindings' or context's), decoded: a fresh object each record, safe to change. */
  get fields(): PlainObject | undefined {
    if (!this.fieldsRead) {
      this.fieldsRead = true
      // The fields start where the message ends.
      void this.message
      const end = payloadEnd(this.src, this.offset, this.length)
      this.decodedFields = this.messageEnd < end ? this.decoder.fields(this.src, this.messageEnd) : undefined
    }
    return this.decodedFields
  }

  /**
   * Every field the record is written with, `{ ...bindings, ...context, ...fields }` as the formats
   * merge them: a copy, safe to change (the bindings' and context's tables are shared by records).
   */
  merged(): PlainObject {
    const bindings = this.tables.get(this.bindingsId)
    const context = this.tables.get(this.contextId)
    const shared = bindings === undefined && context === undefined ? {} : structuredClone({ ...bindings, ...context })
    return Object.assign(shared, this.fields)
  }

  private sameAsLast(src: Buffer, start: number, length: number): boolean {
    if (length !== this.lastLength) return false
    const last = this.lastBytes
    for (let i = 0; i < length; i++) if (src[start + i] !== last[i]) return false
    return true
  }

  /** Keeps the bytes of a str32 message just decoded; anything else is not compared again. */
  private remember(src: Buffer, p: number): void {
    if (src[p] !== STR32 || this.decodedMessage === undefined) {
      this.lastLength = -1
      return
    }
    const length = this.messageEnd - p - 5
    if (length > this.lastBytes.length) this.lastBytes = Buffer.allocUnsafe(Math.max(length, this.lastBytes.length * 2))
    src.copy(this.lastBytes, 0, p + 5, this.messageEnd)
    this.lastLength = length
  }

  /** The value at a dotted path ('status', 'req.method'), the message ('msg'), the level's label ('level') or the time. */
  readonly get = (path: string): unknown => {
    const { keys } = this
    if (path === 'msg' || path === keys.messageKey) return this.message
    if (path === 'level' || path === keys.levelKey) return keys.labels[this.level] ?? this.level
    if (path === 'time' || path === keys.timeKey) return this.time
    let parts = this.paths.get(path)
    if (parts === undefined) this.paths.set(path, (parts = path.split('.')))
    const found = at(this.fields, parts)
    if (found !== undefined) return found
    const context = this.tables.get(this.contextId)
    return (context === undefined ? undefined : at(context, parts)) ?? at(this.tables.get(this.bindingsId), parts)
  }
}

function at(fields: PlainObject | undefined, parts: readonly string[]): Plain | undefined {
  let value: Plain | undefined = fields
  for (const part of parts) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    value = value[part]
  }
  return (value as unknown) instanceof Date ? (value as unknown as Date).toISOString() : value
}
