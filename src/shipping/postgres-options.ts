import { flag, invalid } from '../validate.js'
import { type OptionsReader, timeoutOption, jsonFormatOnly } from './options-reader.js'

/**
 * `{ type: 'postgres', connectionString }`: records into a PostgreSQL table with `pg` (an optional
 * peer dependency, loaded by the drain worker only when such a sink exists): one row a record,
 * `time timestamptz`, `level text`, `msg text`, and the other fields as `fields jsonb`.
 */
export interface PostgresSinkOptions {
  /** @default pg's: the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables @example 'postgres://app@db:5432/logs' */
  connectionString?: string
  /** @default 'logs' */
  table?: string
  /** @default 'public' */
  schema?: string
  /** Create the table (and the schema) when it is missing. @default true */
  createTable?: boolean
  /** How long a batch's statement may take: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's postgres delivery is given. */
export interface PostgresConfig {
  connectionString: string | undefined
  table: string
  schema: string
  createTable: boolean
  timeoutMs: number
}

/** A name that needs no quoting rules beyond double quotes: letters, digits, _ and $, not starting with a digit. */
const NAME = /^[A-Za-z_][\w$]{0,62}$/

export const postgresOptions: OptionsReader<PostgresConfig> = {
  keys: ['connectionString', 'table', 'schema', 'createTable', 'timeout'],
  read(fields, where) {
    const { connectionString, table = 'logs', schema = 'public' } = fields
    if (connectionString !== undefined && (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString) || !URL.canParse(connectionString))) {
      invalid(where('connectionString'), connectionString, 'a postgres:// or postgresql:// URL')
    }
    if (typeof table !== 'string' || !NAME.test(table)) invalid(where('table'), table, 'a table name: letters, digits, _ and $, up to 63, not starting with a digit')
    if (typeof schema !== 'string' || !NAME.test(schema)) invalid(where('schema'), schema, 'a schema name: letters, digits, _ and $, up to 63, not starting with a digit')
    // Each row is made from the json format's record.
    jsonFormatOnly(where('format'), fields.format, "each row is made from the record's JSON")
    return {
      connectionString,
      table,
      schema,
      createTable: fields.createTable === undefined ? true : flag(where('createTable'), fields.createTable),
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}
