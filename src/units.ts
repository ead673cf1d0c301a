import { invalid, type Where } from './validate.js'

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, kib: 1 << 10,
  m: 1e6, mb: 1e6, mib: 1 << 20,
  g: 1e9, gb: 1e9, gib: 1 << 30,
}

/** A size in bytes: a number, or text like '100 MB', '1 MiB', '512kb' (KB, MB, GB are powers of 1000; KiB, MiB, GiB of 1024). */
export function parseSize(where: Where, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined
  if (!match || unit === undefined || Number(match[1]) <= 0) return invalid(where, value, "a size: bytes as a number, or like '100 MB' or '1 MiB'")
  return Math.round(Number(match[1]) * unit)
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
}

/** A duration in ms: a number, or text like '30 days', '12 hours', '90s'. */
export function parseDuration(where: Where, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value) : null
  const unit = match ? DURATION_UNITS[match[2].toLowerCase()] : undefined
  if (!match || unit === undefined || Number(match[1]) <= 0) return invalid(where, value, "a duration: milliseconds as a number, or like '30 days' or '12 hours'")
  return Number(match[1]) * unit
}

/** An optional duration that may be 0 (no waiting): `fallback` when not given. */
export function delay(where: Where, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  return value === 0 ? 0 : parseDuration(where, value)
}
