import { VERSION } from './version.js'

/**
 * What is one per thread however many copies of ringlog the thread has loaded. A package ships an
 * ES module build and a CommonJS build, and one process can load both: an ESM application whose
 * CommonJS dependency requires ringlog, or the other way round. Each build is a separate set of
 * modules with its own module-level variables, so anything that must exist once per thread (the
 * hub, the drain worker's host, the exit listener and signal handlers, the record counter, the
 * control channel, the request context, the events' table, the loaded pipeline) lives in one object
 * on the thread's global, under a registered symbol that both builds name alike. The first copy
 * to need a piece makes it; every other copy uses that one.
 *
 * The key carries the version: another version of ringlog in the same process may lay its state
 * out differently, and keeps its own.
 */
const KEY = Symbol.for(`ringlog@${VERSION}.shared`)

type Registry = Map<string, unknown>

function registry(): Registry {
  const global = globalThis as { [KEY]?: Registry }
  return (global[KEY] ??= new Map())
}

/** This thread's `name`, made by `make()` if no copy of ringlog made it before. */
export function shared<T>(name: string, make: () => T): T {
  const all = registry()
  if (all.has(name)) return all.get(name) as T
  const value = make()
  all.set(name, value)
  return value
}
