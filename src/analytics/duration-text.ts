const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** A duration as people read it in a report: its two largest units, `5 min`, `1 d 6 h`, `250 ms`. */
export function durationText(ms: number): string {
  if (ms < SECOND) return `${ms} ms`
  const parts: string[] = []
  for (const [unit, name] of [[DAY, 'd'], [HOUR, 'h'], [MINUTE, 'min'], [SECOND, 's']] as const) {
    const n = Math.floor(ms / unit)
    ms -= n * unit
    if (n > 0) parts.push(`${n} ${name}`)
  }
  return parts.slice(0, 2).join(' ')
}
