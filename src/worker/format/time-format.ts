/** How a record's time is written: an ISO-8601 string, milliseconds or seconds since the epoch. */
export type TimeFormatName = 'iso' | 'epoch' | 'unix'

/**
 * Formats record times. ISO strings come from a per-second cached prefix plus the milliseconds:
 * toISOString() per record costs several times more.
 */
export class TimeFormat {
  private second = NaN
  private prefix = ''

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
    if (second !== this.second) {
      const iso = new Date(second * 1000).toISOString()
      if (iso.length !== 24) return new Date(ms).toISOString() // years outside 0000..9999
      this.second = second
      this.prefix = iso.slice(0, 20)
    }
    const milli = ms - second * 1000
    return this.prefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + Math.floor(milli) + 'Z'
  }
}
