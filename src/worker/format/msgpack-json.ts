import type { Output } from '../output.js'
import { isPrefixTag, isUndefinedAt, skipValue, stringLength, stringStart, TAG_SET, u16, u32 } from './msgpack.js'
import { PlainDecoder } from './plain-decoder.js'
import type { ReservedKeys } from './reserved-keys.js'
import { DEEP_ARRAY, DEEP_OBJECT, moreItems, plainJson, truncateString, type Limits, type PlainObject } from './values.js'

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a

/**
 * Writes msgpack bytes as JSON text without building JavaScript objects: the worker's fast path.
 * The output is what values.ts defines for every value, written as JSON: undefined members are
 * left out (null in arrays), NaN and Infinity become null, bigints are written as their digits.
 * Strings of plain ASCII are copied byte for byte; anything else is decoded and escaped by
 * JSON.stringify, so control characters come out escaped. Extension values (Dates, typed arrays,
 * errors below the top level) and keys that are not strings go through PlainDecoder.
 */
export class JsonWriter {
  private readonly decoder: PlainDecoder
  // The limits as fields of their own: read for every string and container.
  private readonly maxDepth: number
  private readonly maxStringLength: number
  private readonly maxArrayLength: number

  constructor(private readonly out: Output, limits: Limits) {
    this.decoder = new PlainDecoder(limits)
    this.maxDepth = limits.maxDepth
    this.maxStringLength = limits.maxStringLength
    this.maxArrayLength = limits.maxArrayLength
  }

  /** A JSON string of the UTF-8 bytes src[start, end), cut to maxStringLength characters. */
  string(src: Buffer, start: number, end: number): void {
    const out = this.out
    let i = start
    while (i < end) {
      const c = src[i]
      if (c < 0x20 || c === QUOTE || c === 0x5c || c > 0x7e) break
      i++
    }
    if (i === end && end - start <= this.maxStringLength) {
      out.byte(QUOTE)
      out.bytes(src, start, end)
      out.byte(QUOTE)
    } else {
      out.utf8(JSON.stringify(truncateString(src.utf8Slice(start, end), this.maxStringLength)))
    }
  }

  /** Writes the value at p, a value at nesting level `depth`, and returns the position after it. */
  value(src: Buffer, p: number, depth: number): number {
    const out = this.out
    const t = src[p]
    if (t <= 0x7f) {
      out.number(t)
      return p + 1
    }
    if (t >= 0xe0) {
      out.number(t - 0x100)
      return p + 1
    }
    if (t <= 0x8f) return this.map(src, p, p + 1, t & 0x0f, depth)
    if (t <= 0x9f) return this.array(src, p, p + 1, t & 0x0f, depth)
    if (t <= 0xbf) {
      const end = p + 1 + (t & 0x1f)
      this.string(src, p + 1, end)
      return end
    }
    switch (t) {
      case 0xc0: out.ascii('null'); return p + 1
      case 0xc2: out.ascii('false'); return p + 1
      case 0xc3: out.ascii('true'); return p + 1
      case 0xca: out.number(src.readFloatBE(p + 1)); return p + 5
      case 0xcb: out.number(src.readDoubleBE(p + 1)); return p + 9
      case 0xcc: out.number(src[p + 1]); return p + 2
      case 0xcd: out.number(u16(src, p + 1)); return p + 3
      case 0xce: out.number(u32(src, p + 1)); return p + 5
      case 0xcf: out.ascii(src.readBigUInt64BE(p + 1).toString()); return p + 9
      case 0xd0: out.number(src.readInt8(p + 1)); return p + 2
      case 0xd1: out.number(src.readInt16BE(p + 1)); return p + 3
      case 0xd2: out.number(src.readInt32BE(p + 1)); return p + 5
      case 0xd3: out.ascii(src.readBigInt64BE(p + 1).toString()); return p + 9
      case 0xd9: case 0xda: case 0xdb: {
        const start = stringStart(src, p)
        const end = start + stringLength(src, p)
        this.string(src, start, end)
        return end
      }
      case 0xdc: return this.array(src, p, p + 3, u16(src, p + 1), depth)
      case 0xdd: return this.array(src, p, p + 5, u32(src, p + 1), depth)
      case 0xde: return this.map(src, p, p + 3, u16(src, p + 1), depth)
      case 0xdf: return this.map(src, p, p + 5, u32(src, p + 1), depth)
    }
    // A Set is its array behind a tag; undefined on its own is null here (map entries skip it).
    if (t === 0xd4 && src[p + 1] === TAG_SET && isPrefixTag(src, p)) return this.value(src, p + 3, depth)
    if (isUndefinedAt(src, p)) {
      out.ascii('null')
      return p + 3
    }
    // Binary and extension values are rare in logs: decode them and write their plain form.
    this.out.utf8(plainJson(this.decoder.value(src, p, depth) ?? null))
    return this.decoder.end
  }

  /**
   * Writes the entries of the map whose first key is at p, as `,"key":value` each (a leading comma
   * before every entry), and returns the position after the map. Entries are at level `depth`.
   * `reserved`: for a record's top level, the keys a field is not written under.
   */
  mapEntries(src: Buffer, p: number, count: number, depth: number, reserved?: ReservedKeys): number {
    const out = this.out
    for (let i = 0; i < count; i++) {
      const valueAt = skipValue(src, p)
      if (isUndefinedAt(src, valueAt)) {
        p = valueAt + 3
        continue
      }
      out.byte(COMMA)
      this.key(src, p, reserved)
      out.byte(COLON)
      p = this.value(src, valueAt, depth)
    }
    return p
  }

  /** The members of a plain object as `,"key":value` each; `reserved` as for mapEntries(). */
  plainEntries(object: PlainObject, reserved?: ReservedKeys): void {
    const out = this.out
    for (const key of Object.keys(object)) {
      out.byte(COMMA)
      out.utf8(JSON.stringify(reserved === undefined ? key : reserved.rename(key)))
      out.byte(COLON)
      out.utf8(plainJson(object[key]))
    }
  }

  private key(src: Buffer, p: number, reserved: ReservedKeys | undefined): void {
    const start = stringStart(src, p)
    if (start >= 0) {
      const end = start + stringLength(src, p)
      if (reserved === undefined || !reserved.isReservedBytes(src, start, end)) return this.string(src, start, end)
    }
    const key = this.decoder.key(src, p)
    this.out.utf8(JSON.stringify(reserved === undefined ? key : reserved.rename(key)))
  }

  private map(src: Buffer, at: number, p: number, count: number, depth: number): number {
    if (depth > this.maxDepth) return this.deep(src, at, DEEP_OBJECT)
    const out = this.out
    out.byte(0x7b)
    const start = out.pos
    p = this.mapEntries(src, p, count, depth + 1)
    this.dropLeadingComma(start)
    out.byte(0x7d)
    return p
  }

  private array(src: Buffer, at: number, p: number, count: number, depth: number): number {
    if (depth > this.maxDepth) return this.deep(src, at, DEEP_ARRAY)
    const out = this.out
    const shown = Math.min(count, this.maxArrayLength)
    out.byte(0x5b)
    for (let i = 0; i < shown; i++) {
      if (i > 0) out.byte(COMMA)
      p = this.value(src, p, depth + 1)
    }
    if (count > shown) {
      if (shown > 0) out.byte(COMMA)
      out.ascii(`"${moreItems(count - shown)}"`)
      for (let i = shown; i < count; i++) p = skipValue(src, p)
    }
    out.byte(0x5d)
    return p
  }

  private deep(src: Buffer, at: number, marker: string): number {
    this.out.ascii(`"${marker}"`)
    return skipValue(src, at)
  }

  /** Every entry was written with a leading comma; the first one must not have it. */
  private dropLeadingComma(start: number): void {
    const out = this.out
    if (out.pos > start) out.buf.copyWithin(start, start + 1, out.pos--)
  }
}
