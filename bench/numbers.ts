/** What the benchmarks read from their environment and how they sum up rounds. */

/** A whole number above 0 from the environment (`1_000_000` allowed), or the fallback. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replaceAll('_', ''))
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  return value
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-US')

export function fail(message: string): never {
  throw new Error(message)
}
