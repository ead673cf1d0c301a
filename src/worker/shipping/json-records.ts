import { STAMP_BYTES } from '../format/timestamped.js'
import { recordOf, type Batch } from './delivery.js'

/**
 * A record of a sink whose records are the json format's with its own keys, each after its time
 * (src/worker/format/timestamped.ts), taken apart for a database's row or entry.
 */
export interface JsonRecord {
  /** ISO 8601, from the stamp: the record's time exactly, whatever the format's time option. */
  time: string
  level: string
  /** The message; undefined for a record without one. */
  msg: unknown
  /** Every other field: child bindings, request context and the call's own. */
  fields: Record<string, unknown>
  /** The record's JSON line, without its line feed. */
  text: string
}

export function jsonRecord(batch: Batch, i: number): JsonRecord {
  const record = recordOf(batch, i)
  const end = record[record.length - 1] === 0x0a ? record.length - 1 : record.length
  const text = record.toString('utf8', STAMP_BYTES, end)
  const { time: _time, level, msg, ...fields } = JSON.parse(text) as Record<string, unknown>
  return { time: new Date(record.readDoubleLE(0)).toISOString(), level: String(level), msg, fields, text }
}
