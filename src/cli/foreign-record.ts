import { LEVEL_LABELS, LEVELS } from '../levels.js'
import type { DecodedRecord } from '../worker/format/decoded.js'
import type { Plain, PlainObject } from '../worker/format/values.js'
import { deletePath, getPath, type KeyPath } from './key-path.js'

/**
 * A JSON log line as a record for the pretty format, whoever wrote it: pino (numeric `level`,
 * `msg`, epoch `time`), ringlog (a level label, ISO or epoch `time`), Google Cloud (`severity` such
 * as `WARNING`, `message`, `timestamp`) and ECS (`log.level` dotted or nested, `message`,
 * `@timestamp`). The keys read for the header are taken out of the fields; everything else stays.
 */

/**
 * Where the message, level and time are looked for, in order. The first key whose value can be read
 * is used (a level that is a string or a number, a time that parses); the others stay fields.
 */
export interface RecordKeys {
  message: readonly KeyPath[]
  level: readonly KeyPath[]
  time: readonly KeyPath[]
}

export const DIALECT_KEYS: RecordKeys = {
  message: [['msg'], ['message']],
  level: [['level'], ['severity'], ['log.level'], ['log', 'level']],
  time: [['time'], ['@timestamp'], ['timestamp']],
}

/**
 * Level names as pino's numbers: pino's and ringlog's, and the syslog names that Google Cloud's
 * severities and ECS levels use. Google's `DEFAULT` ("no assigned severity") has no rank.
 */
const RANKS: Readonly<Record<string, number>> = {
  ...LEVELS,
  notice: 30,
  warning: 40,
  err: 50,
  critical: 60,
  crit: 60,
  alert: 60,
  emergency: 60,
  emerg: 60,
}


/** A level name's number, in any case; undefined for a name without one. */
export function levelRank(name: string): number | undefined {
  const key = name.toLowerCase()
  return Object.hasOwn(RANKS, key) ? RANKS[key] : undefined
}

/** ms since the epoch from an ISO string, epoch milliseconds, unix seconds or Google's `{seconds, nanos}`. */
function timeOf(value: Plain): number {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value
  if (typeof value === 'string') return Date.parse(value)
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.seconds === 'number') {
    return value.seconds * 1000 + (typeof value.nanos === 'number' ? value.nanos / 1e6 : 0)
  }
  return NaN
}

/** A record read from a line, and the keys its message, level and time were read from. */
export interface ForeignRecord extends DecodedRecord {
  from: { message?: KeyPath; level?: KeyPath; time?: KeyPath }
}

/**
 * The first of the paths that holds a value `accept` takes; the key is then removed from `fields`
 * and noted in `from`.
 */
function take<T>(
  fields: PlainObject, paths: readonly KeyPath[], from: ForeignRecord['from'], part: keyof ForeignRecord['from'], accept: (value: Plain) => T | undefined,
): T | undefined {
  for (const path of paths) {
    const value = getPath(fields, path)
    if (value === undefined) continue
    const taken = accept(value)
    if (taken === undefined) continue
    deletePath(fields, path, true)
    from[part] = path
    return taken
  }
  return undefined
}

/**
 * The record of one parsed line (which it takes apart). A level that is neither a number nor a
 * name with a rank has level NaN: it sorts below and above nothing, so `--minimumLevel` keeps it.
 * A time that cannot be read stays among the fields, and the record has time NaN.
 */
export function recordOf(fields: PlainObject, keys: RecordKeys = DIALECT_KEYS): ForeignRecord {
  const from: ForeignRecord['from'] = {}
  const message = take(fields, keys.message, from, 'message', (value) => (value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value)))
  const level = take(fields, keys.level, from, 'level', (value) => {
    if (typeof value === 'number') return { level: value, label: LEVEL_LABELS.get(value) ?? String(value) }
    if (typeof value === 'string') return { level: levelRank(value) ?? NaN, label: value }
    return undefined
  })
  const time = take(fields, keys.time, from, 'time', (value) => {
    const ms = timeOf(value)
    return Number.isFinite(ms) ? ms : undefined
  })
  return { time: time ?? NaN, level: level?.level ?? NaN, label: level?.label ?? '', message, fields, from }
}
