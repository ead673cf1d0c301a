import { moduleOptions } from './shipping/module-options.js'
import { invalid, type Where } from './validate.js'
import type { ProcessorConfig } from './worker/policy/processors.js'

/** A processor: a module whose default export makes, of `options`, a function that changes or drops records (see `ringlog/plugin`). */
export interface ProcessorOption {
  /** A package name (resolved from `process.cwd()`), a path, or a file URL. */
  module: string
  /** Handed to the module's default export: plain data, posted to the drain worker. */
  options?: Record<string, unknown>
}

/** The `processors` option, checked: each module resolved here, so that one that cannot be found throws from createLogger(). */
export function resolveProcessors(value: unknown): ProcessorConfig[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return invalid('option processors', value, 'an array of { module, options }')
  return value.map((entry: unknown, i) => {
    const where = (name: string): Where => `option processors[${i}]${name === '' ? '' : `.${name}`}`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return invalid(where(''), entry, '{ module, options }')
    const fields = entry as Record<string, unknown>
    for (const key of Object.keys(fields)) if (!moduleOptions.keys.includes(key)) invalid(where(key), fields[key], 'one of module, options')
    // The same module and options as a plugin sink's.
    return moduleOptions.read(fields, where)
  })
}
