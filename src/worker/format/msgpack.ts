/**
 * Reading the msgpack that the calling thread's encoder writes, without building objects where a
 * format does not need them. The encoder packs with msgpackr's `moreTypes`: a Set, an Error or a
 * RegExp is a one-byte tag (fixext 1 with data 0) followed by an array, a typed array is an
 * extension; `undefined` is the tag of type 0 on its own.
 */

export function u16(src: Uint8Array, p: number): number {
  return (src[p] << 8) | src[p + 1]
}

export function u32(src: Uint8Array, p: number): number {
  return ((src[p] << 24) >>> 0) + ((src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3])
}

export const TAG_SET = 0x73
export const TAG_ERROR = 0x65
export const TAG_REGEXP = 0x78

/** msgpackr writes `undefined` (and functions) as fixext 1 of type 0 with data 0. */
export function isUndefinedAt(src: Uint8Array, p: number): boolean {
  return src[p] === 0xd4 && src[p + 1] === 0 && src[p + 2] === 0
}

/** True when the fixext 1 at p is a tag whose value is the array that follows it. */
export function isPrefixTag(src: Uint8Array, p: number): boolean {
  const type = src[p + 1]
  return src[p] === 0xd4 && src[p + 2] === 0 && (type === TAG_SET || type === TAG_ERROR || type === TAG_REGEXP)
}

/** Where the bytes of the string at p start, or -1 when p is not a string. */
export function stringStart(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t >= 0xa0 && t <= 0xbf) return p + 1
  if (t === 0xd9) return p + 2
  if (t === 0xda) return p + 3
  if (t === 0xdb) return p + 5
  return -1
}

/** The byte length of the string at p. */
export function stringLength(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t === 0xd9) return src[p + 1]
  if (t === 0xda) return u16(src, p + 1)
  if (t === 0xdb) return u32(src, p + 1)
  return t & 0x1f
}

function skipItems(src: Uint8Array, p: number, n: number): number {
  for (; n > 0; n--) p = skipValue(src, p)
  return p
}

/** The position after the value at p. */
export function skipValue(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t <= 0x7f || t >= 0xe0) return p + 1
  if (t <= 0x8f) return skipItems(src, p + 1, (t & 0x0f) * 2)
  if (t <= 0x9f) return skipItems(src, p + 1, t & 0x0f)
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
    case 0xd4: return isPrefixTag(src, p) ? skipValue(src, p + 3) : p + 3
    case 0xd5: return p + 4
    case 0xd6: return p + 6
    case 0xd7: return p + 10
    case 0xd8: return p + 18
    case 0xdc: return skipItems(src, p + 3, u16(src, p + 1))
    case 0xdd: return skipItems(src, p + 5, u32(src, p + 1))
    case 0xde: return skipItems(src, p + 3, u16(src, p + 1) * 2)
    case 0xdf: return skipItems(src, p + 5, u32(src, p + 1) * 2)
  }
  throw new RangeError(`not a msgpack type byte: 0x${t.toString(16)}`)
}

/**
 * Number of entries of the map at p, or -1 when p is not a map. Two functions rather than one
 * returning both: a pair allocated for every record was a third of the drain worker's garbage.
 */
export function mapSize(src: Uint8Array, p: number): number {
  const t = src[p]
  if (t >= 0x80 && t <= 0x8f) return t & 0x0f
  if (t === 0xde) return u16(src, p + 1)
  if (t === 0xdf) return u32(src, p + 1)
  return -1
}

/** Where the first key of the map at p is (p is a map: see mapSize). */
export function mapStart(src: Uint8Array, p: number): number {
  const t = src[p]
  return t === 0xde ? p + 3 : t === 0xdf ? p + 5 : p + 1
}
