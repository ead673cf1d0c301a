import type { Output } from '../output.js'

/** How a record's time is written: an ISO-8601 string, milliseconds or seconds since the epoch. */
export type TimeFormatName = 'iso' | 'epoch' | 'unix'

/**
 * Formats record times. ISO strings come from a per-second cached prefix plus the milliseconds:
 * toISOString() per record costs several times more.
 */
export class TimeFormat {
  private second = NaN
  private prefix = ''
  /** The prefix's bytes, for write(). */
  private prefixBytes = Buffer.alloc(0)

  constructor(readonly kind: TimeFormatName) {}

  /** True when the text is a string (ISO), false when it is a number. */
  get isString(): boolean {
    return this.kind === 'iso'
  }

  text(ms: number): string {
    if (this.kind === 'epoch') return String(ms)
    if (this.kind === 'unix') return String(ms / 1000)
    return this.iso(ms)
  }

  iso(ms: number): string {
    const second = Math.floor(ms / 1000)
    if (!this.cache(second)) return new Date(ms).toISOString()
    const milli = ms - second * 1000
    return this.prefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + Math.floor(milli) + 'Z'
  }

  /** What text() gives, written into `out` without a string per record: the JSON format's time. */
  write(out: Output, ms: number): void {
    if (this.kind !== 'iso') return out.number(this.kind === 'epoch' ? ms : ms / 1000)
    const second = Math.floor(ms / 1000)
    if (!this.cache(second)) return out.ascii(new Date(ms).toISOString())
    out.bytes(this.prefixBytes, 0, this.prefixBytes.length)
    out.digits(Math.floor(ms - second * 1000), 3)
    out.byte(0x5a)
  }

  /** Makes the prefix that of `second`; false for years outside 0000..9999, whose text is longer. */
  private cache(second: number): boolean {
    if (second === this.second) return true
    const iso = new Date(second * 1000).toISOString()
    if (iso.length !== 24) return false
    this.second = second
    this.prefix = iso.slice(0, 20)
    this.prefixBytes = Buffer.from(this.prefix, 'latin1')
    return true
  }
}
