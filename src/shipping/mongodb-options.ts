import { parseDuration, parseSize } from '../units.js'
import { invalid, type Where } from '../validate.js'
import { type OptionsReader, timeoutOption, jsonFormatOnly } from './options-reader.js'

/**
 * `{ type: 'mongodb', url, database, collection }`: records into a MongoDB collection with the
 * official driver (`mongodb`, an optional peer dependency, loaded by the drain worker only when
 * such a sink exists): one document a record, `{ _id, time, level, msg, fields }`.
 */
export interface MongoSinkOptions {
  /** @default 'mongodb://127.0.0.1:27017' @example 'mongodb+srv://app:password@cluster0.example.net' */
  url?: string
  /** @default 'logs' */
  database?: string
  /** @default 'logs' */
  collection?: string
  /** When the collection is missing, create it as a time-series collection (`time`, meta `level`) or a capped one; else MongoDB makes a plain one at the first insert. */
  create?: { timeseries: { granularity?: 'seconds' | 'minutes' | 'hours'; expireAfter?: number | string } } | { capped: { size: number | string; max?: number } }
  /** How long a connection or a batch may take: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's mongodb delivery is given. */
export interface MongoConfig {
  url: string
  database: string
  collection: string
  create: { timeseries: { granularity: 'seconds' | 'minutes' | 'hours'; expireAfterSeconds: number | undefined } } | { capped: { size: number; max: number | undefined } } | undefined
  timeoutMs: number
}

const NAME = /^[^\0$/\\. "*<>:|?]{1,63}$/

export const mongoOptions: OptionsReader<MongoConfig> = {
  keys: ['url', 'database', 'collection', 'create', 'timeout'],
  read(fields, where) {
    const { url = 'mongodb://127.0.0.1:27017', database = 'logs', collection = 'logs' } = fields
    if (typeof url !== 'string' || !/^mongodb(\+srv)?:\/\//.test(url)) invalid(where('url'), url, 'a mongodb:// or mongodb+srv:// URL')
    if (typeof database !== 'string' || !NAME.test(database)) invalid(where('database'), database, 'a database name: 1 to 63 characters, none of /\\. "$*<>:|?')
    if (typeof collection !== 'string' || !/^[^\0$]{1,120}$/.test(collection) || collection.startsWith('system.')) invalid(where('collection'), collection, 'a collection name: no $ nor NUL, not system.*')
    // Each document is made from the json format's record.
    jsonFormatOnly(where('format'), fields.format, "each document is made from the record's JSON")
    return {
      url,
      database,
      collection,
      create: fields.create === undefined ? undefined : create(where('create'), fields.create),
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}

function create(where: Where, value: unknown): MongoConfig['create'] {
  const expected = "{ timeseries: { granularity?, expireAfter? } } or { capped: { size, max? } }"
  if (value === null || typeof value !== 'object' || Object.keys(value).length !== 1) return invalid(where, value, expected)
  const { timeseries, capped } = value as Record<string, Record<string, unknown> | undefined>
  if (timeseries !== undefined) {
    const granularity = timeseries.granularity ?? 'seconds'
    if (granularity !== 'seconds' && granularity !== 'minutes' && granularity !== 'hours') invalid(`${where}.timeseries.granularity`, granularity, "'seconds', 'minutes' or 'hours'")
    const expire = timeseries.expireAfter === undefined ? undefined : Math.round(parseDuration(`${where}.timeseries.expireAfter`, timeseries.expireAfter) / 1000)
    return { timeseries: { granularity, expireAfterSeconds: expire } }
  }
  if (capped !== undefined) {
    if (capped.max !== undefined && (typeof capped.max !== 'number' || !Number.isInteger(capped.max) || capped.max < 1)) invalid(`${where}.capped.max`, capped.max, 'a whole number of documents above 0')
    return { capped: { size: parseSize(`${where}.capped.size`, capped.size), max: capped.max as number | undefined } }
  }
  return invalid(where, value, expected)
}
