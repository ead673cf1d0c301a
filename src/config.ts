import type { Writable } from 'node:stream'
import { isatty } from 'node:tty'
import { CALL_KEYS, callConfig, type CallConfig, type CallOptions } from './call-options.js'
import { readEnvironment, type EnvironmentOptions } from './environment.js'
import { bufferSize, choice, destination, flag, invalid, levelName, show, type Where } from './validate.js'
import { LevelTable, NameLevels, type LevelOption } from './levels.js'
import { auditPreset } from './audit-preset.js'
import { otelOption, type OtelApi } from './trace-context.js'
import { healthOption, type HealthConfig, type HealthOption } from './health.js'
import { integrityOption, type IntegrityOption } from './integrity/integrity-options.js'
import { POLICY_KEYS, resolvePolicy, type FilterOption, type PolicyOptions } from './policy-options.js'
import { resolveProcessors, type ProcessorOption } from './processor-options.js'
import type { ProcessorConfig } from './worker/policy/processors.js'
import { MAX_RECORD_SIZE, MAX_RECORD_VALUES } from './record-bounds.js'
import { filterOption } from './worker/policy/filter.js'
import type { PolicyConfig } from './worker/policy/record-policy.js'
import type { PipelineOptions } from './worker/pipeline.js'
import { FORMAT_NAMES, type FormatName, type FormatOptions } from './worker/format/format.js'
import type { TimeFormatName } from './worker/format/time-format.js'
import { parseDuration, parseSize } from './units.js'
import type { SinkConfig } from './worker/branch.js'
import { hasZstd } from './worker/sinks/zstd.js'
import type { FileConfig } from './worker/sinks/rotation.js'
import type { Destination } from './validate.js'
import { addStream, isWritable } from './stream-sinks.js'
import { isShipped, shipConfig, shippedTypes, type ShippingOptions } from './shipping/ship-options.js'
import type { AzureSinkOptions } from './shipping/azure-options.js'
import type { CloudWatchSinkOptions } from './shipping/cloudwatch-options.js'
import type { GcpSinkOptions } from './shipping/gcp-options.js'
import type { HttpSinkOptions } from './shipping/http-options.js'
import type { PostgresSinkOptions } from './shipping/postgres-options.js'
import type { RedisSinkOptions } from './shipping/redis-options.js'
import type { MongoSinkOptions } from './shipping/mongodb-options.js'
import type { OtlpSinkOptions } from './shipping/otlp-options.js'
import type { ModuleSinkOptions } from './shipping/module-options.js'
import type { PinoSinkOptions } from './shipping/pino-options.js'
import type { SyslogSinkOptions } from './shipping/syslog-options.js'

export type { Destination, FormatName, TimeFormatName }

/**
 * A function that turns the value of one key into what is logged, on the calling thread, before
 * encoding. Typed to accept any parameter type: `serializers: { req: (req: IncomingMessage) => ... }`.
 */
export type Serializer = (value: never) => unknown

/** How a sink or the logger formats its records; a sink inherits what it does not set. */
export interface FormatFields {
  /**
   * Output format. Environment: LOG_FORMAT.
   * @default 'json'
   */
  format?: FormatName
  /** @default 'msg' */
  messageKey?: string
  /** @default 'time' */
  timeKey?: string
  /** @default 'level' */
  levelKey?: string
  /**
   * Levels as labels ('info') or pino's numbers (30).
   * @default 'label'
   */
  levelFormat?: 'label' | 'number'
  /**
   * 'iso' (2026-11-28T02:04:27.123Z), 'epoch' (milliseconds) or 'unix' (seconds).
   * @default 'iso'
   */
  timeFormat?: TimeFormatName
  /**
   * csv: the columns, by field name (dotted names reach into objects). Fields not listed are not written.
   * @default [timeKey, levelKey, messageKey]
   */
  columns?: string[]
  /**
   * pretty: ANSI colors. By default on when the destination is a terminal; NO_COLOR and
   * FORCE_COLOR are honored.
   */
  colors?: boolean
  /**
   * gcp: the Google Cloud project the records' trace ids belong to, for
   * `logging.googleapis.com/trace` (`projects/ID/traces/TRACE`). Environment: GOOGLE_CLOUD_PROJECT.
   */
  gcpProject?: string
}

/** Sizes are bytes or text ('100 MB', '1 MiB'); durations are ms or text ('30 days'). */
export interface FileSinkOptions {
  /** Make missing parent directories. @default true */
  mkdir?: boolean
  /** Rotate when the file would pass `size`, and/or when a record belongs to a new period. */
  rotate?: { size?: number | string; every?: 'hour' | 'day' | number }
  /** Compress rotated files, off the drain thread. @default false */
  compress?: 'gzip' | 'brotli' | 'zstd' | false
  /** Delete the oldest rotated files beyond any of these limits, files of earlier runs included. */
  retain?: { count?: number; age?: number | string; totalSize?: number | string }
  /**
   * 'fsync': each batch the drain worker writes is on disk (fdatasync) before it counts as written,
   * so `await log.flush()` resolves once every record logged before it is durable; the records of
   * a batch share one sync. For audit logs: it costs a disk sync per batch.
   * @default 'none'
   */
  durability?: 'none' | 'fsync'
  /**
   * Tamper evidence: checkpoints chained through the file and the files it rotates into, each
   * sealed with an HMAC (`key`) or an Ed25519 signature (`privateKey`); `ringlog verify` names the
   * first line that was changed, removed, inserted or reordered.
   */
  integrity?: IntegrityOption
}

/** Where one sink writes. */
export type SinkTarget =
  | { type: 'stdout' }
  | { type: 'stderr' }
  /** A file, appended to; see FileSinkOptions for rotation, compression and retention. */
  | ({ type: 'file'; path: string } & FileSinkOptions)
  /** An open file descriptor. */
  | { type: 'fd'; fd: number }
  /**
   * A Writable of the logging thread: the drain worker formats, and hands each batch's bytes back
   * to this thread, which writes them with `stream.write()`. The stream is left open by `close()`.
   */
  | { type: 'stream'; stream: Writable }
  /** Batches POSTed to a URL (NDJSON or a JSON array), retried, spooled; see ShippingOptions. */
  | ({ type: 'http' } & HttpSinkOptions & ShippingOptions)
  /** OpenTelemetry logs over OTLP/HTTP (protobuf or JSON) to a collector; see OtlpSinkOptions and ShippingOptions. */
  | ({ type: 'otlp' } & OtlpSinkOptions & ShippingOptions)
  /** A pino transport (pino-socket, pino-loki, ...), fed pino's lines in the drain worker; see ShippingOptions. */
  | ({ type: 'pino' } & PinoSinkOptions & ShippingOptions)
  /** A plugin module's delivery (`ringlog/plugin`); see ShippingOptions. */
  | ({ type: 'module' } & ModuleSinkOptions & ShippingOptions)
  /** Syslog messages (RFC 5424 or 3164) over UDP, TCP or TLS; see SyslogSinkOptions. */
  | ({ type: 'syslog' } & SyslogSinkOptions & ShippingOptions)
  /** AWS CloudWatch Logs, through the optional peer dependency @aws-sdk/client-cloudwatch-logs; see CloudWatchSinkOptions. */
  | ({ type: 'cloudwatch' } & CloudWatchSinkOptions & ShippingOptions)
  /** Google Cloud Logging, through the optional peer dependency @google-cloud/logging; see GcpSinkOptions. */
  | ({ type: 'gcp' } & GcpSinkOptions & ShippingOptions)
  /** Azure Monitor's Logs Ingestion API, through the optional peer dependencies @azure/monitor-ingestion and @azure/identity; see AzureSinkOptions. */
  | ({ type: 'azure' } & AzureSinkOptions & ShippingOptions)
  /** A PostgreSQL table, through the optional peer dependency pg; see PostgresSinkOptions. */
  | ({ type: 'postgres' } & PostgresSinkOptions & ShippingOptions)
  /** A Redis stream or list, through the optional peer dependency redis; see RedisSinkOptions. */
  | ({ type: 'redis' } & RedisSinkOptions & ShippingOptions)
  /** A MongoDB collection, through the optional peer dependency mongodb; see MongoSinkOptions. */
  | ({ type: 'mongodb' } & MongoSinkOptions & ShippingOptions)

/**
 * One of several outputs, each with its own format and level: `{ type: 'stdout', format: 'pretty' }`,
 * `{ type: 'file', path: 'logs/app.log', level: 'warn' }`.
 */
export type SinkOptions<Custom extends string = never> = SinkTarget & FormatFields & {
  /** The lowest level this sink writes; the logger's `level` still decides what is logged at all. */
  level?: LevelOption | NoInfer<Custom>
  /** Only the records this filter lets through are written to this sink. */
  filter?: FilterOption
}

/** Options of createLogger(). `Custom` are the names of custom levels. */
export interface LoggerOptions<Custom extends string = never> extends FormatFields, PolicyOptions<NoInfer<Custom>>, CallOptions {
  /**
   * The lowest level written. Environment: LOG_LEVEL.
   * @default 'info'
   */
  level?: LevelOption | NoInfer<Custom>
  /** The logger's name: written as the `name` field, and the key into `levels`. */
  name?: string
  /**
   * 'audit', for compliance logs: every sink a file with `integrity` and `durability: 'fsync'`
   * (the default it sets), `onFull: 'block'` with no time limit (`blockTimeoutMs: Infinity`), and no
   * sampling, rate limit, deduplication or fingers crossed. What contradicts it is an error.
   */
  preset?: 'audit'
  /**
   * Thresholds of `log.health()`; given (or `true`), a change of status is also logged, once:
   * warn when degraded, error when failing, info back to ok.
   */
  health?: boolean | HealthOption
  /**
   * Records logged inside an active OpenTelemetry span carry its `trace_id`, `span_id` and
   * `trace_flags`. On by default when `@opentelemetry/api` is installed; `false` turns it off.
   */
  otel?: boolean
  /**
   * Levels per logger name (`log.child({ name: 'db' })`): `{ db: 'debug', 'http.*': 'warn' }`.
   * Environment: LOG_LEVEL="info,db=debug,http.*=warn".
   */
  levels?: Record<string, LevelOption | NoInfer<Custom>>
  /**
   * More levels, by name and number (1 to 255): `{ audit: 35 }` gives `log.audit(...)`. A name must
   * not be a logger method's (`child`, `flush`...).
   */
  customLevels?: Record<Custom, number>
  /** Functions applied to the values of these keys before they are logged (fields, bindings, context). */
  serializers?: Record<string, Serializer>
  /**
   * Objects and arrays nested deeper than this inside a record's fields are written as "[Object]" / "[Array]".
   * @default 10
   */
  maxDepth?: number
  /**
   * Longer strings are cut and end with "... [N more characters]".
   * @default Infinity
   */
  maxStringLength?: number
  /**
   * Longer arrays are cut and end with an item "... N more items".
   * @default Infinity
   */
  maxArrayLength?: number
  /**
   * The most values (keys, array items, Map and Set entries, at every depth) one record's fields
   * hold: beyond it the calling thread cuts arrays ("... N more items") and writes objects as
   * "[too many keys: N]", so that one call stays bounded in time.
   * @default 10000
   */
  maxRecordValues?: number
  /**
   * The most characters of strings (and bytes of binary data) one record's fields hold, and the
   * message on its own: beyond it the calling thread cuts strings ("... [N more characters]").
   * @default 1048576
   */
  maxRecordSize?: number
  /**
   * Format and write on a worker thread (true), or on the calling thread (false, same bytes out).
   * Environment: RINGLOG_WORKER.
   * @default true
   */
  worker?: boolean
  /**
   * Ring size in bytes: a power of two from 4096 (4 KiB) to 1073741824 (1 GiB).
   * Environment: RINGLOG_BUFFER_SIZE (bytes, or with K, M or G).
   * @default 8388608 (8 MiB)
   */
  bufferSize?: number
  /**
   * What a log call does when the ring is full: 'block' waits for room (nothing is lost unless the
   * worker makes no progress for blockTimeoutMs); 'drop' returns at once, counts the record as
   * dropped, and a later record reports how many were dropped.
   * @default 'block'
   */
  onFull?: 'block' | 'drop'
  /**
   * With onFull 'block': how long a log call waits for a worker that frees no room at all before
   * it drops the record (counted as dropped); later calls then drop theirs at once until room is freed.
   * @default 10000
   */
  blockTimeoutMs?: number
  /**
   * 'stdout', 'stderr', a file path (appended to; missing directories are made) or a file
   * descriptor; `process.stdout` and `process.stderr` as pino takes them; any other Writable of
   * this thread, as the sink `{ type: 'stream', stream }`. Environment: RINGLOG_DESTINATION.
   * @default 'stdout'
   */
  destination?: Destination | Writable
  /** Several outputs instead of `destination`, each with its own format and level. */
  sinks?: SinkOptions<Custom>[]
  /** 'SIGHUP': reopen file destinations on SIGHUP, for logrotate (same as calling `log.reopen()`). @default false */
  reopen?: 'SIGHUP' | false
  /**
   * The clock records are timed by, in ms since the epoch, called on the calling thread for each
   * record: a fake clock for tests (rotation by period, output compared byte for byte). A call
   * that throws or returns something else than a finite number falls back to Date.now().
   * @default Date.now
   */
  now?: () => number
  /**
   * On SIGTERM, SIGINT and SIGHUP (unless a logger reopens its files on SIGHUP), write everything
   * logged in every thread; then, if the application has no listener of its own for the signal, end
   * the process as the signal would have (the same exit status), else leave the decision to it.
   * `false`: this logger does not ask for the handlers (they stay while another logger does).
   * @default true
   */
  handleSignals?: boolean
  /**
   * Number every record: `seq`, one counter for the whole process (every logger, every thread), in
   * the order records were logged. Records dropped on a full ring leave, in the dropped-records
   * warning, the ranges of their numbers (`droppedSeq`), so a gap can be told from a loss.
   * @default false
   */
  sequence?: boolean
  /**
   * What `log.event()` does with a value that does not fit its field's type: throw a TypeError
   * naming the event, the field, the type and the value ('always'; 'dev' when NODE_ENV is not
   * 'production'), or write the record as `log.info()` would and count it in
   * `metrics().invalidEvents` ('off'; 'dev' in production).
   * @default 'dev'
   */
  validate?: 'off' | 'dev' | 'always'
  /**
   * Plugin modules, loaded in the drain worker, that change or drop each record before the sinks
   * format it, in this order (see `ringlog/plugin`). Records wait while they load; a processor that
   * throws or does not load drops the records it would have seen (counted in `metrics().failed`).
   */
  processors?: ProcessorOption[]
}

export interface ResolvedOptions {
  level: string
  name: string | undefined
  levelTable: LevelTable
  nameLevels: NameLevels
  serializers: Readonly<Record<string, Serializer>> | undefined
  worker: boolean
  bufferSize: number
  onFull: 'block' | 'drop'
  blockTimeoutMs: number
  handleSignals: boolean
  maxRecordValues: number
  maxRecordSize: number
  /** Whether log.event() throws on a value that does not fit its field. */
  validateEvents: boolean
  sequence: boolean
  reopen: 'SIGHUP' | false
  now: () => number
  /** The top-level format options (the size limits are the same for every sink). */
  format: FormatOptions
  /** Where records go: `destination` as one sink, or the `sinks`. */
  sinks: SinkConfig[]
  /** Filtering, deduplication, sampling, rate limiting, redaction, fingers crossed. */
  policy: PolicyConfig
  processors: ProcessorConfig[]
  health: HealthConfig
  otel: OtelApi | undefined
  /** pino's call semantics, `base`, `mixin` and `formatters`: what the calling thread does per record. */
  calls: CallConfig
}



function option(name: string): Where {
  return `option ${name}`
}

function text(where: Where, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value
  return invalid(where, value, 'a non-empty string')
}

function count(where: Where, value: unknown, min: number, unit: string): number {
  if (typeof value === 'number' && value >= min && (Number.isInteger(value) || value === Infinity)) return value
  return invalid(where, value, `a whole number of ${unit}, ${min} or more, or Infinity`)
}

function timeout(where: Where, value: unknown): number {
  if (typeof value === 'number' && value >= 0) return value
  return invalid(where, value, 'a number of milliseconds, 0 or more (Infinity: no limit)')
}

function validation(mode: 'off' | 'dev' | 'always', env: NodeJS.ProcessEnv): boolean {
  return mode === 'always' || (mode === 'dev' && env.NODE_ENV !== 'production')
}

/** A user's clock, made safe: log calls never throw, and a record always has a time. */
function clock(where: Where, value: unknown): () => number {
  if (typeof value !== 'function') return invalid(where, value, 'a function returning milliseconds since the epoch')
  const now = value as () => unknown
  return () => {
    try {
      const time = now()
      return typeof time === 'number' && Number.isFinite(time) ? time : Date.now()
    } catch {
      return Date.now()
    }
  }
}

function record(where: Where, value: unknown): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  return invalid(where, value, 'an object')
}

/**
 * @param reserved names a level cannot take because the logger has a member of that name.
 */
function customLevels(value: unknown, reserved: (name: string) => boolean): LevelTable {
  if (value === undefined) return new LevelTable()
  const entries = record(option('customLevels'), value)
  const table = new LevelTable()
  const custom: Record<string, number> = {}
  const used = new Map(Object.entries(table.values).map(([name, n]) => [n, name]))
  for (const [name, n] of Object.entries(entries)) {
    const where = option(`customLevels.${name}`)
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || reserved(name) || table.has(name)) {
      invalid(option('customLevels'), name, 'a new level name: an identifier that is not a standard level or a logger method')
    }
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 255) invalid(where, n, 'a whole number from 1 to 255')
    if (used.has(n)) invalid(where, n, `a number no other level has (${used.get(n)} is ${n})`)
    used.set(n, name)
    custom[name] = n
  }
  return new LevelTable(custom)
}

function columns(where: Where, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((c) => typeof c !== 'string' || c === '')) {
    return invalid(where, value, 'a non-empty array of field names')
  }
  const duplicate = value.find((c, i) => value.indexOf(c) !== i)
  if (duplicate !== undefined) invalid(where, value, `each column once (${show(duplicate)} is listed twice)`)
  return value as string[]
}

/** The `serializers` option (createLogger's, or a child's: `where` names it), checked; undefined when none. */
export function serializers(value: unknown, where: (name: string) => Where = option): Record<string, Serializer> | undefined {
  if (value === undefined) return undefined
  const entries = record(where('serializers'), value)
  for (const [key, fn] of Object.entries(entries)) {
    if (typeof fn !== 'function') invalid(where(`serializers.${key}`), fn, 'a function')
  }
  return Object.keys(entries).length > 0 ? (entries as Record<string, Serializer>) : undefined
}

/** Colors by default only on a terminal; FORCE_COLOR and NO_COLOR decide first. */
export function autoColors(dest: Destination | Writable, env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (isWritable(dest)) return (dest as { isTTY?: boolean }).isTTY === true
  const fd = dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : dest
  return typeof fd === 'number' && isatty(fd)
}

const KNOWN = new Set([
  'level', 'name', 'levels', 'customLevels', 'format', 'messageKey', 'timeKey', 'levelKey', 'levelFormat', 'timeFormat',
  'columns', 'colors', 'gcpProject', 'serializers', 'maxDepth', 'maxStringLength', 'maxArrayLength', 'maxRecordValues', 'maxRecordSize', 'worker', 'bufferSize', 'onFull',
  'blockTimeoutMs', 'destination', 'sinks', 'handleSignals', 'reopen', 'now', 'validate', 'sequence', 'processors', 'preset', 'health', 'otel', ...POLICY_KEYS, ...CALL_KEYS,
])

const FORMAT_KEYS = ['format', 'messageKey', 'timeKey', 'levelKey', 'levelFormat', 'timeFormat', 'columns', 'colors', 'gcpProject']
const SINK_KEYS = new Set(['type', 'path', 'fd', 'stream', 'level', 'filter', 'mkdir', 'rotate', 'compress', 'retain', 'durability', 'integrity', ...FORMAT_KEYS])
const FILE_ONLY = ['mkdir', 'rotate', 'compress', 'retain', 'durability', 'integrity']
/** What a shipped sink takes besides its type's options and the shipping ones. */
const SHIPPED_KEYS = ['type', 'level', 'filter', ...FORMAT_KEYS]

/** A file sink's rotation, compression and retention, checked, in bytes and ms. */
function fileConfig(fields: Record<string, unknown>, path: string, where: (name: string) => Where): FileConfig {
  const config: FileConfig = { path, mkdir: fields.mkdir === undefined ? true : flag(where('mkdir'), fields.mkdir), compress: false }
  if (fields.durability !== undefined && choice(where('durability'), fields.durability, ['none', 'fsync'] as const) === 'fsync') config.fsync = true
  const integrity = integrityOption(where('integrity'), fields.integrity)
  if (integrity !== undefined) config.integrity = integrity
  if (fields.rotate !== undefined) {
    const rotate = record(where('rotate'), fields.rotate)
    known(rotate, ['size', 'every'], (k) => where(`rotate.${k}`))
    config.rotate = {}
    if (rotate.size !== undefined) config.rotate.size = parseSize(where('rotate.size'), rotate.size)
    if (rotate.every !== undefined) {
      const every = rotate.every
      config.rotate.every = every === 'hour' || every === 'day' ? every : typeof every === 'number' && every >= 1000 && Number.isFinite(every)
        ? every : invalid(where('rotate.every'), every, "'hour', 'day' or a number of milliseconds, 1000 or more")
    }
  }
  if (fields.compress !== undefined && fields.compress !== false) {
    const choices = hasZstd() ? (['gzip', 'brotli', 'zstd'] as const) : (['gzip', 'brotli'] as const)
    config.compress = choice(where('compress'), fields.compress, choices)
  }
  if (fields.retain !== undefined) {
    const retain = record(where('retain'), fields.retain)
    known(retain, ['count', 'age', 'totalSize'], (k) => where(`retain.${k}`))
    config.retain = {}
    if (retain.count !== undefined) config.retain.count = count(where('retain.count'), retain.count, 0, 'files')
    if (retain.age !== undefined) config.retain.age = parseDuration(where('retain.age'), retain.age)
    if (retain.totalSize !== undefined) config.retain.totalSize = parseSize(where('retain.totalSize'), retain.totalSize)
  }
  return config
}

function known(fields: Record<string, unknown>, keys: string[], where: (key: string) => Where): void {
  for (const key of Object.keys(fields)) if (!keys.includes(key)) invalid(where(key), fields[key], `one of ${keys.join(', ')}`)
}

/** Where a destination's records go: a descriptor, a file (appended to, its directory made), or a stream of this thread. */
function target(dest: Destination | Writable): Pick<SinkConfig, 'fd' | 'file' | 'stream'> {
  if (isWritable(dest)) return { stream: addStream(dest) }
  if (dest === 'stdout') return { fd: 1 }
  if (dest === 'stderr') return { fd: 2 }
  return typeof dest === 'number' ? { fd: dest } : { file: { path: dest, mkdir: true, compress: false } }
}

type FormatBase = Omit<FormatOptions, 'limits' | 'labels'>

/**
 * The format options given in `fields` (the logger's options, or a sink's), read with `where` for
 * errors, the rest from `inherit` (a sink inherits the logger's), then the defaults.
 */
function formatFields(fields: FormatFields, where: (name: string) => Where, inherit: Partial<FormatBase>, dest: Destination | Writable, env: NodeJS.ProcessEnv): FormatBase {
  const pick = <T>(value: T | undefined, read: (w: Where, v: unknown) => T, name: string, fallback: T): T =>
    value === undefined ? fallback : read(where(name), value)
  const messageKey = pick(fields.messageKey, text, 'messageKey', inherit.messageKey ?? 'msg')
  const timeKey = pick(fields.timeKey, text, 'timeKey', inherit.timeKey ?? 'time')
  const levelKey = pick(fields.levelKey, text, 'levelKey', inherit.levelKey ?? 'level')
  return {
    format: pick(fields.format, (w, v) => choice(w, v, FORMAT_NAMES), 'format', inherit.format ?? 'json'),
    messageKey,
    timeKey,
    levelKey,
    levelFormat: pick(fields.levelFormat, (w, v) => choice(w, v, ['label', 'number'] as const), 'levelFormat', inherit.levelFormat ?? 'label'),
    timeFormat: pick(fields.timeFormat, (w, v) => choice(w, v, ['iso', 'epoch', 'unix'] as const), 'timeFormat', inherit.timeFormat ?? 'iso'),
    columns: pick(fields.columns, columns, 'columns', inherit.columns ?? [timeKey, levelKey, messageKey]),
    colors: pick(fields.colors, flag, 'colors', inherit.colors ?? autoColors(dest, env)),
    gcpProject: pick(fields.gcpProject, text, 'gcpProject', inherit.gcpProject ?? (env.GOOGLE_CLOUD_PROJECT || undefined)),
  }
}

/** An object by its class, not dumped: a stream-like object's fields run to pages. */
function named(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'no class'}` : value
}

/** One entry of `sinks`. */
/** @param inherit the logger's format options a sink takes unless it sets its own. */
function sink(value: unknown, i: number, top: FormatOptions, inherit: Partial<FormatBase>, table: LevelTable, env: NodeJS.ProcessEnv): SinkConfig {
  const where = (name: string): Where => option(`sinks[${i}]${name === '' ? '' : `.${name}`}`)
  const fields = record(where(''), value)
  if (isShipped(fields.type)) return shippedSink(fields, i, where, top, inherit, table, env)
  for (const key of Object.keys(fields)) {
    if (!SINK_KEYS.has(key)) invalid(where(key), fields[key], `no such sink option; known are ${[...SINK_KEYS].join(', ')}`)
  }
  let dest: Destination | Writable
  switch (fields.type) {
    case 'stdout': case 'stderr': dest = fields.type; break
    case 'file': dest = text(where('path'), fields.path); break
    case 'fd': dest = destination(where('fd'), typeof fields.fd === 'number' ? fields.fd : String(fields.fd ?? '')); break
    case 'stream': dest = isWritable(fields.stream) ? fields.stream : invalid(where('stream'), named(fields.stream), 'a Writable stream'); break
    default: return invalid(where('type'), fields.type, `one of ${['stdout', 'stderr', 'file', 'fd', 'stream', ...shippedTypes()].map((t) => `'${t}'`).join(', ')}`)
  }
  // A file path given as a descriptor number, or the other way round, is a mistake, not a destination.
  if (fields.type === 'fd' && typeof dest !== 'number') invalid(where('fd'), fields.fd, 'a file descriptor number')
  if (fields.type !== 'file') {
    const misplaced = FILE_ONLY.find((key) => fields[key] !== undefined)
    if (misplaced !== undefined) invalid(where(misplaced), fields[misplaced], `only on a sink of type 'file'`)
  }
  const format = { ...formatFields(fields as FormatFields, where, inherit, dest, env), limits: top.limits, labels: top.labels }
  const minLevel = fields.level === undefined ? 0 : table.threshold(levelName(where('level'), fields.level, table))
  const filter = filterOption(where('filter'), fields.filter)
  // Last: a stream is taken (its 'error' listened to) only once every option of its sink is right.
  const to = typeof dest === 'string' && fields.type === 'file' ? { file: fileConfig(fields, dest, where) } : target(dest)
  return { ...to, minLevel, format, ...(filter === undefined ? {} : { filter }) }
}

/** A sink that ships to the network (src/shipping/): batched, retried, spooled in the worker. */
function shippedSink(
  fields: Record<string, unknown>, i: number, where: (name: string) => Where, top: FormatOptions, inherit: Partial<FormatBase>, table: LevelTable, env: NodeJS.ProcessEnv,
): SinkConfig {
  const ship = shipConfig(fields, i, where, SHIPPED_KEYS)
  // Not a terminal: no colors unless asked for.
  const format = { ...formatFields(fields as FormatFields, where, { ...inherit, colors: inherit.colors ?? false }, -1, env), limits: top.limits, labels: top.labels }
  const minLevel = fields.level === undefined ? 0 : table.threshold(levelName(where('level'), fields.level, table))
  const filter = filterOption(where('filter'), fields.filter)
  return { ship, minLevel, format, ...(filter === undefined ? {} : { filter }) }
}

/**
 * Checks every option once, up front, and fills in the rest: an option given in code wins, then
 * the environment variable, then the default.
 */
export function resolveOptions(
  options: LoggerOptions<string> = {},
  env: NodeJS.ProcessEnv = process.env,
  reserved: (name: string) => boolean = (name) => name in Object.prototype,
): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('options', options, 'an object')
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) invalid(option(key), (options as Record<string, unknown>)[key], `no such option; known options are ${[...KNOWN].join(', ')}`)
  }
  // pino's output unless a format option says otherwise.
  if (options.compat === 'pino') options = { levelFormat: 'number', timeFormat: 'epoch', ...options }
  if (options.preset !== undefined) options = auditPreset({ ...options, preset: choice(option('preset'), options.preset, ['audit'] as const) })
  const table = customLevels(options.customLevels, reserved)
  const fromEnv: EnvironmentOptions = readEnvironment(env, table)
  const given = <T>(value: T | undefined, read: (where: Where, value: unknown) => T, name: string, fallback: T): T =>
    value === undefined ? fallback : read(option(name), value)

  const levels: Record<string, string> = { ...fromEnv.levels }
  if (options.levels !== undefined) {
    for (const [name, level] of Object.entries(record(option('levels'), options.levels))) {
      levels[name] = levelName(option(`levels.${name}`), level, table)
    }
  }
  if (options.sinks !== undefined && options.destination !== undefined) {
    invalid(option('destination'), options.destination, 'no destination when sinks are given (make it one of the sinks)')
  }
  const dest = options.destination === undefined ? fromEnv.destination ?? 'stdout' : destination(option('destination'), options.destination)
  const base = formatFields(options, option, { format: fromEnv.format }, dest, env)
  const format: FormatOptions = {
    ...base,
    limits: {
      maxDepth: given(options.maxDepth, (w, v) => count(w, v, 0, 'levels'), 'maxDepth', 10),
      maxStringLength: given(options.maxStringLength, (w, v) => count(w, v, 1, 'characters'), 'maxStringLength', Infinity),
      maxArrayLength: given(options.maxArrayLength, (w, v) => count(w, v, 1, 'items'), 'maxArrayLength', Infinity),
    },
    labels: table.labels(),
  }
  const sinks = (): SinkConfig[] => {
    if (options.sinks === undefined) return [{ ...target(dest), minLevel: 0, format }]
    if (!Array.isArray(options.sinks) || options.sinks.length === 0) invalid(option('sinks'), options.sinks, 'a non-empty array of sinks')
    // Colors are decided per destination, unless the logger's options force them.
    const { colors, ...inherit } = base
    return options.sinks.map((value, i) => sink(value, i, format, options.colors === undefined ? inherit : { ...inherit, colors }, table, env))
  }
  return {
    level: given(options.level, (w, v) => levelName(w, v, table), 'level', fromEnv.level ?? 'info'),
    name: given(options.name, text, 'name', undefined),
    levelTable: table,
    nameLevels: new NameLevels(levels),
    serializers: serializers(options.serializers),
    worker: given(options.worker, flag, 'worker', fromEnv.worker ?? true),
    bufferSize: given(options.bufferSize, bufferSize, 'bufferSize', fromEnv.bufferSize ?? 8 << 20),
    onFull: given(options.onFull, (w, v) => choice(w, v, ['block', 'drop'] as const), 'onFull', 'block'),
    blockTimeoutMs: given(options.blockTimeoutMs, timeout, 'blockTimeoutMs', 10_000),
    handleSignals: given(options.handleSignals, flag, 'handleSignals', true),
    maxRecordValues: given(options.maxRecordValues, (w, v) => count(w, v, 1, 'values'), 'maxRecordValues', MAX_RECORD_VALUES),
    maxRecordSize: given(options.maxRecordSize, (w, v) => count(w, v, 1, 'characters'), 'maxRecordSize', MAX_RECORD_SIZE),
    sequence: given(options.sequence, flag, 'sequence', false),
    validateEvents: validation(given(options.validate, (w, v) => choice(w, v, ['off', 'dev', 'always'] as const), 'validate', 'dev'), env),
    reopen: options.reopen === undefined || options.reopen === false ? false : choice(option('reopen'), options.reopen, ['SIGHUP'] as const),
    // Date.now looked up at each call, so fake timers that replace it apply.
    now: options.now === undefined ? () => Date.now() : clock(option('now'), options.now),
    format,
    policy: resolvePolicy(options, table, env),
    processors: resolveProcessors(options.processors),
    health: healthOption(option('health'), options.health),
    otel: otelOption(option('otel'), options.otel),
    calls: callConfig(options),
    // Last, once every other option is right: a stream sink takes its stream (listens to its 'error').
    sinks: sinks(),
  }
}

/** What a pipeline is given: the sinks, the record policy, and the keys filters know records by. */
export function pipelineOptions(options: ResolvedOptions): PipelineOptions {
  const { messageKey, levelKey, timeKey, labels } = options.format
  return { sinks: options.sinks, policy: options.policy, keys: { messageKey, levelKey, timeKey, labels }, processors: options.processors }
}
