import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'

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
      "ringlog: invalid option destination: -3; expected 'stdout', 'stderr', process.stdout, process.stderr, a Writable stream, a file path or a file descriptor number",
    )
  })

  it('names something with a write() that is not a Writable rather than dumping it', () => {
    class Sink { chunks: string[] = []; write(chunk: string): void { this.chunks.push(chunk) } }
    expect(errorOf({ destination: new Sink() as never })).toBe(
      'ringlog: invalid option destination: "a Sink"; expected \'stdout\', \'stderr\', process.stdout, process.stderr, a Writable stream, a file path or a file descriptor number (a stream must be a Node Writable: its write callbacks tell what was written)',
    )
  })

  it('rejects a clock that is not a function', () => {
    expect(errorOf({ now: 1764295467123 })).toBe(
      'ringlog: invalid option now: 1764295467123; expected a function returning milliseconds since the epoch',
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

describe('the now option: the clock records are timed by', () => {
  it.each([true, false])('times every record by it (worker: %s)', async (worker) => {
    const path = join(tempDir(), 'app.log')
    let now = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
    const log = createLogger({ worker, destination: path, now: () => now })
    log.info('first')
    now += 3_600_000
    log.child({ name: 'db' }).warn('second')
    await log.close()
    expect(readFileSync(path, 'utf8')).toBe(
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","msg":"first"}\n' +
        '{"time":"2026-11-28T03:04:27.123Z","level":"warn","msg":"second","name":"db"}\n',
    )
  })

  it('falls back to Date.now() when the clock throws or gives no finite number, and the log call does not throw', async () => {
    const path = join(tempDir(), 'app.log')
    const answers: (() => unknown)[] = [() => { throw new Error('clock broken') }, () => NaN, () => '12', () => Infinity]
    let call = 0
    const log = createLogger({ worker: false, destination: path, now: () => answers[call++]() as number })
    const before = Date.now()
    for (let i = 0; i < answers.length; i++) log.info('r', { i })
    const after = Date.now()
    await log.close()
    const times = readFileSync(path, 'utf8').trim().split('\n').map((line) => Date.parse((JSON.parse(line) as { time: string }).time))
    expect(times).toHaveLength(answers.length)
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(before)
      expect(time).toBeLessThanOrEqual(after)
    }
  })
})

describe('process.stdout and process.stderr as destinations, as pino takes them', () => {
  const index = fileURLToPath(new URL('../dist/src/index.js', import.meta.url))
  it.each(['stdout', 'stderr'] as const)('process.%s writes to its descriptor and nothing else', (name) => {
    const script = `import { createLogger } from ${JSON.stringify(index)}
const log = createLogger({ destination: process.${name}, now: () => 0 })
log.info('to ${name}')
await log.close()`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    const line = `{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"to ${name}"}\n`
    expect(run.status).toBe(0)
    expect({ stdout: run.stdout, stderr: run.stderr }).toEqual(name === 'stdout' ? { stdout: line, stderr: '' } : { stdout: '', stderr: line })
  })
})
