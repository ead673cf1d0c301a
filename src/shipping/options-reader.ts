import { parseDuration } from '../units.js'
import { invalid, type Where } from '../validate.js'

/**
 * One kind of asynchronous sink, on the calling thread: its own options (besides `type` and the
 * options every asynchronous sink has: src/shipping/ship-options.ts), checked up front so that
 * `createLogger()` throws naming the sink, the option and the value (validate.ts's `invalid()`).
 * What `read` returns crosses into the worker: plain data only.
 */
export interface OptionsReader<Options> {
  /** Its option names; any other key on the sink is an error. */
  readonly keys: readonly string[]
  /** `where('url')` is `sinks[2].url`, for errors. */
  read(fields: Readonly<Record<string, unknown>>, where: (name: string) => Where): Options
}

/** A sink's `timeout` for one call to its destination: 10 s unless given. */
export function timeoutOption(where: Where, value: unknown): number {
  return value === undefined ? 10_000 : parseDuration(where, value)
}

/** A sink whose destination is given the json format's records: any other `format` is an error saying why. */
export function jsonFormatOnly(where: Where, format: unknown, why: string): void {
  if (format !== undefined && format !== 'json') invalid(where, format, `'json' (${why})`)
}

