import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'

function errorOf(options: unknown): string {
  try {
    createLogger(options as LoggerOptions)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('createLogger accepted the options')
}

describe('bad options fail at createLogger() with the option, the value and what is accepted', () => {
  it('rejects a negative bufferSize', () => {
    expect(errorOf({ bufferSize: -1 })).toBe(
      'ringlog: invalid option bufferSize: -1; expected a power of two from 4096 to 1073741824 bytes',
    )
  })

  it('rejects a bufferSize that is not a power of two, and suggests the nearest ones', () => {
    expect(errorOf({ bufferSize: 10_000_000 })).toBe(
      'ringlog: invalid option bufferSize: 10000000; expected a power of two from 4096 to 1073741824 bytes (for example 8388608 or 16777216)',
    )
  })

  it('rejects an unknown level', () => {
    expect(errorOf({ level: 'verbose' })).toBe(
      "ringlog: invalid option level: \"verbose\"; expected one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'",
    )
  })

  it('rejects an unknown onFull policy', () => {
    expect(errorOf({ onFull: 'wait' })).toBe("ringlog: invalid option onFull: \"wait\"; expected one of 'block', 'drop'")
  })

  it('rejects a destination that is neither a path nor a descriptor', () => {
    expect(errorOf({ destination: -3 })).toBe(
      "ringlog: invalid option destination: -3; expected 'stdout', 'stderr', a file path or a file descriptor number",
    )
  })

  it('rejects an option it does not know, naming it', () => {
    expect(errorOf({ bufferSzie: 1024 })).toContain('invalid option bufferSzie: 1024; expected no such option')
  })

  it('rejects a level set at run time the same way', () => {
    const log = createLogger({ worker: false, destination: '/dev/null' })
    expect(() => {
      log.level = 'loud' as 'info'
    }).toThrow("ringlog: invalid option level: \"loud\"")
    expect(log.level).toBe('info')
  })
})
