import { BindingsRegistry } from './bindings.js'
import { resolveOptions, type LoggerOptions, type ResolvedOptions } from './config.js'
import { FieldPreparer } from './fields.js'
import { currentStore, type ContextStore } from './context.js'
import { FrameEncoder } from './encode.js'
import { markReopen } from './exit.js'
import { processHub } from './hub.js'
import { RecordBounds } from './record-bounds.js'
import { sequenceCounter, type SequenceCounter } from './sequence.js'
import { encoderOf, invalidValue, invalidValues, type EventEncoder } from './events/encoder.js'
import { EVENT_KEY, VERSION_KEY, type EventDefinition, type EventFields, type EventSchema, type FieldSpec } from './events/schema.js'
import { KIND_HEADER, KIND_REOPEN } from './frame.js'
import { InlineTransport } from './inline-transport.js'
import type { LevelName, LevelOption, LevelTable, NameLevels } from './levels.js'
import { messageText, safeGet } from './serialize.js'
import type { Metrics, Transport } from './transport.js'
import { levelName } from './validate.js'
import { WorkerTransport } from './worker-transport.js'

/**
 * A log method. Three call shapes, as in pino and winston:
 * `log.info('user logged in', { userId: 42 })`, `log.info({ userId: 42 }, 'user logged in')`,
 * `log.error(new Error('boom'), 'request failed')`.
 */
export interface LogFn {
  (message: string, fields?: object): void
  (fields: object, message?: string): void
  (error: Error, message?: string): void
}

const noop: LogFn = () => {}

/** How an event with a typed field that a serializer is given for is written: as log.info writes its fields. */
const VIA_LOG_INFO = 'log.info'

/** What every logger of one tree shares: one encoder, one transport, one bindings table, the level tables. */
class Core {
  readonly encoder: FrameEncoder
  readonly registry: BindingsRegistry
  readonly transport: Transport
  readonly fields: FieldPreparer
  readonly levels: LevelTable
  readonly nameLevels: NameLevels
  /** The clock records are timed by (the `now` option). */
  readonly now: () => number
  /** Whether log.event() throws on a value that does not fit its field (the `validate` option). */
  readonly validateEvents: boolean
  /** Numbers each record (`sequence: true`). */
  readonly sequence: SequenceCounter | undefined
  /** Events written as log.info would, because a value did not fit its field. */
  invalidEvents = 0
  /** By event id: the encoders of the events whose definition this logger tree has sent. */
  private readonly events: (EventEncoder | typeof VIA_LOG_INFO)[] = []
  closed = false

  constructor(options: ResolvedOptions) {
    const bounds = new RecordBounds(options.maxRecordValues, options.maxRecordSize, options.format.limits.maxDepth)
    this.encoder = new FrameEncoder(bounds)
    this.fields = new FieldPreparer(options.serializers, bounds)
    this.levels = options.levelTable
    this.nameLevels = options.nameLevels
    this.now = options.now
    this.validateEvents = options.validateEvents
    this.sequence = options.sequence ? sequenceCounter(processHub()) : undefined
    this.registry = new BindingsRegistry((id) => {
      // After close() nothing reads the ring any more: a release is not a lost record.
      if (this.closed) return this.transport.position
      const length = this.encoder.release(id, Date.now())
      this.transport.write(this.encoder.buffer, length)
      return this.transport.position
    }, () => this.transport.consumed)
    this.transport = options.worker ? new WorkerTransport(options, this.registry) : new InlineTransport(options)
    // The output starts here: a format with a header row writes it when this frame is read.
    this.transport.write(this.encoder.buffer, this.encoder.marker(KIND_HEADER, 0))
    if (options.reopen === 'SIGHUP') {
      const reopen = markReopen((): void => void this.reopen())
      process.on('SIGHUP', reopen)
      this.removeReopenSignal = () => process.off('SIGHUP', reopen)
    }
  }

  /** Removes the SIGHUP handler of `reopen: 'SIGHUP'`. */
  removeReopenSignal: (() => void) | undefined

  /** Marks the point in the ring where file sinks open their paths again; resolves once it is read. */
  reopen(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.transport.write(this.encoder.buffer, this.encoder.marker(KIND_REOPEN, Date.now()))
    return this.transport.flush()
  }

  /** Sends `fields` (already prepared) into the ring under a new id owned by `owner` (released when it is collected). */
  announce(owner: object, fields: object): number {
    // After close() the ring is read no more: a child made then is no record, its records are counted dropped one by one.
    if (this.closed) return 0
    const id = this.registry.nextId()
    const length = this.encoder.bindings(id, Date.now(), fields)
    this.registry.add(owner, id, Uint8Array.prototype.slice.call(this.encoder.buffer, 0, length))
    this.transport.write(this.encoder.buffer, length)
    return id
  }

  /** The id of the current request context in this logger tree; announced the first time. */
  contextId(store: ContextStore): number {
    if (store.owner === this) return store.ownerId
    if (store.owner === undefined) {
      store.owner = this
      return (store.ownerId = this.announce(store, this.fields.prepare(store.fields)))
    }
    const others = (store.others ??= new Map())
    let id = others.get(this)
    if (id === undefined) others.set(this, (id = this.announce(store, this.fields.prepare(store.fields))))
    return id
  }

  /**
   * How this logger tree writes an event, decided at its first record: its encoder, whose
   * definition is then sent into the ring and kept for every later consumer; or VIA_LOG_INFO when a
   * serializer is given for one of its typed fields, so that it applies. Undefined when the
   * definition found the ring full: it was counted as the dropped record, and goes with the next one.
   */
  eventEncoder(schema: EventSchema): EventEncoder | typeof VIA_LOG_INFO | undefined {
    const known = this.events[schema.id]
    if (known !== undefined) return known
    if (schema.fields.some((field) => field.type !== 'json' && this.fields.serializes(field.name))) return (this.events[schema.id] = VIA_LOG_INFO)
    // After close() the event's records are counted as dropped; its definition is not a record.
    if (this.closed) return encoderOf(schema)
    const length = this.encoder.eventDefinition(schema)
    const frame = Uint8Array.prototype.slice.call(this.encoder.buffer, 0, length)
    if (!this.transport.write(this.encoder.buffer, length)) return undefined
    this.registry.keep(frame)
    return (this.events[schema.id] = encoderOf(schema))
  }

  /** A json field's value as log.info would write it: its serializer applied, an Error in full. */
  readonly prepareJson = (key: string, value: unknown): unknown => this.fields.value(key, value)

  /** The level a logger of this name starts at: its entry in `levels`, else `inherited`. */
  startLevel(name: string | undefined, inherited: string): string {
    return this.nameLevels.levelFor(name) ?? inherited
  }
}

let coreOf: <Custom extends string>(logger: Logger<Custom>) => Core

/** For tests and tools inside the package: the transport behind a logger. Not part of the public API. */
export function transportOf<Custom extends string>(logger: Logger<Custom>): Transport {
  return coreOf(logger).transport
}

/** A logger with a method for each of its custom levels. */
export type RingLogger<Custom extends string = never> = Logger<Custom> & Record<Custom, LogFn>

export class Logger<Custom extends string = never> {
  static {
    coreOf = (logger) => logger.#core
  }

  trace: LogFn = noop
  debug: LogFn = noop
  info: LogFn = noop
  warn: LogFn = noop
  error: LogFn = noop
  fatal: LogFn = noop
  // Private state in # fields: a custom level's method is an own property and must not collide.
  readonly #core: Core
  readonly #bindings: Readonly<Record<string, unknown>> | undefined
  readonly #bindingsId: number
  #levelName = 'info'
  #threshold = 0

  /** @internal use createLogger() */
  constructor(
    core: Core,
    level: string,
    /** The logger's name (its `name` binding), which per-name levels refer to. */
    readonly name: string | undefined,
    bindings: Readonly<Record<string, unknown>> | undefined,
  ) {
    this.#core = core
    this.#bindings = bindings
    this.#bindingsId = bindings === undefined ? 0 : core.announce(this, bindings)
    this.level = level as LevelOption
  }

  /** The lowest level written; settable at run time. */
  get level(): LevelOption | Custom {
    return this.#levelName as LevelOption | Custom
  }

  set level(level: LevelOption | Custom) {
    const levels = this.#core.levels
    const min = levels.threshold(levelName('option level', level, levels))
    this.#levelName = level
    this.#threshold = min
    // A disabled level is the shared no-op, decided here once, not tested on every call.
    const methods = this as unknown as Record<string, LogFn>
    for (const [name, value] of Object.entries(levels.values)) {
      methods[name] = value >= min ? ((a: unknown, b?: unknown) => this.#write(value, a, b)) as LogFn : noop
    }
  }

  isLevelEnabled(level: LevelName | Custom): boolean {
    const levels = this.#core.levels
    return level !== 'silent' && levels.has(level) && levels.threshold(level) >= levels.threshold(this.#levelName)
  }

  /**
   * A logger whose records all carry `bindings` (after the parent's). The bindings are encoded
   * once, here, and each record refers to them by id. A `name` binding names the child: its level
   * comes from `levels` when that names it.
   */
  child(bindings: Record<string, unknown>): RingLogger<Custom> {
    if (bindings === null || typeof bindings !== 'object') {
      throw new TypeError(`ringlog: child() takes an object of bindings; got ${String(bindings)}`)
    }
    const core = this.#core
    const own = core.fields.ownCopy(bindings)
    const name = typeof own.name === 'string' ? own.name : this.name
    const level = name === this.name ? this.#levelName : core.startLevel(name, this.#levelName)
    return new Logger<Custom>(core, level, name, { ...this.#bindings, ...own }) as RingLogger<Custom>
  }

  /**
   * Logs a declared event (`defineEvent()`): the record `log[level](message, { event, v, ...fields })`
   * would write, encoded by the event's compiled encoder. A value that does not fit its field
   * throws (`validate`), or the record is written as log.info would and counted.
   */
  event<Fields extends Record<string, FieldSpec>>(definition: EventDefinition<Fields>, fields: EventFields<Fields>): void {
    const schema = definition.schema
    if (schema.level < this.#threshold) return
    const core = this.#core
    if (fields === null || typeof fields !== 'object') {
      if (core.validateEvents) throw invalidValues(schema, fields)
      core.invalidEvents++
      this.#write(schema.level, this.#eventRecord(schema, {}), schema.message)
      return
    }
    const encode = core.eventEncoder(schema)
    if (encode === undefined) return
    if (encode === VIA_LOG_INFO) {
      this.#write(schema.level, this.#eventRecord(schema, fields), schema.message)
      return
    }
    const store = currentStore()
    const contextId = store === undefined ? 0 : core.contextId(store)
    let length: number
    try {
      length = encode(core.encoder, fields, core.now(), this.#bindingsId, contextId, core.prepareJson)
    } catch {
      // A getter or a Proxy threw: the generic path reads each value on its own.
      length = -1 - schema.fields.length
    }
    if (length >= 0) {
      if (core.sequence !== undefined) length = core.encoder.numbered(length, core.sequence.next())
      core.transport.write(core.encoder.buffer, length)
      return
    }
    const invalidField = -1 - length
    if (core.validateEvents && invalidField < schema.fields.length) throw invalidValue(schema, invalidField, fields)
    core.invalidEvents++
    this.#write(schema.level, this.#eventRecord(schema, fields), schema.message)
  }

  /** The fields log.info would be given for an event: `{ event, v, ...declared fields }`. */
  #eventRecord(schema: EventSchema, fields: object): Record<string, unknown> {
    const record: Record<string, unknown> = { [EVENT_KEY]: schema.name, [VERSION_KEY]: schema.version }
    for (const field of schema.fields) {
      const value = safeGet(fields, field.name)
      if (value !== undefined) record[field.name] = value
    }
    return record
  }

  /** Resolves once every record logged before the call is written to the destination. */
  flush(): Promise<void> {
    return this.#core.transport.flush()
  }

  /**
   * Opens every file destination again, for external rotation (logrotate): records logged before
   * the call go to the file as it was, the rest to a new file at the path. `reopen: 'SIGHUP'`
   * calls it on SIGHUP.
   */
  reopen(): Promise<void> {
    return this.#core.reopen()
  }

  /** Flushes, stops the drain worker and closes the destination. Records logged afterwards are counted as dropped. */
  async close(): Promise<void> {
    // From here on a collected child's release is not a record: nothing needs it once the ring is drained.
    this.#core.closed = true
    this.#core.removeReopenSignal?.()
    await this.#core.transport.close()
  }

  metrics(): Metrics {
    return { ...this.#core.transport.metrics(), invalidEvents: this.#core.invalidEvents }
  }

  #write(level: number, a: unknown, b: unknown): void {
    const core = this.#core
    let message: string | undefined
    let fields: object | undefined
    if (typeof a === 'string') {
      message = a
      if (b !== null && typeof b === 'object') fields = core.fields.prepare(b)
    } else if (a instanceof Error) {
      fields = core.fields.prepare({ err: a })
      message = typeof b === 'string' ? b : messageText(safeGet(a, 'message'))
    } else if (a !== null && typeof a === 'object') {
      fields = core.fields.prepare(a)
      if (typeof b === 'string') message = b
    } else if (a !== undefined) {
      message = messageText(a)
    }
    const store = currentStore()
    const contextId = store === undefined ? 0 : core.contextId(store)
    // Encode first: encoding may replace encoder.buffer with a larger one.
    let length = core.encoder.record(level, core.now(), this.#bindingsId, contextId, message, fields)
    if (core.sequence !== undefined) length = core.encoder.numbered(length, core.sequence.next())
    core.transport.write(core.encoder.buffer, length)
  }
}

/** A custom level cannot take the name of anything a logger has (its methods, `name`) or a thenable's `then`. */
function isLoggerMember(name: string): boolean {
  return name in Logger.prototype || name === 'name' || name === 'then'
}

/**
 * Makes a root logger: one ring, one drain worker (unless `worker: false`), one destination.
 * Options not given are read from the environment (LOG_LEVEL, LOG_FORMAT, RINGLOG_*), then defaulted.
 * Throws a TypeError naming the option (or variable) when one is invalid.
 */
export function createLogger<Custom extends string = never>(options: LoggerOptions<Custom> = {}): RingLogger<Custom> {
  const resolved = resolveOptions(options as LoggerOptions<string>, process.env, isLoggerMember)
  const core = new Core(resolved)
  const level = core.startLevel(resolved.name, resolved.level)
  const bindings = resolved.name === undefined ? undefined : { name: resolved.name }
  return new Logger<Custom>(core, level, resolved.name, bindings) as RingLogger<Custom>
}
