import { choice, invalid } from '../validate.js'
import { type OptionsReader, timeoutOption, jsonFormatOnly } from './options-reader.js'

/**
 * `{ type: 'redis', url, key }`: records into a Redis stream or list with the official client
 * (`redis`, an optional peer dependency, loaded by the drain worker only when such a sink exists).
 */
export interface RedisSinkOptions {
  /** @default 'redis://127.0.0.1:6379' @example 'rediss://user:password@cache:6380/0' */
  url?: string
  /** The stream's or the list's key. @default 'logs' */
  key?: string
  /** 'stream': an XADD per record, fields time, level, msg and fields (JSON); 'list': the record's JSON line, RPUSHed. @default 'stream' */
  structure?: 'stream' | 'list'
  /** A stream is trimmed to about this many entries (XADD MAXLEN ~); 0 keeps everything. @default 1000000 */
  maxLength?: number
  /** How long a connection or a batch may take: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's redis delivery is given. */
export interface RedisConfig {
  url: string
  key: string
  structure: 'stream' | 'list'
  maxLength: number
  timeoutMs: number
}

export const redisOptions: OptionsReader<RedisConfig> = {
  keys: ['url', 'key', 'structure', 'maxLength', 'timeout'],
  read(fields, where) {
    const { url = 'redis://127.0.0.1:6379', key = 'logs', maxLength = 1_000_000 } = fields
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url) || !URL.canParse(url)) invalid(where('url'), url, 'a redis:// or rediss:// URL')
    if (typeof key !== 'string' || key === '') invalid(where('key'), key, 'a non-empty key')
    if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 0) invalid(where('maxLength'), maxLength, 'a whole number of entries, 0 for no trimming')
    // Each entry is made from the json format's record.
    jsonFormatOnly(where('format'), fields.format, "each entry is made from the record's JSON")
    return {
      url,
      key,
      structure: fields.structure === undefined ? 'stream' : choice(where('structure'), fields.structure, ['stream', 'list'] as const),
      maxLength,
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}
