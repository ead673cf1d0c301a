import { writeSync } from 'node:fs'
import { Packr } from 'msgpackr'
import { KIND_RECORD, OFFSET_BINDINGS, OFFSET_CONTEXT, OFFSET_KIND, OFFSET_LEVEL, OFFSET_TIME } from '../../frame.js'
import { STAT_FAILED, STAT_FILTERED } from '../../ring.js'
import type { PlainObject } from '../format/values.js'
import { importFunction } from '../plugin-import.js'
import type { FrameSink } from './record-policy.js'
import type { RecordView } from './record-view.js'
import { reencode } from './reencode.js'
import type { ModuleOptions } from '../../shipping/module-options.js'

/** A processor as the worker loads it: its module as a plugin sink's (src/processor-options.ts reads it). */
export type ProcessorConfig = ModuleOptions

/** A record as a processor sees it, and gives it back (changed) or not (dropped). */
export interface ProcessorRecord {
  /** The level's number, as pino's: 30 is info (custom levels have theirs). */
  level: number
  /** Milliseconds since the epoch. */
  time: number
  /** The message; undefined when the record has none. */
  msg: string | undefined
  /**
   * Every field the record is written with: the child bindings', the request context's, then the
   * call's own, merged as the formats merge them. Values are plain data (Dates stay Dates; errors
   * are the objects the calling thread made of them).
   */
  fields: Record<string, unknown>
}

/** What a processor module's default export makes of its options (or a promise of it). */
export type Processor = (record: ProcessorRecord) => ProcessorRecord | null | undefined

/** Frames held while the processors load, in a pipeline that must read them (the calling thread's): past this, dropped and counted. */
const MAX_WAITING_BYTES = 8 << 20

interface Waiting {
  frame: Buffer
  /** Decoded when it arrived: the bindings and context it refers to may be let go before the processors load. */
  record: ProcessorRecord | undefined
}

function isProcessorRecord(value: unknown): value is ProcessorRecord {
  const record = value as ProcessorRecord
  return value !== null && typeof value === 'object'
    && Number.isInteger(record.level) && record.level >= 1 && record.level <= 255
    && Number.isFinite(record.time)
    && (record.msg === undefined || record.msg === null || typeof record.msg === 'string')
    && (record.fields === undefined || (record.fields !== null && typeof record.fields === 'object' && !Array.isArray(record.fields)))
}

/** An error that says which processor, keyed by it: each processor's failures are said once on stderr. */
function processorError(module: string, text: string): Error {
  return Object.assign(new Error(text), { code: `processor ${module}` })
}

/**
 * The `processors` stage, last before the sinks: each record, decoded, goes through every processor
 * in turn, and is written as the last one gave it back, or dropped (counted as filtered). A
 * processor that throws, gives back something else than a record, or did not load, drops the
 * records it would have seen (counted as failed, said once on stderr): a processor is often a
 * redactor, and a record it did not see may hold what it was there to remove.
 *
 * The modules load asynchronously. Until they have, the drain worker leaves the frames in the ring
 * (`loading`); a pipeline that must read them (the calling thread's) holds them here, in order,
 * and passes them on once loaded.
 */
export class Processors {
  private processors: (Processor | undefined)[] = []
  private waiting: Waiting[] = []
  private waitingBytes = 0
  private readonly packr = new Packr({ useRecords: false, moreTypes: true })
  loading = true
  /** Resolves once every processor has loaded or failed to. */
  readonly ready: Promise<void>

  /**
   * @param view the record policy's view of a record frame (it knows the bindings and contexts).
   * @param loaded called once loaded, after the frames held meanwhile were passed on.
   */
  constructor(
    private readonly configs: readonly ProcessorConfig[],
    private readonly view: (src: Buffer, offset: number, length: number) => RecordView,
    private readonly stats: Float64Array,
    private readonly next: FrameSink,
    private readonly report: (error: unknown) => void,
    loaded: () => void,
  ) {
    process.once('exit', this.lostAtExit)
    this.ready = Promise.all(configs.map((config) => this.load(config))).then((processors) => {
      this.processors = processors
      this.loading = false
      process.off('exit', this.lostAtExit)
      const waiting = this.waiting
      this.waiting = []
      this.waitingBytes = 0
      for (const { frame, record } of waiting) this.pass(frame, record)
      loaded()
    })
  }

  /** A whole frame, past the record policy. */
  readonly frame = (src: Buffer, offset: number, length: number): void => {
    const record = src[offset + OFFSET_KIND] === KIND_RECORD ? this.decode(src, offset, length) : undefined
    if (!this.loading) {
      this.pass(src.subarray(offset, offset + length), record)
    } else if (this.waitingBytes + length > MAX_WAITING_BYTES) {
      if (record !== undefined) this.fail(processorError('loading', `more than ${MAX_WAITING_BYTES} bytes of records came before the processors loaded`))
    } else {
      this.waiting.push({ frame: Buffer.from(src.subarray(offset, offset + length)), record })
      this.waitingBytes += length
    }
  }

  /** Records (not bindings or notes) held until the processors load. */
  private get heldRecords(): number {
    return this.waiting.filter((waiting) => waiting.record !== undefined).length
  }

  /** At close: records still held for processors that never loaded are counted as failed. */
  close(): void {
    const lost = this.heldRecords
    this.waiting = []
    if (lost > 0) this.fail(processorError('loading', `closed before the processors loaded`), lost)
  }

  private async load(config: ProcessorConfig): Promise<Processor | undefined> {
    try {
      const make = (await importFunction(config.url)) as (options: Record<string, unknown>) => unknown
      const processor = await make(config.options)
      if (typeof processor !== 'function') throw new TypeError('its default export gave no function (record) => record')
      return processor as Processor
    } catch (error) {
      // Its records are dropped from now on: this says why, once.
      this.report(processorError(config.module, `did not load: ${error instanceof Error ? error.message : String(error)}`))
      return undefined
    }
  }

  private decode(src: Buffer, offset: number, length: number): ProcessorRecord {
    const view = this.view(src, offset, length)
    return { level: view.level, time: view.time, msg: view.message, fields: view.merged() }
  }

  private pass(frame: Buffer, record: ProcessorRecord | undefined): void {
    if (record === undefined) {
      this.next(frame, 0, frame.length)
      return
    }
    let current: ProcessorRecord = record
    for (let i = 0; i < this.processors.length; i++) {
      const processor = this.processors[i]
      const { module } = this.configs[i]
      if (processor === undefined) return this.fail(undefined)
      let result: unknown
      try {
        result = processor(current)
      } catch (error) {
        return this.fail(processorError(module, error instanceof Error ? error.message : String(error)))
      }
      if (result === null || result === undefined) {
        this.stats[STAT_FILTERED]++
        return
      }
      if (!isProcessorRecord(result)) return this.fail(processorError(module, 'gave back no record ({ level, time, msg, fields }), nor null'))
      current = result
    }
    let encoded: Buffer
    try {
      const fields = current.fields === undefined || Object.keys(current.fields).length === 0 ? undefined : current.fields as PlainObject
      encoded = reencode(this.packr, frame, 0, frame.length, current.msg ?? undefined, fields)
    } catch (error) {
      return this.fail(processorError('encoding', `a processed record cannot be encoded: ${error instanceof Error ? error.message : String(error)}`))
    }
    // The fields hold the bindings' and context's now: the record refers to neither.
    encoded[OFFSET_LEVEL] = current.level
    encoded.writeDoubleLE(current.time, OFFSET_TIME)
    encoded.writeUInt32LE(0, OFFSET_BINDINGS)
    encoded.writeUInt32LE(0, OFFSET_CONTEXT)
    this.next(encoded, 0, encoded.length)
  }

  private fail(error: unknown, records = 1): void {
    this.stats[STAT_FAILED] += records
    if (error !== undefined) this.report(error)
  }

  /** The process ends before the processors loaded: what they held is lost, and said so (stats are gone with the process). */
  private readonly lostAtExit = (): void => {
    const lost = this.heldRecords
    if (lost === 0) return
    try {
      writeSync(2, `ringlog: ${lost} records were not written: the process ended before the processors loaded\n`)
    } catch {
      // stderr itself is gone.
    }
  }
}
