import { BindingsRegistry } from './bindings.js'
import { resolveOptions, type LoggerOptions, type ResolvedOptions } from './config.js'
import { currentStore, type ContextStore } from './context.js'
import { FrameEncoder } from './encode.js'
import { InlineTransport } from './inline-transport.js'
import { LEVELS, SILENT, type LevelName, type LevelOption } from './levels.js'
import { serializeError } from './serialize.js'
import type { Metrics, Transport } from './transport.js'
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

/** What every logger of one tree shares: one encoder, one transport, one bindings table. */
class Core {
  readonly encoder = new FrameEncoder()
  readonly registry: BindingsRegistry
  readonly transport: Transport
  closed = false

  constructor(options: ResolvedOptions) {
    this.registry = new BindingsRegistry((id) => {
      // After close() nothing reads the ring any more: a release is not a lost record.
      if (this.closed) return this.transport.position
      const length = this.encoder.release(id, Date.now())
      this.transport.write(this.encoder.buffer, length)
      return this.transport.position
    })
    this.transport = options.worker ? new WorkerTransport(options, this.registry) : new InlineTransport(options)
  }

  /** Sends `fields` into the ring under a new id owned by `owner` (released when it is collected). */
  announce(owner: object, fields: object): number {
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
      return (store.ownerId = this.announce(store, store.fields))
    }
    const others = (store.others ??= new Map())
    let id = others.get(this)
    if (id === undefined) others.set(this, (id = this.announce(store, store.fields)))
    return id
  }
}

/** For tests and tools inside the package: the transport behind a logger. Not part of the public API. */
export function transportOf(logger: Logger): Transport {
  return logger['core'].transport
}

function threshold(level: LevelOption): number {
  return level === 'silent' ? SILENT : LEVELS[level]
}

export class Logger {
  trace: LogFn = noop
  debug: LogFn = noop
  info: LogFn = noop
  warn: LogFn = noop
  error: LogFn = noop
  fatal: LogFn = noop
  private levelName: LevelOption = 'info'

  /** @internal use createLogger() */
  constructor(
    private readonly core: Core,
    level: LevelOption,
    private readonly bindings: Readonly<Record<string, unknown>> | undefined,
    private bindingsId: number,
  ) {
    this.level = level
  }

  /** The lowest level written; settable at run time. */
  get level(): LevelOption {
    return this.levelName
  }

  set level(level: LevelOption) {
    const min = threshold(resolveOptions({ level }).level)
    this.levelName = level
    // A disabled level is the shared no-op, decided here once, not tested on every call.
    for (const name of Object.keys(LEVELS) as LevelName[]) {
      const value = LEVELS[name]
      this[name] = value >= min ? ((a: unknown, b?: unknown) => this.write(value, a, b)) as LogFn : noop
    }
  }

  isLevelEnabled(level: LevelName): boolean {
    return LEVELS[level] >= threshold(this.levelName)
  }

  /**
   * A logger whose records all carry `bindings` (after the parent's). The bindings are encoded
   * once, here, and each record refers to them by id.
   */
  child(bindings: Record<string, unknown>): Logger {
    if (bindings === null || typeof bindings !== 'object') {
      throw new TypeError(`ringlog: child() takes an object of bindings; got ${String(bindings)}`)
    }
    const merged = { ...this.bindings, ...bindings }
    const child = new Logger(this.core, this.levelName, merged, 0)
    child.bindingsId = this.core.announce(child, merged)
    return child
  }

  /** Resolves once every record logged before the call is written to the destination. */
  flush(): Promise<void> {
    return this.core.transport.flush()
  }

  /** Flushes, stops the drain worker and closes the destination. Records logged afterwards are counted as dropped. */
  async close(): Promise<void> {
    await this.core.transport.close()
    this.core.closed = true
  }

  metrics(): Metrics {
    return this.core.transport.metrics()
  }

  private write(level: number, a: unknown, b: unknown): void {
    let message: string | undefined
    let fields: object | undefined
    if (typeof a === 'string') {
      message = a
      if (b !== null && typeof b === 'object') fields = withErr(b)
    } else if (a instanceof Error) {
      fields = { err: serializeError(a) }
      message = typeof b === 'string' ? b : a.message
    } else if (a !== null && typeof a === 'object') {
      fields = withErr(a)
      if (typeof b === 'string') message = b
    } else if (a !== undefined) {
      message = String(a)
    }
    const { core } = this
    const store = currentStore()
    const contextId = store === undefined ? 0 : core.contextId(store)
    // Encode first: encoding may replace encoder.buffer with a larger one.
    const length = core.encoder.record(level, Date.now(), this.bindingsId, contextId, message, fields)
    core.transport.write(core.encoder.buffer, length)
  }
}

/** pino's convention: an Error under `err` is written with its type, message and stack. */
function withErr(fields: object): object {
  const err = (fields as { err?: unknown }).err
  return err instanceof Error ? { ...fields, err: serializeError(err) } : fields
}

/**
 * Makes a root logger: one ring, one drain worker (unless `worker: false`), one destination.
 * Throws a TypeError naming the option when an option is invalid.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const resolved = resolveOptions(options)
  return new Logger(new Core(resolved), resolved.level, undefined, 0)
}
