/**
 * ISO-8601 timestamps from a per-second cached prefix plus the milliseconds: toISOString() per
 * record costs several times more.
 */
export class IsoTime {
  private second = NaN
  private prefix = ''

  format(ms: number): string {
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
