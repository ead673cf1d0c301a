import { LEVELS, type LevelOption } from './levels.js'
import { isPowerOfTwo, MAX_RING_BYTES, MIN_RING_BYTES } from './ring.js'
import type { Destination } from './worker/sinks/fd.js'

export type { Destination }

/** Options of createLogger(). All plain data: the worker's part of them crosses a thread boundary. */
export interface LoggerOptions {
  /**
   * The lowest level written.
   * @default 'info'
   */
  level?: LevelOption
  /**
   * Format and write on a worker thread (true), or on the calling thread (false, same bytes out).
   * @default true
   */
  worker?: boolean
  /**
   * Ring size in bytes: a power of two from 4096 (4 KiB) to 1073741824 (1 GiB).
   * @default 8388608 (8 MiB)
   * @example bufferSize: 32 << 20
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
   * it drops the record (counted as dropped).
   * @default 10000
   */
  blockTimeoutMs?: number
  /**
   * 'stdout', 'stderr', a file path (appended to; missing directories are made) or a file descriptor.
   * @default 'stdout'
   */
  destination?: Destination
  /**
   * Install SIGTERM and SIGINT handlers that write everything logged, then end the process as the
   * signal would have.
   * @default false
   */
  handleSignals?: boolean
}

export interface ResolvedOptions {
  level: LevelOption
  worker: boolean
  bufferSize: number
  onFull: 'block' | 'drop'
  blockTimeoutMs: number
  destination: Destination
  handleSignals: boolean
}

const LEVEL_CHOICES: readonly string[] = [...Object.keys(LEVELS), 'silent']

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function invalid(option: string, value: unknown, accepted: string): never {
  throw new TypeError(`ringlog: invalid option ${option}: ${show(value)}; expected ${accepted}`)
}

function choice<T extends string>(option: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T
  return invalid(option, value, `one of ${choices.map((c) => `'${c}'`).join(', ')}`)
}

function flag(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value === 'boolean') return value
  return invalid(option, value, 'true or false')
}

function bufferSize(value: unknown): number {
  if (value === undefined) return 8 << 20
  if (typeof value === 'number' && isPowerOfTwo(value) && value >= MIN_RING_BYTES && value <= MAX_RING_BYTES) return value
  let hint = ''
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const clamped = Math.min(Math.max(value, MIN_RING_BYTES), MAX_RING_BYTES)
    const lower = 2 ** Math.floor(Math.log2(clamped))
    hint = lower === clamped ? '' : ` (for example ${lower} or ${Math.min(lower * 2, MAX_RING_BYTES)})`
  }
  return invalid('bufferSize', value, `a power of two from ${MIN_RING_BYTES} to ${MAX_RING_BYTES} bytes${hint}`)
}

function destination(value: unknown): Destination {
  if (value === undefined) return 'stdout'
  if (typeof value === 'string' && value.length > 0) return value
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
  return invalid('destination', value, "'stdout', 'stderr', a file path or a file descriptor number")
}

function timeout(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return value
  return invalid(option, value, 'a number of milliseconds, 0 or more')
}

const KNOWN = new Set(['level', 'worker', 'bufferSize', 'onFull', 'blockTimeoutMs', 'destination', 'handleSignals'])

/** Checks every option once, up front, and fills in the defaults. */
export function resolveOptions(options: LoggerOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('options', options, 'an object')
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) invalid(key, (options as Record<string, unknown>)[key], `no such option; known options are ${[...KNOWN].join(', ')}`)
  }
  return {
    level: choice('level', options.level, LEVEL_CHOICES as LevelOption[], 'info'),
    worker: flag('worker', options.worker, true),
    bufferSize: bufferSize(options.bufferSize),
    onFull: choice('onFull', options.onFull, ['block', 'drop'], 'block'),
    blockTimeoutMs: timeout('blockTimeoutMs', options.blockTimeoutMs, 10_000),
    destination: destination(options.destination),
    handleSignals: flag('handleSignals', options.handleSignals, false),
  }
}
