import { hostname } from 'node:os'
import { describe } from './serialize.js'
import { invalid, type Where } from './validate.js'

/** A record's fields as a hook gives them back. */
type Fields = Record<string, unknown>

/** The options, as in pino, that shape each record on the calling thread before it is encoded. */
export interface CallOptions {
  /**
   * 'pino': what pino writes for the same calls. Leftover arguments are dropped as pino drops
   * them (`log.info('msg', { a: 1 })` writes no `a`), levels are numbers, times milliseconds, and
   * `base` is pino's `{ pid, hostname }` unless given.
   */
  compat?: 'pino'
  /** Fields on every record, before the bindings: pino's `base`. `null` or not given: none (with `compat: 'pino'`, `{ pid, hostname }`). */
  base?: Record<string, unknown> | null
  /**
   * Called for every record written (on the calling thread): the fields it returns are added to
   * the record, the call's own fields winning. pino's `mixin(mergeObject, level, logger)`.
   */
  mixin?: (mergeObject: object, level: number, logger: object) => object
  formatters?: {
    /** Turns a logger's bindings (`base`, and each child's own) into the fields written, once per logger. */
    bindings?: (bindings: Fields) => object
    /** Turns each record's fields into the fields written (after `mixin`). */
    log?: (fields: Fields) => object
  }
}

export const CALL_KEYS = ['compat', 'base', 'mixin', 'formatters'] as const

/** The calling thread's record hooks, checked; `hooks` undefined when there are none (the fast path). */
export interface CallConfig {
  pino: boolean
  base: Fields | undefined
  hooks: RecordHooks | undefined
  formatBindings: (bindings: Fields) => Fields
}

/** Reads the CallOptions; throws a TypeError naming the option and the value when one is wrong. */
export function callConfig(options: CallOptions): CallConfig {
  const { compat, base, mixin, formatters } = options
  if (compat !== undefined && compat !== 'pino') invalid('option compat', compat, "'pino'")
  const pino = compat === 'pino'
  if (base !== undefined && base !== null && (typeof base !== 'object' || Array.isArray(base))) invalid('option base', base, 'an object of fields, or null')
  if (mixin !== undefined && typeof mixin !== 'function') invalid('option mixin', mixin, 'a function (mergeObject, level, logger) returning an object')
  if (formatters !== undefined && (formatters === null || typeof formatters !== 'object')) invalid('option formatters', formatters, '{ bindings, log }')
  for (const [key, value] of Object.entries(formatters ?? {})) {
    // pino's formatters.level writes the level key itself: here the worker writes it (levelKey, levelFormat).
    if (key !== 'bindings' && key !== 'log') invalid(`option formatters.${key}`, value, "one of 'bindings', 'log' (the level is written by levelKey and levelFormat)")
    if (typeof value !== 'function') invalid(`option formatters.${key}`, value, 'a function')
  }
  const formatLog = formatters?.log
  const bindingsFormatter = formatters?.bindings
  return {
    pino,
    base: base === null ? undefined : base ?? (pino ? { pid: process.pid, hostname: hostname() } : undefined),
    hooks: mixin === undefined && formatLog === undefined ? undefined : new RecordHooks(mixin, formatLog),
    formatBindings: bindingsFormatter === undefined ? (bindings) => bindings : (bindings) => hooked(() => bindingsFormatter(bindings), bindings, 'formatters.bindings'),
  }
}

/** `mixin` and `formatters.log`, applied to every record's fields; they never throw into the call. */
export class RecordHooks {
  constructor(
    private readonly mixin: CallOptions['mixin'],
    private readonly formatLog: ((fields: Fields) => object) | undefined,
  ) {}

  apply(fields: object | undefined, level: number, logger: object): object | undefined {
    let out = (fields ?? {}) as Fields
    const mixin = this.mixin
    if (mixin !== undefined) {
      const call = out
      // Object.assign, not `{ ...mixed, ...call }`: two spreads into one literal measured 6.4 us a record, this 0.4 us.
      out = hooked(() => Object.assign({}, mixin(call, level, logger), call), call, 'mixin')
    }
    const formatLog = this.formatLog
    if (formatLog !== undefined) {
      const given = out
      out = hooked(() => formatLog(given), given, 'formatters.log')
    }
    return out
  }
}

/** What `hook` returns as fields; if it throws or returns no object, the fields it was given and a note of why. */
function hooked(hook: () => unknown, given: Fields, where: Where): Fields {
  try {
    const result = hook()
    if (result !== null && typeof result === 'object') return result as Fields
    return { ...given, hookError: `[${where} returned ${describe(result)}, not an object]` }
  } catch (error) {
    return { ...given, hookError: `[${where} threw: ${describe(error)}]` }
  }
}
