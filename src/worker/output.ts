/** A growable byte buffer that a batch of formatted records is written into. */
export class Output {
  buf: Buffer
  pos = 0
  /** Records in the buffer, so a failed write can count what it lost. */
  records = 0
  /** Where each record ends, so a pipe is written in pieces of whole records. */
  ends = new Int32Array(256)
  /** Each record's level and time, for the metrics per level and the latency (src/ring-metrics.ts). */
  levels = new Uint8Array(256)
  times = new Float64Array(256)
  /** The level and time of the record being formatted: set by the branch before it formats a frame (0 for what is no record). */
  level = 0
  time = 0

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes)
  }

  /** The record written since the last one ends here. */
  endRecord(): void {
    const n = this.records
    if (n === this.ends.length) {
      const ends = new Int32Array(n * 2)
      ends.set(this.ends)
      this.ends = ends
      const levels = new Uint8Array(n * 2)
      levels.set(this.levels)
      this.levels = levels
      const times = new Float64Array(n * 2)
      times.set(this.times)
      this.times = times
    }
    this.ends[n] = this.pos
    this.levels[n] = this.level
    this.times[n] = this.time
    this.records = n + 1
  }

  ensure(extra: number): void {
    const needed = this.pos + extra
    if (needed <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < needed) size *= 2
    const bigger = Buffer.allocUnsafeSlow(size)
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1)
    this.buf[this.pos++] = b
  }

  /** Only for strings known to be ASCII (keys the code itself writes, digits). */
  ascii(s: string): void {
    const n = s.length
    this.ensure(n)
    if (n > 64) {
      this.pos += this.buf.latin1Write(s, this.pos)
      return
    }
    // Short strings by hand: a native write call costs more than the copy.
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i)
    this.pos = p
  }

  /**
   * A number as JSON, the digits String() gives. Integers and decimals of up to six places (most
   * durations, prices, ratios) digit by digit: String() on a fraction cost 150 ns, a sixth of a
   * declared event's formatting. Others through String().
   */
  number(n: number): void {
    if (Number.isSafeInteger(n)) return this.integer(n)
    const magnitude = Math.abs(n)
    // Within this range a multiple of 1e-6 that parses back to n is the shortest text that does
    // (doubles here are closer together than 1e-6, and a shorter text would be such a multiple
    // too), and String() writes it in fixed notation.
    if (magnitude >= 1e-6 && magnitude < 1e9) {
      const millionths = Math.round(n * 1e6)
      if (millionths / 1e6 === n) return this.decimal(millionths)
    }
    this.ascii(Number.isFinite(n) ? String(n) : 'null')
  }

  /** A safe integer's digits (-0 as 0, as String() writes it). */
  private integer(n: number): void {
    if (n < 0) {
      this.byte(0x2d)
      n = -n
    }
    let digits = 1
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
    this.digits(n, digits)
  }

  /** The non-negative integer `n` in exactly `width` digits, zeros in front. */
  digits(n: number, width: number): void {
    this.ensure(width)
    const buf = this.buf
    for (let p = this.pos + width - 1; p >= this.pos; p--) {
      const q = Math.floor(n / 10)
      buf[p] = 0x30 + (n - q * 10)
      n = q
    }
    this.pos += width
  }

  /** millionths / 1e6 in fixed notation, without trailing zeros (never 0: integers go to integer()). */
  private decimal(millionths: number): void {
    if (millionths < 0) {
      this.byte(0x2d)
      millionths = -millionths
    }
    const whole = Math.floor(millionths / 1e6)
    let fraction = millionths - whole * 1e6
    this.integer(whole)
    let places = 6
    while (fraction % 10 === 0) {
      fraction /= 10
      places--
    }
    this.byte(0x2e)
    this.digits(fraction, places)
  }

  utf8(s: string): void {
    this.ensure(s.length * 3)
    this.pos += this.buf.utf8Write(s, this.pos)
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start
    this.ensure(n)
    if (n < 64) {
      // A short copy by hand beats set()'s fixed cost, and most keys and values are short.
      const buf = this.buf
      let p = this.pos
      for (let i = start; i < end; i++) buf[p++] = src[i]
    } else {
      this.buf.set(src.subarray(start, end), this.pos)
    }
    this.pos += n
  }

  /** Empties the buffer, once its bytes are written (or counted as failed). */
  clear(): void {
    this.pos = 0
    this.records = 0
  }
}
