/**
 * A logger made when it is first used: a request's logger is a child of the integration's, and
 * most requests never log through theirs while a child costs microseconds.
 *
 * It is a Proxy, so that every member of the logger it stands for (each method and property, the
 * custom levels, whatever a logger gains later) is there without being named here. `made` is
 * asked for the logger at each use; it makes it the first time. `front`, when given, answers the
 * members it has itself: Fastify's adapter, whose pino-shaped methods win.
 */
export function lazyLogger<Log extends object>(made: () => object, front?: object): Log {
  return new Proxy(new Lazy(made, front), HANDLER) as unknown as Log
}

type Method = (...args: unknown[]) => unknown

/** The Proxy's target: where its members come from. */
class Lazy {
  /** Not kept here: Fastify's adapter replaces its logger with a child when a level is set on it. */
  readonly #made: () => object
  readonly #front: object | undefined
  /** Methods bound to their owner, each once, so that a member read twice is the same function. */
  #bound: Map<Method, { owner: object; method: Method }> | undefined

  constructor(made: () => object, front: object | undefined) {
    this.#made = made
    this.#front = front
  }

  made(): object {
    return this.#made()
  }

  /** Whoever has the member: the front for its own, else the logger. */
  owner(key: string | symbol): object {
    return this.#front !== undefined && key in this.#front ? this.#front : this.made()
  }

  get(key: string | symbol): unknown {
    const owner = this.owner(key)
    // The owner as receiver: a getter such as `level` reads private fields, which the Proxy has not.
    const value: unknown = Reflect.get(owner, key, owner)
    // A logger's own function members are its level methods, bound to it already. A method from its
    // class reads private fields too: `this` must be the logger, not the Proxy.
    if (typeof value !== 'function' || key === 'constructor' || Object.hasOwn(owner, key)) return value
    const bound = (this.#bound ??= new Map())
    let entry = bound.get(value as Method)
    if (entry?.owner !== owner) bound.set(value as Method, (entry = { owner, method: (value as Method).bind(owner) }))
    return entry.method
  }

  set(key: string | symbol, value: unknown): boolean {
    const owner = this.owner(key)
    return Reflect.set(owner, key, value, owner)
  }
}

const HANDLER: ProxyHandler<Lazy> = {
  get: (lazy, key) => lazy.get(key),
  set: (lazy, key, value) => lazy.set(key, value),
  has: (lazy, key) => key in lazy.owner(key),
  ownKeys: (lazy) => Reflect.ownKeys(lazy.made()),
  // A Proxy may report a property its target has not only as configurable.
  getOwnPropertyDescriptor: (lazy, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(lazy.made(), key)
    return descriptor === undefined ? undefined : { ...descriptor, configurable: true }
  },
  defineProperty: (lazy, key, descriptor) => Reflect.defineProperty(lazy.made(), key, descriptor),
  deleteProperty: (lazy, key) => Reflect.deleteProperty(lazy.made(), key),
  getPrototypeOf: (lazy) => Object.getPrototypeOf(lazy.made()),
}
