import type { Output } from '../output.js'

/** Protobuf's wire types: how a field's value is laid out after its tag. */
export const VARINT = 0
export const I64 = 1
export const LEN = 2
export const I32 = 5

/** Strings shorter than this are tried as ASCII first; their length fits begin()'s one byte. */
const SHORT = 64

/** Bytes of `n` (a non-negative integer) as a varint. */
export function varintSize(n: number): number {
  let size = 1
  for (; n >= 0x80; n = Math.floor(n / 0x80)) size++
  return size
}

/**
 * Protobuf's wire format, written into an Output. The length of a length-delimited field is known
 * only once its content is written: `begin()` keeps one byte for it and `end()` writes it there,
 * moving the content up when the length needs a longer varint (content of 128 bytes or more), so
 * nested messages are written in one pass.
 */
export class ProtobufWriter {
  constructor(private readonly out: Output) {}

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  /** A non-negative integer up to 2^53 as a varint. */
  varint(n: number): void {
    const out = this.out
    out.ensure(8)
    const buf = out.buf
    let p = out.pos
    for (; n >= 0x80; n = Math.floor(n / 0x80)) buf[p++] = (n % 0x80) | 0x80
    buf[p++] = n
    out.pos = p
  }

  /** An int64: negative numbers in two's complement, ten bytes, as protobuf has them. */
  int64(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0) return this.varint(n)
    const bits = BigInt.asUintN(64, BigInt(n))
    this.varint64(Number(bits & 0xffffffffn), Number(bits >> 32n))
  }

  private varint64(low: number, high: number): void {
    const out = this.out
    out.ensure(10)
    const buf = out.buf
    let p = out.pos
    while (high > 0) {
      buf[p++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    while (low >= 0x80) {
      buf[p++] = (low & 0x7f) | 0x80
      low >>>= 7
    }
    buf[p++] = low
    out.pos = p
  }

  fixed32(n: number): void {
    const out = this.out
    out.ensure(4)
    out.buf.writeUInt32LE(n >>> 0, out.pos)
    out.pos += 4
  }

  fixed64(n: bigint): void {
    const out = this.out
    out.ensure(8)
    out.buf.writeBigUInt64LE(n, out.pos)
    out.pos += 8
  }

  double(n: number): void {
    const out = this.out
    out.ensure(8)
    out.buf.writeDoubleLE(n, out.pos)
    out.pos += 8
  }

  /** Field `field` as a string, UTF-8. */
  string(field: number, s: string): void {
    const start = this.begin(field)
    const out = this.out
    const n = s.length
    if (n < SHORT) {
      // Short ASCII by hand, its length known: most keys and values are, and a native write costs more.
      out.ensure(n)
      const buf = out.buf
      let p = out.pos
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[p++] = c
      }
      if (i === n) {
        buf[start - 1] = n
        out.pos = p
        return
      }
    }
    out.utf8(s)
    this.end(start)
  }

  /** Field `field` as bytes, from their hex text. */
  hexBytes(field: number, hex: string): void {
    this.tag(field, LEN)
    this.varint(hex.length / 2)
    const out = this.out
    out.ensure(hex.length / 2)
    out.pos += out.buf.write(hex, out.pos, 'hex')
  }

  /** Starts length-delimited field `field`; returns where its content starts, for end(). */
  begin(field: number): number {
    this.tag(field, LEN)
    this.out.byte(0)
    return this.out.pos
  }

  /** Ends the field whose content started at `start`: writes its length before it. */
  end(start: number): void {
    const out = this.out
    const length = out.pos - start
    if (length < 0x80) {
      out.buf[start - 1] = length
      return
    }
    const extra = varintSize(length) - 1
    out.ensure(extra)
    out.buf.copyWithin(start + extra, start, out.pos)
    out.pos = start - 1
    this.varint(length)
    out.pos = start + extra + length
  }
}
