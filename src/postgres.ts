/**
 * `ringlog/postgres`: the `postgres` sink's delivery, which the drain worker imports only when a
 * logger has such a sink. It is the one module of ringlog that loads `pg` (an optional peer dependency).
 */
import pg from 'pg'
import type { PostgresConfig } from './shipping/postgres-options.js'
import { abortable } from './worker/shipping/abortable.js'
import { DeliveryError, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { jsonRecord } from './worker/shipping/json-records.js'

export type { PostgresSinkOptions } from './shipping/postgres-options.js'

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain }

/** The rows of a batch: one array a column, as unnest() takes them. */
export interface Rows {
  time: string[]
  level: string[]
  msg: (string | null)[]
  fields: string[]
}

const NUL = /\0/g
const REPLACEMENT = '\ufffd'

/** PostgreSQL's text and jsonb cannot hold a NUL character: it becomes U+FFFD, in keys and values alike. */
export function withoutNul(value: Plain): Plain {
  if (typeof value === 'string') return value.includes('\0') ? value.replace(NUL, REPLACEMENT) : value
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(withoutNul)
  const out: { [key: string]: Plain } = {}
  for (const [key, item] of Object.entries(value)) out[key.includes('\0') ? key.replace(NUL, REPLACEMENT) : key] = withoutNul(item)
  return out
}

/** The batch's records as rows: the time, the level and the message of each, every other field in `fields`. */
export function rowsOf(batch: Batch): Rows {
  const rows: Rows = { time: [], level: [], msg: [], fields: [] }
  for (let i = 0; i < batch.count; i++) {
    const { time, level, msg, fields } = jsonRecord(batch, i)
    rows.time.push(time)
    rows.level.push(level)
    rows.msg.push(typeof msg === 'string' ? withoutNul(msg) as string : msg === undefined ? null : JSON.stringify(msg))
    rows.fields.push(JSON.stringify(withoutNul(fields as Plain)))
  }
  return rows
}

/**
 * SQLSTATE classes and codes worth trying the batch again for: the connection (08), the server
 * shutting down or starting (57P01-57P03), resources (53), a serialization failure or deadlock.
 * An error without a SQLSTATE is a network error.
 */
function retried(code: unknown): boolean {
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || code === '40001' || code === '40P01'
}

/** One INSERT per batch, from arrays unnested into rows: a single statement of four parameters, however many rows. */
export class PostgresDelivery implements Delivery {
  private readonly pool: pg.Pool
  private readonly target: string
  private ready = false

  constructor(private readonly config: PostgresConfig) {
    this.pool = new pg.Pool({
      ...(config.connectionString === undefined ? {} : { connectionString: config.connectionString }),
      max: 1,
      connectionTimeoutMillis: config.timeoutMs,
      statement_timeout: config.timeoutMs,
      application_name: 'ringlog',
    })
    // An idle connection the server ended (a restart) is dropped by the pool; the next batch connects again.
    this.pool.on('error', () => {})
    this.target = `"${config.schema}"."${config.table}"`
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    const rows = rowsOf(batch)
    try {
      if (!this.ready && this.config.createTable) await abortable(this.create(), signal)
      this.ready = true
      await abortable(this.pool.query(
        `INSERT INTO ${this.target} (time, level, msg, fields) SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::jsonb[])`,
        [rows.time, rows.level, rows.msg, rows.fields],
      ), signal)
    } catch (error) {
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
      // A table dropped meanwhile is made again before the next try.
      if (code === '42P01') this.ready = false
      throw new DeliveryError(`${typeof code === 'string' ? `${code}: ` : ''}${String(message ?? error)}`, { retry: retried(code) || (code === '42P01' && this.config.createTable), cause: error })
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  private async create(): Promise<void> {
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.config.schema}"`)
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.target} (time timestamptz NOT NULL, level text NOT NULL, msg text, fields jsonb NOT NULL DEFAULT '{}')`)
  }
}

/** The delivery of a `postgres` sink (src/worker/shipping/types.ts). */
export function postgresDelivery(config: PostgresConfig): Delivery {
  return new PostgresDelivery(config)
}
