import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { shared } from './shared.js'

/**
 * Request context through AsyncLocalStorage. A context is a frozen object of fields; every record
 * logged inside it carries them. Each logger tree packs a context's fields once, the first time a
 * record needs them: records carry small ones inline, and refer to larger ones, announced in the ring, by id.
 */
export class ContextStore {
  /** The first logger tree's reference to this context (its id, or its packed fields): nearly always the only one. */
  owner: object | undefined
  ownerRef: number | Uint8Array = 0
  /** References in further logger trees. */
  others: Map<object, number | Uint8Array> | undefined

  /**
   * @param shared a context very many records share (an OpenTelemetry span's ids): announced once
   * under an id, not packed into each record however small it is (packed, 86 bytes of ids cost a
   * record 115 ns to copy).
   */
  constructor(readonly fields: Readonly<Record<string, unknown>>, readonly shared = false) {}
}

// One store for both builds: a context bound by one (a CommonJS integration) is read by the other's loggers.
const storage = shared('context', () => new AsyncLocalStorage<ContextStore>())

function merged(fields: Record<string, unknown>): ContextStore {
  if (fields === null || typeof fields !== 'object') {
    throw new TypeError(`ringlog: a context is an object of fields; got ${String(fields)}`)
  }
  const parent = storage.getStore()
  return new ContextStore(Object.freeze(parent === undefined ? { ...fields } : { ...parent.fields, ...fields }))
}

/**
 * Runs `fn` with `fields` added to the current context: every record logged inside it, across
 * awaits, timers and promises, carries them. Nested calls merge, the inner value winning.
 */
export function withContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return storage.run(merged(fields), fn)
}

/**
 * Adds `fields` to the context of the current asynchronous execution and what it starts from now
 * on, for middleware that cannot wrap the rest of the request in a callback.
 */
export function bindContext(fields: Record<string, unknown>): void {
  storage.enterWith(merged(fields))
}

/**
 * The fields of the current context, or undefined outside any. Typed as the caller says they are
 * (`getContext<{ requestId: string }>()`): the context holds what withContext() was given.
 */
export function getContext<Fields extends Record<string, unknown> = Record<string, unknown>>(): Readonly<Fields> | undefined {
  return storage.getStore()?.fields as Readonly<Fields> | undefined
}

/** @internal a context to enter more than once (a request's, for its handlers and its access record): its ids are kept. */
export function newContext(fields: Record<string, unknown>): ContextStore {
  return merged(fields)
}

/** @internal runs `fn` inside a context made by newContext(). */
export function runInContext<T>(store: ContextStore, fn: () => T): T {
  return storage.run(store, fn)
}

/** @internal runs `fn` outside any context. */
export function outsideContext<T>(fn: () => T): T {
  // Not storage.exit(): on Node 20 it disables the storage and enables it again, which installs and
  // removes the promise hooks every time (a tenth of a Hono server's time, for its access records).
  return storage.run(undefined as unknown as ContextStore, fn)
}

/** @internal the logger's view: the store itself, which caches its ids. */
export function currentStore(): ContextStore | undefined {
  return storage.getStore()
}

const ids = shared('request-ids', () => ({ prefix: randomBytes(6).toString('base64url'), counter: 0 }))

/**
 * A unique request id: a random prefix chosen when the process starts, then a counter. Unique within
 * the process and, with 48 random bits of prefix, practically across processes; cheap to make.
 */
export function newRequestId(): string {
  ids.counter = (ids.counter + 1) % Number.MAX_SAFE_INTEGER
  return `${ids.prefix}-${ids.counter.toString(36)}`
}
