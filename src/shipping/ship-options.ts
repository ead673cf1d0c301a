import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { delay, parseSize } from '../units.js'
import { invalid, type Where } from '../validate.js'
import { READERS } from './readers.js'
import { SinkCounters } from './sink-counters.js'

/** What every asynchronous sink takes besides its own options. Sizes are bytes or text ('1 MB'); durations ms or text ('5s'). */
export interface ShippingOptions {
  /** Its name in metrics().sinks and in messages. @default `sinks[i] (type)` */
  name?: string
  /** A batch is sent when it holds this many records or bytes, or its first record is `wait` old. @default { records: 1000, bytes: '1 MiB', wait: '1s' } */
  batch?: { records?: number; bytes?: number | string; wait?: number | string }
  /** Backoff between tries of a batch: from `minDelay`, doubling to `maxDelay`, with jitter; `attempts` caps the tries (then the batch counts as failed). @default { minDelay: 100, maxDelay: '30s' }, no cap */
  retry?: { minDelay?: number | string; maxDelay?: number | string; attempts?: number }
  /** After `failures` failed tries in a row the destination is taken for down: batches wait (or go to the spool) and it is probed every `probe`. @default { failures: 5, probe: '10s' } */
  circuit?: { failures?: number; probe?: number | string }
  /** Bytes of batches held in memory; past it, batches go to the spool, or the oldest are dropped. @default '16 MiB' */
  buffer?: number | string
  /** Keep batches on disk while the destination is down, and across restarts: sent in order once it is back. */
  spool?: { dir: string; maxSize?: number | string; drop?: 'oldest' | 'newest' }
  /** How long flush() and close() wait for batches in flight before they spool or count what is left. @default '5s' */
  closeTimeout?: number | string
}

/** An asynchronous sink as the worker needs it: plain data and shared counters. */
export interface ShipConfig {
  /** Unique: each logger's sink batches for itself. */
  id: string
  type: string
  name: string
  /** The type's own options, as its reader made them. */
  options: unknown
  batch: { records: number; bytes: number; waitMs: number }
  retry: { minDelayMs: number; maxDelayMs: number; attempts: number }
  circuit: { failures: number; probeMs: number }
  bufferBytes: number
  spool: { dir: string; maxSize: number; drop: 'oldest' | 'newest' } | undefined
  closeTimeoutMs: number
  counters: SharedArrayBuffer
}

/** The options of this file, which every type's sink takes. */
export const SHIPPING_KEYS = ['name', 'batch', 'retry', 'circuit', 'buffer', 'spool', 'closeTimeout'] as const

export function isShipped(type: unknown): boolean {
  return typeof type === 'string' && Object.hasOwn(READERS, type)
}

export function shippedTypes(): string[] {
  return Object.keys(READERS)
}

/** An object of known keys, for a nested option like `batch`. */
function group(where: Where, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, `an object with ${keys.join(', ')}`)
  for (const key of Object.keys(value)) if (!keys.includes(key)) invalid(`${where}.${key}`, (value as Record<string, unknown>)[key], `no such option; known are ${keys.join(', ')}`)
  return value as Record<string, unknown>
}

function count(where: Where, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : invalid(where, value, 'a whole number above 0')
}

/**
 * An asynchronous sink's options, checked: its type's own (src/shipping/readers.ts), then those
 * every one takes. `where(name)` names an option of the sink for errors: `sinks[2].url`.
 */
export function shipConfig(fields: Readonly<Record<string, unknown>>, index: number, where: (name: string) => Where, own: readonly string[]): ShipConfig {
  const type = fields.type as string
  const reader = READERS[type]
  const known = new Set([...own, ...SHIPPING_KEYS, ...reader.keys])
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) invalid(where(key), fields[key], `no such option of a '${type}' sink; known are ${[...known].join(', ')}`)
  }
  const options = reader.read(fields, where)
  const name = fields.name === undefined ? `sinks[${index}] (${type})` : typeof fields.name === 'string' && fields.name !== '' ? fields.name : invalid(where('name'), fields.name, 'a non-empty string')
  const batch = group(where('batch'), fields.batch, ['records', 'bytes', 'wait'])
  const retry = group(where('retry'), fields.retry, ['minDelay', 'maxDelay', 'attempts'])
  const circuit = group(where('circuit'), fields.circuit, ['failures', 'probe'])
  const minDelayMs = delay(where('retry.minDelay'), retry.minDelay, 100)
  const maxDelayMs = delay(where('retry.maxDelay'), retry.maxDelay, 30_000)
  if (maxDelayMs < minDelayMs) invalid(where('retry.maxDelay'), retry.maxDelay, `at least retry.minDelay (${minDelayMs} ms)`)
  return {
    id: randomUUID(),
    type,
    name,
    options,
    batch: {
      records: count(where('batch.records'), batch.records, 1000),
      bytes: batch.bytes === undefined ? 1 << 20 : parseSize(where('batch.bytes'), batch.bytes),
      waitMs: delay(where('batch.wait'), batch.wait, 1000),
    },
    retry: { minDelayMs, maxDelayMs, attempts: count(where('retry.attempts'), retry.attempts, Number.POSITIVE_INFINITY) },
    circuit: { failures: count(where('circuit.failures'), circuit.failures, 5), probeMs: delay(where('circuit.probe'), circuit.probe, 10_000) },
    bufferBytes: fields.buffer === undefined ? 16 << 20 : parseSize(where('buffer'), fields.buffer),
    spool: spool(where('spool'), fields.spool),
    closeTimeoutMs: delay(where('closeTimeout'), fields.closeTimeout, 5000),
    counters: new SinkCounters().sab,
  }
}

function spool(where: Where, value: unknown): ShipConfig['spool'] {
  if (value === undefined) return undefined
  const fields = group(where, value, ['dir', 'maxSize', 'drop'])
  if (typeof fields.dir !== 'string' || fields.dir === '') return invalid(`${where}.dir`, fields.dir, 'a directory path')
  const drop = fields.drop ?? 'oldest'
  if (drop !== 'oldest' && drop !== 'newest') return invalid(`${where}.drop`, fields.drop, "'oldest' or 'newest'")
  return { dir: resolve(fields.dir), maxSize: fields.maxSize === undefined ? 1 << 30 : parseSize(`${where}.maxSize`, fields.maxSize), drop }
}
