import { BindingsRegistry } from './bindings.js'
import { callRecord, errorMessage } from './call-arguments.js'
import type { CallConfig } from './call-options.js'
import { resolveOptions, serializers, type LoggerOptions, type ResolvedOptions, type Serializer } from './config.js'
import { FieldPreparer } from './fields.js'
import { currentStore, type ContextStore } from './context.js'
import { FrameEncoder, idOf, type FieldsRef } from './encode.js'
import { markReopen } from './exit.js'
import { processHub } from './hub.js'
import { RecordBounds } from './record-bounds.js'
import { sequenceCounter, type SequenceCounter } from './sequence.js'
import { encoderOf, invalidValue, invalidValues, type EventEncoder } from './events/encoder.js'
import { EVENT_KEY, VERSION_KEY, type EventDefinition, type EventFields, type EventSchema, type FieldSpec } from './events/schema.js'
import { KIND_HEADER, KIND_REOPEN } from './frame.js'
import { InlineTransport } from './inline-transport.js'
import type { LevelName, LevelOption, LevelTable, NameLevels } from './levels.js'
import { describe, safeGet } from './serialize.js'
import { assessHealth, type Health, type HealthConfig, type HealthStatus } from './health.js'
import { LevelCounts } from './level-counts.js'
import { TraceContexts } from './trace-context.js'
import { wallClock } from './wall-clock.js'
import { COUNTED_SINKS } from './ring-metrics.js'
import type { LevelMetrics, Metrics, Transport } from './transport.js'
import { invalid, levelName } from './validate.js'
import { WorkerTransport } from './worker-transport.js'

/**
 * A log method. The call shapes of pino and winston:
 * `log.info('user logged in', { userId: 42 })`, `log.info({ userId: 42 }, 'user logged in')`,
 * `log.error(new Error('boom'), 'request failed')`, and printf-style arguments after the message
 * (`log.info('took %d ms', 5)`). The first argument may be anything (`catch (err) { log.error(err) }`).
 */
export interface LogFn {
  (message: string, ...args: unknown[]): void
  (fields: object, message?: string, ...args: unknown[]): void
  (error: unknown, message?: string, ...args: unknown[]): void
}

/** What `child()` takes besides the bindings, as in pino. */
export interface ChildOptions<Custom extends string = never> {
  /** The child's level (else its parent's, or its name's entry in `levels`). */
  level?: LevelOption | Custom
  /** Serializers for the child's records and bindings, over its parent's. */
  serializers?: Record<string, Serializer>
  /** Put before every message of the child (after its parent's prefix). */
  msgPrefix?: string
}

/** pino's `logger.levels`: level names to numbers and back. */
export interface LevelMaps {
  values: Readonly<Record<string, number>>
  labels: Readonly<Record<number, string>>
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
  /**
   * Whether small contexts go inline (src/frame.ts). Not with fingersCrossed grouping by request
   * context: it discards what a request held when the request's context is released, which only
   * an announced context is.
   */
  private readonly inlineContexts: boolean
  /** pino's call semantics, `base`, `mixin` and `formatters`. */
  readonly calls: CallConfig
  /** Events written as log.info would, because a value did not fit its field. */
  invalidEvents = 0
  /** Records logged and dropped per level, errors of the last minute. */
  readonly counts = new LevelCounts()
  /** How many sinks: the metrics list each. */
  private readonly sinkCount: number
  readonly healthConfig: HealthConfig
  /** With OpenTelemetry's API present (the `otel` option): the active span's ids, as context. */
  private readonly trace: TraceContexts | undefined
  /** With the `health` option: looks at the status now and then, to log its changes. */
  healthWatch: NodeJS.Timeout | undefined
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
    this.inlineContexts = options.policy.fingersCrossed?.key !== 'context'
    this.calls = options.calls
    this.sinkCount = options.sinks.length
    this.healthConfig = options.health
    this.trace = options.otel === undefined ? undefined : new TraceContexts(options.otel)
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

  /** Bindings as records carry them: packed inline when small, else announced under an id owned by `owner`. */
  bindingsRef(owner: object, fields: object): FieldsRef {
    return this.encoder.inlineFields(fields) ?? this.announce(owner, fields)
  }

  /** The current request context as this logger tree's records carry it; made the first time. */
  contextRef(store: ContextStore): FieldsRef {
    if (store.owner === this) return store.ownerRef
    if (store.owner === undefined) {
      store.owner = this
      return (store.ownerRef = this.newContextRef(store))
    }
    const others = (store.others ??= new Map())
    let ref = others.get(this)
    if (ref === undefined) others.set(this, (ref = this.newContextRef(store)))
    return ref
  }

  private newContextRef(store: ContextStore): FieldsRef {
    const fields = this.fields.prepare(store.fields)
    return this.inlineContexts && !store.shared ? this.bindingsRef(store, fields) : this.announce(store, fields)
  }

  /** Appends to the event frame the encoder holds the fields it carries inline, then its number; returns its length. */
  finishEvent(length: number, bindings: FieldsRef, context: FieldsRef): number {
    if (typeof bindings !== 'number' || typeof context !== 'number') length = this.encoder.inline(length, bindings, context)
    return this.numbered(length)
  }

  /** The context a record logged now carries: the request context, with the active span's ids. */
  store(): ContextStore | undefined {
    return this.trace === undefined ? currentStore() : this.trace.current(currentStore())
  }

  /** The record the encoder holds, `length` bytes, into the ring; counted by its level, kept or dropped. */
  record(level: number, length: number): void {
    this.counts.count(level, this.transport.write(this.encoder.buffer, length))
  }

  /** What the metrics say beyond the transport's counters: per level and sink, the ring now, the latencies, the errors. */
  detailedMetrics(): Pick<Metrics, 'levels' | 'bySink' | 'ringUsed' | 'ringSize' | 'latency' | 'errorsLastMinute' | 'analytics'> {
    const { transport, counts } = this
    const ring = transport.ringMetrics
    const levels: Record<string, LevelMetrics> = {}
    for (const [number, label] of Object.entries(this.levels.labels())) {
      const level = Number(number)
      levels[label] = { logged: counts.logged[level], dropped: counts.dropped[level], written: ring.written(level), failed: ring.failed(level) }
    }
    const now = wallClock()
    return {
      levels,
      bySink: Array.from({ length: Math.min(this.sinkCount, COUNTED_SINKS) }, (_, i) => ring.sink(i)),
      ringUsed: (transport.position - transport.consumed) | 0,
      ringSize: transport.ringSize,
      latency: ring.latency(now),
      errorsLastMinute: counts.errorsLastMinute(now),
      analytics: ring.analyticsCounts(),
    }
  }

  health(): Health {
    const { transport } = this
    const ring = transport.ringMetrics
    return assessHealth({
      metrics: this.metrics(),
      drainState: transport.drainState,
      lastDroppedAt: this.counts.lastDroppedAt,
      sinkTimes: Array.from({ length: Math.min(this.sinkCount, COUNTED_SINKS) }, (_, i) => ring.sinkTimes(i)),
      now: wallClock(),
    }, this.healthConfig)
  }

  metrics(): Metrics {
    return { ...this.transport.metrics(), invalidEvents: this.invalidEvents, ...this.detailedMetrics() }
  }

  /** Appends its number to the frame the encoder holds (`sequence: true`); returns its length. */
  numbered(length: number): number {
    return this.sequence === undefined ? length : this.encoder.numbered(length, this.sequence.next())
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
  /** pino's `logger.silent()`: writes nothing, at any level. */
  readonly silent: LogFn = noop
  // Private state in # fields: a custom level's method is an own property and must not collide.
  readonly #core: Core
  #bindings: Readonly<Record<string, unknown>> | undefined
  #bindingsRef: FieldsRef
  /** Owns the announced bindings: replaced by setBindings(), the old ones are released once it is collected. */
  #bindingsOwner = {}
  /** The serializers of this logger (a child's own over its parent's) and the record limits. */
  readonly #fields: FieldPreparer
  readonly #msgPrefix: string | undefined
  #levelName = 'info'
  #threshold = 0

  /** @internal use createLogger() */
  constructor(
    core: Core,
    level: string,
    /** The logger's name (its `name` binding), which per-name levels refer to. */
    readonly name: string | undefined,
    bindings: Readonly<Record<string, unknown>> | undefined,
    fields: FieldPreparer = core.fields,
    msgPrefix: string | undefined = undefined,
  ) {
    this.#core = core
    this.#bindings = bindings
    this.#bindingsRef = bindings === undefined ? 0 : core.bindingsRef(this.#bindingsOwner, bindings)
    this.#fields = fields
    this.#msgPrefix = msgPrefix
    this.level = level as LevelOption
  }

  /**
   * The lowest level written; settable at run time. Read as a string of any level, so that a
   * logger with custom levels is still a `RingLogger` where one is expected.
   */
  get level(): LevelOption | (string & {}) {
    return this.#levelName
  }

  set level(level: LevelOption | Custom) {
    const levels = this.#core.levels
    const min = levels.threshold(levelName('option level', level, levels))
    this.#levelName = level
    this.#threshold = min
    // A disabled level is the shared no-op, decided here once, not tested on every call; so is
    // whether a call may take the fast path (no prefix, no mixin or formatters.log to apply).
    const methods = this as unknown as Record<string, LogFn>
    const direct = this.#msgPrefix === undefined && this.#core.calls.hooks === undefined
    for (const [name, value] of levels.entries) {
      methods[name] = value < min ? noop : direct ? this.#method(value) : this.#hookedMethod(value)
    }
  }

  /** pino's `logger.levelVal`: the number of the lowest level written (Infinity when silent). */
  get levelVal(): number {
    return this.#threshold
  }

  /** pino's `logger.levels`: level names to numbers, custom levels included, and back. */
  get levels(): LevelMaps {
    const values = this.#core.levels.values
    return { values: { ...values }, labels: this.#core.levels.labels() }
  }

  #method(level: number): LogFn {
    const self = this
    return function (a: unknown, b?: unknown): void {
      // Read, not copied: a rest parameter would be made on every call.
      if (arguments.length > 2) self.#writeCall(level, arguments)
      else self.#write(level, a, b)
    } as LogFn
  }

  #hookedMethod(level: number): LogFn {
    const self = this
    return function (): void {
      self.#writeCall(level, arguments)
    } as LogFn
  }

  isLevelEnabled(level: LevelName | Custom | 'silent'): boolean {
    const levels = this.#core.levels
    return level !== 'silent' && levels.has(level) && levels.threshold(level) >= levels.threshold(this.#levelName)
  }

  /**
   * A logger whose records all carry `bindings` (after the parent's). The bindings are encoded
   * once, here: each record copies small ones, and refers to larger ones by id. A `name` binding
   * names the child: its level comes from `levels` when that names it, or from `options.level`.
   */
  child(bindings: Record<string, unknown>, options?: ChildOptions<Custom>): RingLogger<Custom> {
    if (bindings === null || typeof bindings !== 'object') {
      throw new TypeError(`ringlog: child() takes an object of bindings; got ${String(bindings)}`)
    }
    const core = this.#core
    const { level: given, serializers, msgPrefix } = childOptions(options)
    const fields = serializers === undefined ? this.#fields : this.#fields.withSerializers(serializers)
    const own = core.calls.formatBindings(fields.ownCopy(bindings))
    const name = typeof own.name === 'string' ? own.name : this.name
    const level = given ?? (name === this.name ? this.#levelName : core.startLevel(name, this.#levelName))
    const prefix = msgPrefix === undefined ? this.#msgPrefix : (this.#msgPrefix ?? '') + msgPrefix
    return new Logger<Custom>(core, level, name, { ...this.#bindings, ...own }, fields, prefix) as RingLogger<Custom>
  }

  /** pino's `logger.bindings()`: the fields this logger's records carry, without pino's pid and hostname. */
  bindings(): Record<string, unknown> {
    const { pid: _pid, hostname: _hostname, ...bindings } = this.#bindings ?? {}
    return bindings
  }

  /** pino's `logger.setBindings()`: `bindings` added to this logger's own (a key given again takes the new value). */
  setBindings(bindings: Record<string, unknown>): void {
    if (bindings === null || typeof bindings !== 'object') {
      throw new TypeError(`ringlog: setBindings() takes an object of bindings; got ${String(bindings)}`)
    }
    const merged = { ...this.#bindings, ...this.#core.calls.formatBindings(this.#fields.ownCopy(bindings)) }
    // The old bindings stay announced for the records already in the ring, until their owner is collected.
    this.#bindingsOwner = {}
    this.#bindingsRef = this.#core.bindingsRef(this.#bindingsOwner, merged)
    this.#bindings = merged
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
    // Its definition found the ring full: the record is dropped with it.
    if (encode === undefined) return core.counts.count(schema.level, false)
    if (encode === VIA_LOG_INFO) {
      this.#write(schema.level, this.#eventRecord(schema, fields), schema.message)
      return
    }
    const store = core.store()
    const context = store === undefined ? 0 : core.contextRef(store)
    const bindings = this.#bindingsRef
    let length: number
    try {
      length = encode(core.encoder, fields, core.now(), idOf(bindings), idOf(context), core.prepareJson)
    } catch {
      // A getter or a Proxy threw: the generic path reads each value on its own.
      length = -1 - schema.fields.length
    }
    if (length >= 0) {
      core.record(schema.level, core.finishEvent(length, bindings, context))
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

  /**
   * Resolves once every record logged before the call is written to the destination. With a
   * callback (pino's `flush(cb)`), the callback is called then, with the error if any, and the
   * promise does not reject.
   */
  flush(callback?: (error?: Error) => void): Promise<void> {
    const flushed = this.#core.transport.flush()
    if (callback === undefined) return flushed
    if (typeof callback !== 'function') throw new TypeError(`ringlog: flush() takes a callback function or nothing; got ${describe(callback)}`)
    return flushed.then(() => callback(), (error: unknown) => callback(error instanceof Error ? error : new Error(describe(error))))
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
    clearInterval(this.#core.healthWatch)
    await this.#core.transport.close()
  }

  metrics(): Metrics {
    return this.#core.metrics()
  }

  /**
   * 'ok', 'degraded' or 'failing', and why, from the metrics now: the drain worker down, a sink
   * failing or lagging, the ring near full, records dropped lately (thresholds: the `health` option).
   */
  health(): Health {
    return this.#core.health()
  }

  /**
   * The common calls, (message), (message, fields) and (fields, message?), and the record
   * #writeCall made of any other; encodes it into the ring. One function with the encoding in it:
   * inlined into every log method, a call more measured 3 % slower (V8's inlining budget).
   */
  #write(level: number, a: unknown, b: unknown): void {
    let message: string | undefined
    let fields: object | undefined
    if (typeof a === 'string') {
      message = a
      if (b !== undefined && b !== null) {
        // A `%` may be a specifier that takes `b`; pino drops what its message does not take. (An
        // Error is made `err` by prepare(): a check here measured 4 % slower a call.)
        if (typeof b !== 'object' || a.includes('%') || this.#core.calls.pino) return this.#writeCall(level, [a, b])
        fields = this.#fields.prepare(b)
      }
    } else if (a instanceof PreparedCall) {
      message = a.message
      fields = a.fields
    } else if (a !== null && typeof a === 'object' && (b === undefined || typeof b === 'string')) {
      fields = this.#fields.prepare(a)
      message = b ?? errorMessage(a)
    } else {
      return this.#writeCall(level, b === undefined ? [a] : [a, b])
    }
    const core = this.#core
    const store = core.store()
    const context = store === undefined ? 0 : core.contextRef(store)
    // Encode first: encoding may replace encoder.buffer with a larger one.
    const length = core.numbered(core.encoder.record(level, core.now(), this.#bindingsRef, context, message, fields))
    core.record(level, length)
  }

  /** Any call: printf's arguments, what is left over, a message prefix, `mixin` and `formatters.log`. */
  #writeCall(level: number, args: ArrayLike<unknown>): void {
    const core = this.#core
    const call = callRecord(args, core.calls.pino, this.#msgPrefix)
    const fields = core.calls.hooks === undefined ? call.fields : core.calls.hooks.apply(call.fields, level, this)
    this.#write(level, new PreparedCall(call.message, fields === undefined ? undefined : this.#fields.prepare(fields)), undefined)
  }
}

/** A record #writeCall has made, its fields prepared: #write encodes it as it is. */
class PreparedCall {
  constructor(
    readonly message: string | undefined,
    readonly fields: object | undefined,
  ) {}
}

const CHILD_OPTIONS = ['level', 'serializers', 'msgPrefix']

/** child()'s options, checked: a TypeError names the option and the value. */
function childOptions<Custom extends string>(options: ChildOptions<Custom> | undefined): ChildOptions<Custom> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') invalid('child options', options, 'an object')
  for (const [key, value] of Object.entries(options)) {
    if (key === 'redact') invalid('child option redact', value, 'no redact: redaction runs in the worker for the whole logger; give `redact` to createLogger()')
    if (!CHILD_OPTIONS.includes(key)) invalid(`child option ${key}`, value, `one of ${CHILD_OPTIONS.join(', ')}`)
  }
  if (options.msgPrefix !== undefined && typeof options.msgPrefix !== 'string') invalid('child option msgPrefix', options.msgPrefix, 'a string')
  return { ...options, serializers: serializers(options.serializers, (name) => `child option ${name}`) }
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
  const { base, formatBindings } = resolved.calls
  const root = resolved.name === undefined ? base : { ...base, name: resolved.name }
  const bindings = root === undefined ? undefined : formatBindings(core.fields.ownCopy(root))
  const logger = new Logger<Custom>(core, level, resolved.name, bindings) as RingLogger<Custom>
  if (resolved.health.intervalMs > 0) watchHealth(core, logger)
  return logger
}

/** Logs each change of the logger's health once, as it finds it every `health.interval`. */
function watchHealth(core: Core, logger: Logger<string>): void {
  let last: HealthStatus = 'ok'
  core.healthWatch = setInterval(() => {
    const health = core.health()
    if (health.status === last) return
    last = health.status
    const log = health.status === 'failing' ? logger.error : health.status === 'degraded' ? logger.warn : logger.info
    log.call(logger, { health }, `logger health: ${health.status}`)
  }, core.healthConfig.intervalMs).unref()
}
