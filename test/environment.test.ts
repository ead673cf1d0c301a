import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'
import { resolveOptions } from '../dist/src/config.js'
import { fixedClock, readRecords, tempDir } from './helpers/files.js'

/** The one sink's destination as the option would name it: 'stdout', 'stderr', a descriptor or a path. */
function destinationOf(resolved: ReturnType<typeof resolveOptions>): string | number | undefined {
  const [sink] = resolved.sinks
  if (sink.file !== undefined) return sink.file.path
  return sink.fd === 1 ? 'stdout' : sink.fd === 2 ? 'stderr' : sink.fd
}

const T0 = '2026-11-28T02:04:27.'
const VARIABLES = ['LOG_LEVEL', 'LOG_FORMAT', 'RINGLOG_BUFFER_SIZE', 'RINGLOG_WORKER', 'RINGLOG_DESTINATION'] as const
const ENV_BEFORE = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]))
const STANDARD_LEVELS = "one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'"

/** The message of the error resolveOptions throws for this environment. */
function envError(env: NodeJS.ProcessEnv, options: LoggerOptions<string> = {}): string {
  try {
    resolveOptions(options, env)
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
  throw new Error(`resolveOptions accepted ${JSON.stringify(env)}`)
}

/**
 * Runs `fn` with exactly these ringlog variables in process.env (the others unset), then puts
 * process.env back as it was, even when `fn` throws.
 */
async function withEnv<T>(vars: Partial<Record<(typeof VARIABLES)[number], string>>, fn: () => T | Promise<T>): Promise<T> {
  const saved = new Map(VARIABLES.map((name) => [name, process.env[name]]))
  try {
    for (const name of VARIABLES) delete process.env[name]
    Object.assign(process.env, vars)
    return await fn()
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

describe('resolveOptions reads the environment', () => {
  it('uses the defaults when no variable is set', () => {
    const r = resolveOptions({}, {})
    expect(r.level).toBe('info')
    expect(r.format.format).toBe('json')
    expect(r.bufferSize).toBe(8 << 20)
    expect(r.worker).toBe(true)
    expect(destinationOf(r)).toBe('stdout')
    expect(r.nameLevels.levelFor('db')).toBeUndefined()
  })

  it('LOG_LEVEL sets the default level', () => {
    expect(resolveOptions({}, { LOG_LEVEL: 'debug' }).level).toBe('debug')
    expect(resolveOptions({}, { LOG_LEVEL: 'silent' }).level).toBe('silent')
  })

  it('LOG_LEVEL sets a default level and levels per logger name', () => {
    const r = resolveOptions({}, { LOG_LEVEL: 'info,db=debug,http.*=warn' })
    expect(r.level).toBe('info')
    expect(r.nameLevels.levelFor('db')).toBe('debug')
    expect(r.nameLevels.levelFor('http.client')).toBe('warn')
    expect(r.nameLevels.levelFor('http')).toBeUndefined()
    expect(r.nameLevels.levelFor('other')).toBeUndefined()
  })

  it('LOG_LEVEL with only name=level pairs leaves the default level at info', () => {
    const r = resolveOptions({}, { LOG_LEVEL: 'db=trace' })
    expect(r.level).toBe('info')
    expect(r.nameLevels.levelFor('db')).toBe('trace')
  })

  it('LOG_LEVEL may name custom levels', () => {
    const r = resolveOptions({ customLevels: { audit: 35 } }, { LOG_LEVEL: 'audit,db=audit' })
    expect(r.level).toBe('audit')
    expect(r.nameLevels.levelFor('db')).toBe('audit')
  })

  it.each(['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp'] as const)('LOG_FORMAT=%s sets the format', (format) => {
    expect(resolveOptions({}, { LOG_FORMAT: format }).format.format).toBe(format)
  })

  it.each([
    ['8M', 8 << 20],
    ['8MiB', 8 << 20],
    ['8MB', 8 << 20],
    ['8m', 8 << 20],
    ['65536', 65536],
    ['4096', 4096],
    ['4K', 4096],
    ['32KiB', 32 << 10],
    ['1G', 1 << 30],
    ['1GiB', 1 << 30],
  ])('RINGLOG_BUFFER_SIZE=%s is %d bytes', (value, bytes) => {
    expect(resolveOptions({}, { RINGLOG_BUFFER_SIZE: value }).bufferSize).toBe(bytes)
  })

  it.each([
    ['1', true], ['true', true], ['yes', true], ['on', true],
    ['0', false], ['false', false], ['no', false], ['off', false],
  ])('RINGLOG_WORKER=%s is worker: %s', (value, worker) => {
    expect(resolveOptions({}, { RINGLOG_WORKER: value }).worker).toBe(worker)
  })

  it.each([
    ['stdout', 'stdout'],
    ['stderr', 'stderr'],
    ['3', 3],
    ['/var/log/app.log', '/var/log/app.log'],
    ['logs/app.log', 'logs/app.log'],
  ])('RINGLOG_DESTINATION=%s is destination %j', (value, destination) => {
    expect(destinationOf(resolveOptions({}, { RINGLOG_DESTINATION: value }))).toBe(destination)
  })

  it('treats empty variables as unset', () => {
    const empty = Object.fromEntries(VARIABLES.map((name) => [name, '']))
    const r = resolveOptions({}, empty)
    expect(r.level).toBe('info')
    expect(r.format.format).toBe('json')
    expect(r.bufferSize).toBe(8 << 20)
    expect(r.worker).toBe(true)
    expect(destinationOf(r)).toBe('stdout')
    // And an option still wins over an empty variable.
    expect(resolveOptions({ level: 'warn', worker: false }, empty)).toMatchObject({ level: 'warn', worker: false })
  })
})

describe('precedence: an option wins, then the environment variable, then the default', () => {
  const cases: [string, string, LoggerOptions<string>, (r: ReturnType<typeof resolveOptions>) => unknown, unknown, unknown, unknown][] = [
    // variable, its value, the option, what to read, value from the option, value from the variable, default
    ['LOG_LEVEL', 'debug', { level: 'error' }, (r) => r.level, 'error', 'debug', 'info'],
    ['LOG_FORMAT', 'logfmt', { format: 'csv' }, (r) => r.format.format, 'csv', 'logfmt', 'json'],
    ['RINGLOG_BUFFER_SIZE', '64K', { bufferSize: 4096 }, (r) => r.bufferSize, 4096, 65536, 8 << 20],
    ['RINGLOG_WORKER', 'no', { worker: true }, (r) => r.worker, true, false, true],
    ['RINGLOG_DESTINATION', 'stderr', { destination: '/tmp/x.log' }, (r) => destinationOf(r), '/tmp/x.log', 'stderr', 'stdout'],
  ]

  it.each(cases)('%s', (name, value, options, read, fromOption, fromVariable, fallback) => {
    expect(read(resolveOptions(options, { [name]: value }))).toEqual(fromOption)
    expect(read(resolveOptions({}, { [name]: value }))).toEqual(fromVariable)
    expect(read(resolveOptions({}, { [name]: '' }))).toEqual(fallback)
    expect(read(resolveOptions({}, {}))).toEqual(fallback)
  })

  it('RINGLOG_WORKER=1 does not override worker: false', () => {
    expect(resolveOptions({ worker: false }, { RINGLOG_WORKER: '1' }).worker).toBe(false)
  })

  it('the level option wins over the default level of LOG_LEVEL; its name=level pairs still apply', () => {
    const r = resolveOptions({ level: 'warn' }, { LOG_LEVEL: 'debug,db=trace' })
    expect(r.level).toBe('warn')
    expect(r.nameLevels.levelFor('db')).toBe('trace')
  })

  it('levels from LOG_LEVEL and the levels option merge, the option winning for the same name', () => {
    const r = resolveOptions({ levels: { db: 'error', cache: 'debug' } }, { LOG_LEVEL: 'db=trace,http.*=warn' })
    expect(r.nameLevels.levelFor('db')).toBe('error')
    expect(r.nameLevels.levelFor('cache')).toBe('debug')
    expect(r.nameLevels.levelFor('http.client')).toBe('warn')
  })
})

describe('a bad variable throws a TypeError naming the variable and the value', () => {
  it('LOG_LEVEL: an unknown level', () => {
    expect(envError({ LOG_LEVEL: 'verbose' })).toBe(`ringlog: invalid environment variable LOG_LEVEL: "verbose"; expected ${STANDARD_LEVELS}`)
  })

  it('LOG_LEVEL: an unknown level in a name=level pair', () => {
    expect(envError({ LOG_LEVEL: 'info,db=loud' })).toBe(`ringlog: invalid environment variable LOG_LEVEL: "loud"; expected ${STANDARD_LEVELS}`)
  })

  it('LOG_LEVEL: two default levels', () => {
    expect(envError({ LOG_LEVEL: 'info,debug' })).toBe(
      'ringlog: invalid environment variable LOG_LEVEL: "info,debug"; expected one default level at most, like "info,db=debug"',
    )
  })

  it('LOG_LEVEL: a pair without a name', () => {
    expect(envError({ LOG_LEVEL: '=debug' })).toBe(
      'ringlog: invalid environment variable LOG_LEVEL: "=debug"; expected name=level pairs with a logger name before each =',
    )
  })

  it('LOG_LEVEL: the expected levels include custom levels', () => {
    expect(envError({ LOG_LEVEL: 'verbose' }, { customLevels: { audit: 35 } })).toBe(
      "ringlog: invalid environment variable LOG_LEVEL: \"verbose\"; expected one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'audit', 'silent'",
    )
  })

  it('LOG_FORMAT: an unknown format', () => {
    expect(envError({ LOG_FORMAT: 'xml' })).toBe(
      "ringlog: invalid environment variable LOG_FORMAT: \"xml\"; expected one of 'json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp'",
    )
  })

  it('RINGLOG_BUFFER_SIZE: not a size', () => {
    expect(envError({ RINGLOG_BUFFER_SIZE: '8X' })).toBe(
      'ringlog: invalid environment variable RINGLOG_BUFFER_SIZE: "8X"; expected a size in bytes, or with K, M or G, like "8M"',
    )
    expect(envError({ RINGLOG_BUFFER_SIZE: 'lots' })).toContain('invalid environment variable RINGLOG_BUFFER_SIZE: "lots"; expected a size')
  })

  it.each([
    ['3M', '(for example 2097152 or 4194304)'],
    ['5000', '(for example 4096 or 8192)'],
    ['2G', ''],
    ['1K', ''],
  ])('RINGLOG_BUFFER_SIZE: %s is a size but not an allowed one; the error quotes the value as written', (value, hint) => {
    const message = envError({ RINGLOG_BUFFER_SIZE: value })
    expect(message).toContain('expected a power of two from 4096 to 1073741824 bytes')
    expect(message).toContain(hint)
    expect(message).toContain(`invalid environment variable RINGLOG_BUFFER_SIZE: "${value}";`)
  })

  it('RINGLOG_WORKER: not a yes or no', () => {
    expect(envError({ RINGLOG_WORKER: 'maybe' })).toBe(
      'ringlog: invalid environment variable RINGLOG_WORKER: "maybe"; expected true or false (also 1/0, yes/no, on/off)',
    )
  })

  it('createLogger() throws the same error for a bad variable in process.env', async () => {
    await withEnv({ LOG_LEVEL: 'verbose' }, () => {
      expect(() => createLogger({ worker: false, destination: '/dev/null' })).toThrow(
        new TypeError(`ringlog: invalid environment variable LOG_LEVEL: "verbose"; expected ${STANDARD_LEVELS}`),
      )
    })
    await withEnv({ RINGLOG_WORKER: 'maybe' }, () => {
      expect(() => createLogger({ destination: '/dev/null' })).toThrow('invalid environment variable RINGLOG_WORKER: "maybe"')
    })
  })
})

describe('createLogger() reads process.env', () => {
  it('LOG_LEVEL, LOG_FORMAT, RINGLOG_WORKER and RINGLOG_DESTINATION decide what is written and where', async () => {
    const file = join(tempDir(), 'env.log')
    const restore = fixedClock()
    try {
      await withEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'logfmt', RINGLOG_WORKER: 'off', RINGLOG_DESTINATION: file }, async () => {
        const log = createLogger()
        expect(log.level).toBe('debug')
        log.trace('not written')
        log.debug('written', { n: 1 })
        await log.close()
      })
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(`time=${T0}123Z level=debug msg=written n=1\n`)
  })

  it('with RINGLOG_WORKER=1 and RINGLOG_BUFFER_SIZE, a worker writes the records', async () => {
    const file = join(tempDir(), 'worker.log')
    const restore = fixedClock()
    try {
      await withEnv({ LOG_LEVEL: 'warn,db=debug', RINGLOG_WORKER: '1', RINGLOG_BUFFER_SIZE: '64KiB', RINGLOG_DESTINATION: file }, async () => {
        const log = createLogger()
        expect(log.level).toBe('warn')
        log.info('not written')
        const db = log.child({ name: 'db' }) // inline bindings: no clock
        expect(db.level).toBe('debug')
        db.debug('query') // 123
        log.warn('slow') // 124
        await log.close()
      })
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"debug","msg":"query","name":"db"}\n` +
      `{"time":"${T0}124Z","level":"warn","msg":"slow"}\n`,
    )
  })

  it('options given to createLogger() win over process.env', async () => {
    const fromEnv = join(tempDir(), 'from-env.log')
    const fromOption = join(tempDir(), 'from-option.log')
    await withEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'logfmt', RINGLOG_DESTINATION: fromEnv, RINGLOG_WORKER: 'yes' }, async () => {
      const log = createLogger({ level: 'warn', format: 'json', destination: fromOption, worker: false })
      expect(log.level).toBe('warn')
      log.debug('not written')
      log.info('not written')
      log.warn('written')
      await log.close()
    })
    expect(readRecords(fromOption)).toMatchObject([{ level: 'warn', msg: 'written' }])
    expect(() => readFileSync(fromEnv)).toThrow(/ENOENT/)
  })

  it('empty variables in process.env count as unset', async () => {
    const file = join(tempDir(), 'empty.log')
    await withEnv({ LOG_LEVEL: '', LOG_FORMAT: '', RINGLOG_BUFFER_SIZE: '', RINGLOG_WORKER: '' }, async () => {
      const log = createLogger({ destination: file, worker: false })
      expect(log.level).toBe('info')
      log.debug('not written')
      log.info('written')
      await log.close()
    })
    expect(readRecords(file)).toMatchObject([{ level: 'info', msg: 'written' }])
  })

  it('restores process.env after each test', () => {
    // withEnv put back whatever was there before the tests above.
    for (const name of VARIABLES) expect(process.env[name]).toBe(ENV_BEFORE[name])
  })
})

describe('end to end: a process configured only by its environment', () => {
  it('LOG_LEVEL=debug,db=trace with LOG_FORMAT=logfmt and RINGLOG_DESTINATION=<file>', async () => {
    const file = join(tempDir(), 'child.log')
    const index = new URL('../dist/src/index.js', import.meta.url).href
    const code = `
      let t = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
      Date.now = () => t++
      const { createLogger } = await import(${JSON.stringify(index)})
      const log = createLogger()
      log.trace('root trace is off')
      log.debug('root debug', { pid: 'x' })
      const db = log.child({ name: 'db' })
      db.trace('db trace', { sql: 'select 1' })
      const http = log.child({ name: 'http' })
      http.trace('http trace is off')
      http.info('request done', { status: 200 })
      await log.close()
    `
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of VARIABLES) delete env[name]
    Object.assign(env, { LOG_LEVEL: 'debug,db=trace', LOG_FORMAT: 'logfmt', RINGLOG_DESTINATION: file })
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      child.on('error', reject)
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout, stderr }))
    })
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
    // Clock: root debug 123, db trace 124, http info 125 (small bindings go inline: a child does not read it).
    expect(readFileSync(file, 'utf8')).toBe(
      `time=${T0}123Z level=debug msg="root debug" pid=x\n` +
      `time=${T0}124Z level=trace msg="db trace" name=db sql="select 1"\n` +
      `time=${T0}125Z level=info msg="request done" name=http status=200\n`,
    )
  })
})
