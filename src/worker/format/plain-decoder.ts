import { unpack } from 'msgpackr'
import { isPrefixTag, isUndefinedAt, mapSize, skipValue, stringLength, stringStart, TAG_ERROR, TAG_SET, u16, u32 } from './msgpack.js'
import { DEEP_ARRAY, DEEP_OBJECT, moreItems, plainJson, truncateString, type Limits, type Plain, type PlainObject } from './values.js'

/**
 * msgpack bytes to plain data, the limits applied on the way: the one definition of what each value
 * becomes (see the data types table in README.md). Strings are decoded here, not by msgpackr, so
 * every byte survives (msgpackr's JS decoder drops a leading U+FEFF); objects are built without a
 * prototype, so a key named `__proto__` is a key like any other. Only leaf extensions (Dates, typed
 * arrays, big BigInts, binary) are left to msgpackr.
 */
export class PlainDecoder {
  /** The position after the value last decoded. */
  end = 0

  /**
   * @param keepDates Dates stay Date objects (typed as objects without keys), for data that is
   * encoded again (redaction): as ISO strings they would come back as strings, cut by maxStringLength.
   */
  constructor(private readonly limits: Limits, private readonly keepDates = false) {}

  /** A record's fields: the map at p as an object; anything else as `{ value }`. */
  fields(src: Buffer, p: number): PlainObject {
    if (mapSize(src, p) >= 0) return this.value(src, p, 0) as PlainObject
    const out = Object.create(null) as PlainObject
    out.value = this.value(src, p, 1) ?? null
    return out
  }

  /** A map key as a string: strings as they are; a Map's other keys as their text. */
  key(src: Buffer, p: number): string {
    const start = stringStart(src, p)
    if (start >= 0) {
      this.end = start + stringLength(src, p)
      return src.utf8Slice(start, this.end)
    }
    const key = this.value(src, p, 0) ?? null
    return key !== null && typeof key === 'object' ? plainJson(key) : String(key)
  }

  /** The value at p, at nesting level `depth`; undefined for what is left out (undefined, functions). */
  value(src: Buffer, p: number, depth: number): Plain | undefined {
    const t = src[p]
    this.end = p + 1
    if (t <= 0x7f) return t
    if (t >= 0xe0) return t - 0x100
    if (t <= 0x8f) return this.map(src, p, p + 1, t & 0x0f, depth)
    if (t <= 0x9f) return this.array(src, p, p + 1, t & 0x0f, depth)
    if (t <= 0xbf) return this.string(src, p + 1, p + 1 + (t & 0x1f))
    switch (t) {
      case 0xc0: return null
      case 0xc2: return false
      case 0xc3: return true
      case 0xca: this.end = p + 5; return src.readFloatBE(p + 1)
      case 0xcb: this.end = p + 9; return src.readDoubleBE(p + 1)
      case 0xcc: this.end = p + 2; return src[p + 1]
      case 0xcd: this.end = p + 3; return u16(src, p + 1)
      case 0xce: this.end = p + 5; return u32(src, p + 1)
      case 0xcf: this.end = p + 9; return src.readBigUInt64BE(p + 1)
      case 0xd0: this.end = p + 2; return src.readInt8(p + 1)
      case 0xd1: this.end = p + 3; return src.readInt16BE(p + 1)
      case 0xd2: this.end = p + 5; return src.readInt32BE(p + 1)
      case 0xd3: this.end = p + 9; return src.readBigInt64BE(p + 1)
      case 0xd9: case 0xda: case 0xdb: {
        const start = stringStart(src, p)
        return this.string(src, start, start + stringLength(src, p))
      }
      case 0xdc: return this.array(src, p, p + 3, u16(src, p + 1), depth)
      case 0xdd: return this.array(src, p, p + 5, u32(src, p + 1), depth)
      case 0xde: return this.map(src, p, p + 3, u16(src, p + 1), depth)
      case 0xdf: return this.map(src, p, p + 5, u32(src, p + 1), depth)
    }
    if (isUndefinedAt(src, p)) {
      this.end = p + 3
      return undefined
    }
    if (isPrefixTag(src, p)) {
      const type = src[p + 1]
      if (type === TAG_SET) return this.value(src, p + 3, depth)
      return type === TAG_ERROR ? this.error(src, p, depth) : this.regexp(src, p)
    }
    const end = skipValue(src, p)
    const decoded = unpack(src.subarray(p, end))
    this.end = end
    if (this.keepDates && decoded instanceof Date) return decoded as unknown as PlainObject
    return leaf(decoded, this.limits, depth)
  }

  private string(src: Buffer, start: number, end: number): string {
    this.end = end
    return truncateString(src.utf8Slice(start, end), this.limits.maxStringLength)
  }

  private map(src: Buffer, at: number, p: number, count: number, depth: number): Plain {
    if (depth > this.limits.maxDepth) return this.skip(src, at, DEEP_OBJECT)
    const out = Object.create(null) as PlainObject
    for (let i = 0; i < count; i++) {
      const key = this.key(src, p)
      const value = this.value(src, this.end, depth + 1)
      p = this.end
      if (value !== undefined) out[key] = value
    }
    this.end = p
    return out
  }

  private array(src: Buffer, at: number, p: number, count: number, depth: number): Plain {
    if (depth > this.limits.maxDepth) return this.skip(src, at, DEEP_ARRAY)
    const shown = Math.min(count, this.limits.maxArrayLength)
    const out: Plain[] = []
    for (let i = 0; i < shown; i++) {
      out.push(this.value(src, p, depth + 1) ?? null)
      p = this.end
    }
    if (count > shown) {
      out.push(moreItems(count - shown))
      for (let i = shown; i < count; i++) p = skipValue(src, p)
    }
    this.end = p
    return out
  }

  /** An Error below the top level: msgpackr carries [name, message, cause, errors?]. */
  private error(src: Buffer, at: number, depth: number): Plain {
    if (depth > this.limits.maxDepth) return this.skip(src, at, DEEP_OBJECT)
    // The parts are read one by one: as an array they would be cut at maxArrayLength, which is for the data's arrays.
    const items: (Plain | undefined)[] = []
    const t = src[at + 3]
    if (t >= 0x90 && t <= 0x9f) {
      let p = at + 4
      for (let i = 0; i < (t & 0x0f); i++) {
        items.push(this.value(src, p, depth + 1))
        p = this.end
      }
      this.end = p
    } else {
      this.value(src, at + 3, depth)
    }
    const end = this.end
    const [name, message, cause, errors] = items
    const out = Object.create(null) as PlainObject
    out.type = text(name)
    out.message = text(message)
    if (errors !== undefined && errors !== null) out.errors = errors
    if (cause !== undefined && cause !== null) out.cause = cause
    this.end = end
    return out
  }

  /** A RegExp: msgpackr carries [source, flags], as a fixarray of two strings. */
  private regexp(src: Buffer, at: number): Plain {
    this.end = skipValue(src, at)
    const parts: string[] = []
    let q = at + 4
    for (let i = 0; i < 2 && src[at + 3] === 0x92; i++) {
      const start = stringStart(src, q)
      if (start < 0) break
      q = start + stringLength(src, q)
      parts.push(src.utf8Slice(start, q))
    }
    return truncateString(`/${parts[0] ?? ''}/${parts[1] ?? ''}`, this.limits.maxStringLength)
  }

  private skip(src: Buffer, at: number, marker: string): string {
    this.end = skipValue(src, at)
    return marker
  }
}

function text(value: Plain | undefined): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'object' ? plainJson(value) : String(value)
}

/** A value msgpackr decoded from an extension or binary: a Date, a typed array, a Buffer, a BigInt. */
function leaf(value: unknown, limits: Limits, depth: number): Plain | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value
  if (value === undefined || value === null) return value
  if (!ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) return String(value)
  if (depth > limits.maxDepth) return DEEP_ARRAY
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value instanceof DataView ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value
  const list = Array.from(bytes as unknown as ArrayLike<number | bigint>)
  const shown = list.slice(0, limits.maxArrayLength) as Plain[]
  if (list.length > shown.length) shown.push(moreItems(list.length - shown.length))
  return Buffer.isBuffer(value) ? { type: 'Buffer', data: shown } : shown
}
