import type { LoggerOptions } from './config.js'
import { invalid } from './validate.js'

const LOSSY = ['sample', 'rateLimit', 'dedupe', 'fingersCrossed'] as const

/**
 * `preset: 'audit'`, for compliance logs: every sink a file with `integrity` and `durability:
 * 'fsync'` (so `await log.flush()` resolves once the records are on disk and sealed in the chain),
 * `onFull: 'block'` with no time limit, and none of the stages that leave records out. Anything
 * that contradicts it is an error naming the option, never quietly changed.
 */
export function auditPreset(options: LoggerOptions<string>): LoggerOptions<string> {
  const sinks = options.sinks
  if (!Array.isArray(sinks) || sinks.length === 0) {
    return invalid('option sinks', sinks, "file sinks with integrity, as preset 'audit' needs: [{ type: 'file', path, integrity: { key } }]")
  }
  sinks.forEach((sink, i) => {
    const fields = sink as unknown as Record<string, unknown>
    if (fields === null || typeof fields !== 'object' || fields.type !== 'file') invalid(`option sinks[${i}].type`, fields?.type, "'file': preset 'audit' writes files only")
    if (fields.durability !== undefined && fields.durability !== 'fsync') invalid(`option sinks[${i}].durability`, fields.durability, "'fsync' or nothing: preset 'audit' syncs every batch")
    if (fields.integrity === undefined) invalid(`option sinks[${i}].integrity`, undefined, "{ key } or { privateKey }: preset 'audit' seals its files")
  })
  if (options.onFull !== undefined && options.onFull !== 'block') invalid('option onFull', options.onFull, "'block' or nothing: preset 'audit' drops no record")
  for (const name of LOSSY) if (options[name] !== undefined) invalid(`option ${name}`, options[name], "nothing: preset 'audit' keeps every record")
  return {
    ...options,
    onFull: 'block',
    blockTimeoutMs: options.blockTimeoutMs ?? Infinity,
    sinks: sinks.map((sink) => ({ durability: 'fsync', ...sink })),
  }
}
