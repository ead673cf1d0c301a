import { bufferSize, destination, invalid, levelName } from './validate.js'
import type { LevelTable } from './levels.js'
import { FORMAT_NAMES, type FormatName } from './worker/format/format.js'
import type { Destination } from './validate.js'

/** What the environment sets; createLogger's own options win over it. */
export interface EnvironmentOptions {
  level?: string
  levels?: Record<string, string>
  format?: FormatName
  bufferSize?: number
  worker?: boolean
  destination?: Destination
}

function variable(name: string): string {
  return `environment variable ${name}`
}

/** `info`, or `info,db=debug,http.*=warn`: a default level and levels per logger name. */
function logLevel(value: string, table: LevelTable): Pick<EnvironmentOptions, 'level' | 'levels'> {
  const where = variable('LOG_LEVEL')
  const out: Pick<EnvironmentOptions, 'level' | 'levels'> = {}
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=')
    if (eq < 0) {
      if (out.level !== undefined) invalid(where, value, 'one default level at most, like "info,db=debug"')
      out.level = levelName(where, part, table)
    } else {
      const name = part.slice(0, eq).trim()
      if (name === '') invalid(where, value, 'name=level pairs with a logger name before each =')
      ;(out.levels ??= {})[name] = levelName(where, part.slice(eq + 1).trim(), table)
    }
  }
  return out
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }

/** Bytes, or a number with K, M or G (KiB, MiB, GiB; `8M`, `8MiB` and `8MB` all mean 8 MiB). */
function size(value: string): number {
  const where = variable('RINGLOG_BUFFER_SIZE')
  const match = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(value)
  if (!match) return invalid(where, value, 'a size in bytes, or with K, M or G, like "8M"')
  return bufferSize(where, Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()], value)
}

function yesNo(name: string, value: string): boolean {
  const v = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  return invalid(variable(name), value, 'true or false (also 1/0, yes/no, on/off)')
}

/** The options the environment sets. Empty variables count as unset. */
export function readEnvironment(env: NodeJS.ProcessEnv, table: LevelTable): EnvironmentOptions {
  const get = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name])
  const out: EnvironmentOptions = {}
  const level = get('LOG_LEVEL')
  if (level !== undefined) Object.assign(out, logLevel(level, table))
  const format = get('LOG_FORMAT')
  if (format !== undefined) {
    if (!(FORMAT_NAMES as readonly string[]).includes(format)) invalid(variable('LOG_FORMAT'), format, `one of ${FORMAT_NAMES.map((f) => `'${f}'`).join(', ')}`)
    out.format = format as FormatName
  }
  const bytes = get('RINGLOG_BUFFER_SIZE')
  if (bytes !== undefined) out.bufferSize = size(bytes)
  const worker = get('RINGLOG_WORKER')
  if (worker !== undefined) out.worker = yesNo('RINGLOG_WORKER', worker)
  const dest = get('RINGLOG_DESTINATION')
  if (dest !== undefined) out.destination = destination(variable('RINGLOG_DESTINATION'), /^\d+$/.test(dest) ? Number(dest) : dest)
  return out
}
