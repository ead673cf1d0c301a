import { unpack } from 'msgpackr'
import type { Output } from '../output.js'

/**
 * Writes msgpack bytes as JSON text without building JavaScript objects: the worker's fast path.
 * Output follows JSON.stringify: undefined members are left out, NaN and Infinity become null,
 * Dates become ISO strings. Strings of plain ASCII are copied byte for byte; anything else is
 * decoded and escaped by JSON.stringify, so lone surrogates and control characters come out escaped.
 */

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a

function u16(src: Uint8Array, p: number): number {
  return (src[p] << 8) | src[p + 1]
}

function u32(src: Uint8Array, p: number): number {
  return ((src[p] << 24) >>> 0) + ((src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3])
}

/** msgpackr writes `undefined` as fixext 1 of type 0 with data 0. */
export function isUndefinedAt(src: Uint8Array, p: number): boolean {
  return src[p] === 0xd4 && src[p + 1] === 0 && src[p + 2] === 0
}

export function writeJsonString(out: Output, src: Buffer, start: number, end: number): void {
  let i = start
  while (i < end) {
    const c = src[i]
    if (c < 0x20 || c === QUOTE || c === 0x5c || c > 0x7e) break
    i++
  }
  if (i === end) {
    out.byte(QUOTE)
    out.bytes(src, start, end)
    out.byte(QUOTE)
  } else {
    out.utf8(JSON.stringify(src.utf8Slice(start, end)))
  }
}

/** Where the bytes of the string at p start, or -1 when p is not a string. */
function stringStart(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t >= 0xa0 && t <= 0xbf) return p + 1
  if (t === 0xd9) return p + 2
  if (t === 0xda) return p + 3
  if (t === 0xdb) return p + 5
  return -1
}

/** The length of the string at p, whose bytes start at `start`. */
function stringLength(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t === 0xd9) return src[p + 1]
  if (t === 0xda) return u16(src, p + 1)
  if (t === 0xdb) return u32(src, p + 1)
  return t & 0x1f
}

/** The position after the value at p. */
export function skipValue(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t <= 0x7f || t >= 0xe0) return p + 1
  if (t <= 0x8f) {
    let q = p + 1
    for (let n = (t & 0x0f) * 2; n > 0; n--) q = skipValue(src, q)
    return q
  }
  if (t <= 0x9f) {
    let q = p + 1
    for (let n = t & 0x0f; n > 0; n--) q = skipValue(src, q)
    return q
  }
  if (t <= 0xbf) return p + 1 + (t & 0x1f)
  switch (t) {
    case 0xc0: case 0xc1: case 0xc2: case 0xc3: return p + 1
    case 0xc4: case 0xd9: return p + 2 + src[p + 1]
    case 0xc5: case 0xda: return p + 3 + u16(src, p + 1)
    case 0xc6: case 0xdb: return p + 5 + u32(src, p + 1)
    case 0xc7: return p + 3 + src[p + 1]
    case 0xc8: return p + 4 + u16(src, p + 1)
    case 0xc9: return p + 6 + u32(src, p + 1)
    case 0xca: return p + 5
    case 0xcb: return p + 9
    case 0xcc: case 0xd0: return p + 2
    case 0xcd: case 0xd1: return p + 3
    case 0xce: case 0xd2: return p + 5
    case 0xcf: case 0xd3: return p + 9
    case 0xd4: return p + 3
    case 0xd5: return p + 4
    case 0xd6: return p + 6
    case 0xd7: return p + 10
    case 0xd8: return p + 18
    case 0xdc: {
      let q = p + 3
      for (let n = u16(src, p + 1); n > 0; n--) q = skipValue(src, q)
      return q
    }
    case 0xdd: {
      let q = p + 5
      for (let n = u32(src, p + 1); n > 0; n--) q = skipValue(src, q)
      return q
    }
    case 0xde: {
      let q = p + 3
      for (let n = u16(src, p + 1) * 2; n > 0; n--) q = skipValue(src, q)
      return q
    }
    case 0xdf: {
      let q = p + 5
      for (let n = u32(src, p + 1) * 2; n > 0; n--) q = skipValue(src, q)
      return q
    }
  }
  throw new RangeError(`not a msgpack type byte: 0x${t.toString(16)}`)
}

/** Number of entries and the position of the first key, or undefined when p is not a map. */
export function mapHeader(src: Uint8Array, p: number): [number, number] | undefined {
  const t = src[p]
  if (t >= 0x80 && t <= 0x8f) return [t & 0x0f, p + 1]
  if (t === 0xde) return [u16(src, p + 1), p + 3]
  if (t === 0xdf) return [u32(src, p + 1), p + 5]
  return undefined
}

/** The key at p as a string (keys are almost always short ASCII strings). */
export function readKey(src: Buffer, p: number): string {
  const start = stringStart(src, p)
  if (start >= 0) return src.utf8Slice(start, start + stringLength(src, p))
  return String(unpack(src.subarray(p, skipValue(src, p))))
}

function writeKey(out: Output, src: Buffer, p: number): number {
  const start = stringStart(src, p)
  if (start >= 0) {
    const end = start + stringLength(src, p)
    writeJsonString(out, src, start, end)
    return end
  }
  const end = skipValue(src, p)
  out.utf8(JSON.stringify(String(unpack(src.subarray(p, end)))))
  return end
}

/**
 * Writes the entries of the map whose first key is at p, as `,"key":value` each (a leading comma
 * before every entry), and returns the position after the map.
 */
export function writeMapEntries(out: Output, src: Buffer, p: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const valueAt = skipValue(src, p)
    if (isUndefinedAt(src, valueAt)) {
      p = valueAt + 3
      continue
    }
    out.byte(COMMA)
    writeKey(out, src, p)
    out.byte(COLON)
    p = writeValue(out, src, valueAt)
  }
  return p
}

function writeMap(out: Output, src: Buffer, p: number, count: number): number {
  out.byte(0x7b)
  const start = out.pos
  p = writeMapEntries(out, src, p, count)
  // Every entry was written with a leading comma; the first one must not have it.
  if (out.pos > start) out.buf.copyWithin(start, start + 1, out.pos--)
  out.byte(0x7d)
  return p
}

function writeArray(out: Output, src: Buffer, p: number, count: number): number {
  out.byte(0x5b)
  for (let i = 0; i < count; i++) {
    if (i > 0) out.byte(COMMA)
    if (isUndefinedAt(src, p)) {
      out.ascii('null')
      p += 3
    } else {
      p = writeValue(out, src, p)
    }
  }
  out.byte(0x5d)
  return p
}

function writeNumber(out: Output, n: number): void {
  out.number(n)
}

/** Writes the value at p and returns the position after it. */
export function writeValue(out: Output, src: Buffer, p: number): number {
  const t = src[p]
  if (t <= 0x7f) {
    writeNumber(out, t)
    return p + 1
  }
  if (t >= 0xe0) {
    writeNumber(out, t - 0x100)
    return p + 1
  }
  if (t <= 0x8f) return writeMap(out, src, p + 1, t & 0x0f)
  if (t <= 0x9f) return writeArray(out, src, p + 1, t & 0x0f)
  if (t <= 0xbf) {
    const end = p + 1 + (t & 0x1f)
    writeJsonString(out, src, p + 1, end)
    return end
  }
  switch (t) {
    case 0xc0: out.ascii('null'); return p + 1
    case 0xc2: out.ascii('false'); return p + 1
    case 0xc3: out.ascii('true'); return p + 1
    case 0xca: writeNumber(out, src.readFloatBE(p + 1)); return p + 5
    case 0xcb: writeNumber(out, src.readDoubleBE(p + 1)); return p + 9
    case 0xcc: writeNumber(out, src[p + 1]); return p + 2
    case 0xcd: writeNumber(out, u16(src, p + 1)); return p + 3
    case 0xce: writeNumber(out, u32(src, p + 1)); return p + 5
    case 0xcf: out.ascii(src.readBigUInt64BE(p + 1).toString()); return p + 9
    case 0xd0: writeNumber(out, src.readInt8(p + 1)); return p + 2
    case 0xd1: writeNumber(out, src.readInt16BE(p + 1)); return p + 3
    case 0xd2: writeNumber(out, src.readInt32BE(p + 1)); return p + 5
    case 0xd3: out.ascii(src.readBigInt64BE(p + 1).toString()); return p + 9
    case 0xd9: case 0xda: case 0xdb: {
      const start = stringStart(src, p)
      const end = start + stringLength(src, p)
      writeJsonString(out, src, start, end)
      return end
    }
    case 0xdc: return writeArray(out, src, p + 3, u16(src, p + 1))
    case 0xdd: return writeArray(out, src, p + 5, u32(src, p + 1))
    case 0xde: return writeMap(out, src, p + 3, u16(src, p + 1))
    case 0xdf: return writeMap(out, src, p + 5, u32(src, p + 1))
  }
  // Binary and extension values (Buffers, typed arrays, Dates, undefined) are rare in logs:
  // let msgpackr decode them and write the JavaScript value.
  const end = skipValue(src, p)
  out.utf8(jsonOfDecoded(unpack(src.subarray(p, end))))
  return end
}

function jsonOfDecoded(value: unknown): string {
  if (value === undefined) return 'null'
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`
  if (Buffer.isBuffer(value)) return JSON.stringify(value)
  if (ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<number | bigint>, (x) => typeof x === 'bigint' ? x.toString() : x)
    return JSON.stringify(items)
  }
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null'
}
