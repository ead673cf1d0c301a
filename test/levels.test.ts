import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'
import { fixedClock, readRecords, tempDir } from './helpers/files.js'

const T0 = '2026-11-28T02:04:27.'
const STANDARD = "'trace', 'debug', 'info', 'warn', 'error', 'fatal'"

/** level, msg and name of each record in the file: what level tests care about. */
function written(file: string): { level: unknown; msg: unknown; name?: unknown }[] {
  return readRecords(file).map(({ level, msg, name }) => (name === undefined ? { level, msg } : { level, msg, name }))
}

/** The message createLogger() throws for these options; a logger it makes anyway is closed. */
async function optionError(options: LoggerOptions<string>): Promise<string> {
  let log: ReturnType<typeof createLogger<string>>
  try {
    log = createLogger({ worker: false, destination: '/dev/null', ...options })
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
  await log.close().catch(() => {})
  throw new Error(`createLogger accepted ${JSON.stringify(options)}`)
}

describe('log.level at run time', () => {
  it('is read and set at run time; what is written follows it', async () => {
    const file = join(tempDir(), 'level.log')
    const log = createLogger({ destination: file, worker: false })
    expect(log.level).toBe('info')
    log.debug('dropped 1')
    log.level = 'debug'
    expect(log.level).toBe('debug')
    log.debug('debug on')
    log.trace('dropped 2')
    log.level = 'error'
    log.warn('dropped 3')
    log.error('error on')
    log.level = 'silent'
    expect(log.level).toBe('silent')
    log.fatal('dropped 4')
    log.level = 'trace'
    log.trace('trace on')
    await log.close()
    expect(written(file)).toEqual([
      { level: 'debug', msg: 'debug on' },
      { level: 'error', msg: 'error on' },
      { level: 'trace', msg: 'trace on' },
    ])
  })

  it('setting an unknown level throws and leaves the level, and what is written, unchanged', async () => {
    const file = join(tempDir(), 'unknown.log')
    const log = createLogger({ destination: file, worker: false, level: 'warn' })
    expect(() => {
      log.level = 'loud' as 'info'
    }).toThrow(new TypeError(`ringlog: invalid option level: "loud"; expected one of ${STANDARD}, 'silent'`))
    expect(() => {
      log.level = undefined as unknown as 'info'
    }).toThrow('ringlog: invalid option level: undefined; expected one of')
    expect(log.level).toBe('warn')
    expect(log.isLevelEnabled('info')).toBe(false)
    log.info('dropped')
    log.warn('kept')
    await log.close()
    expect(written(file)).toEqual([{ level: 'warn', msg: 'kept' }])
  })

  it('isLevelEnabled() tells whether a level is written', async () => {
    const log = createLogger({ destination: '/dev/null', worker: false })
    expect(log.isLevelEnabled('debug')).toBe(false)
    expect(log.isLevelEnabled('info')).toBe(true)
    expect(log.isLevelEnabled('fatal')).toBe(true)
    log.level = 'debug'
    expect(log.isLevelEnabled('debug')).toBe(true)
    expect(log.isLevelEnabled('trace')).toBe(false)
    log.level = 'silent'
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) expect(log.isLevelEnabled(level)).toBe(false)
    expect(log.isLevelEnabled('nope' as 'info')).toBe(false)
    await log.close()
  })

  it("level: 'silent' writes nothing at all", async () => {
    const file = join(tempDir(), 'silent.log')
    const log = createLogger({ destination: file, worker: false, level: 'silent' })
    expect(log.level).toBe('silent')
    log.fatal('dropped')
    log.child({ a: 1 }).error('dropped')
    await log.close()
    expect(readFileSync(file, 'utf8')).toBe('')
  })

  it('an unknown level option fails at createLogger()', async () => {
    expect(await optionError({ level: 'verbose' })).toBe(`ringlog: invalid option level: "verbose"; expected one of ${STANDARD}, 'silent'`)
  })
})

describe('custom levels', () => {
  const customLevels = { audit: 35, notice: 33 }

  it('add a method per level, written with the level label; they take part in thresholds', async () => {
    const file = join(tempDir(), 'custom.log')
    const restore = fixedClock()
    try {
      const log = createLogger({ destination: file, worker: false, customLevels })
      log.audit('role changed', { userId: 42, role: 'admin' }) // 123
      log.notice('noticed') // 124
      log.level = 'audit'
      expect(log.level).toBe('audit')
      log.info('dropped')
      log.notice('dropped')
      log.warn('kept') // 125
      log.audit('kept too') // 126
      await log.close()
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"audit","msg":"role changed","userId":42,"role":"admin"}\n` +
      `{"time":"${T0}124Z","level":"notice","msg":"noticed"}\n` +
      `{"time":"${T0}125Z","level":"warn","msg":"kept"}\n` +
      `{"time":"${T0}126Z","level":"audit","msg":"kept too"}\n`,
    )
  })

  it("are written as their number with levelFormat: 'number'", async () => {
    const file = join(tempDir(), 'number.log')
    const log = createLogger({ destination: file, worker: false, customLevels, levelFormat: 'number' })
    log.audit('a')
    log.notice('n')
    log.info('i')
    await log.close()
    expect(readRecords(file).map((r) => r.level)).toEqual([35, 33, 30])
  })

  it("level: 'audit' is accepted: info is off, notice is off, warn is on", async () => {
    const file = join(tempDir(), 'threshold.log')
    const log = createLogger({ destination: file, worker: false, customLevels, level: 'audit' })
    expect(log.level).toBe('audit')
    expect(log.isLevelEnabled('info')).toBe(false)
    expect(log.isLevelEnabled('notice')).toBe(false)
    expect(log.isLevelEnabled('audit')).toBe(true)
    expect(log.isLevelEnabled('warn')).toBe(true)
    log.info('dropped')
    log.notice('dropped')
    log.audit('audit')
    log.warn('warn')
    await log.close()
    expect(written(file)).toEqual([{ level: 'audit', msg: 'audit' }, { level: 'warn', msg: 'warn' }])
  })

  it('the expected levels of a bad level name include the custom ones', async () => {
    const log = createLogger({ destination: '/dev/null', worker: false, customLevels })
    expect(() => {
      log.level = 'loud' as 'info'
    }).toThrow(`ringlog: invalid option level: "loud"; expected one of ${STANDARD}, 'audit', 'notice', 'silent'`)
    expect(log.level).toBe('info')
    await log.close()
  })

  it('children have the custom methods, at the parent level (worker: true)', async () => {
    const file = join(tempDir(), 'children.log')
    const restore = fixedClock()
    try {
      const log = createLogger({ destination: file, worker: true, customLevels, level: 'notice' })
      const child = log.child({ service: 'billing' }) // inline bindings: no clock
      expect(child.level).toBe('notice')
      child.audit('child audit', { amount: 3 }) // 123
      child.info('dropped')
      const grandchild = child.child({ step: 'pay' })
      grandchild.notice('grandchild notice') // 124
      child.level = 'silent'
      child.fatal('dropped')
      grandchild.audit('grandchild keeps its own level') // 125
      await log.close()
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"audit","msg":"child audit","service":"billing","amount":3}\n` +
      `{"time":"${T0}124Z","level":"notice","msg":"grandchild notice","service":"billing","step":"pay"}\n` +
      `{"time":"${T0}125Z","level":"audit","msg":"grandchild keeps its own level","service":"billing","step":"pay"}\n`,
    )
  })

  it('are typed: log.audit exists, an unknown method is a compile error', async () => {
    const log = createLogger({ destination: '/dev/null', worker: false, customLevels })
    const child = log.child({ a: 1 })
    // These compile: the custom level names are part of the logger's type.
    const methods: ((message: string, fields?: object) => void)[] = [log.audit, log.notice, child.audit]
    expect(methods.every((m) => typeof m === 'function')).toBe(true)
    log.level = 'audit'
    expect(log.isLevelEnabled('notice')).toBe(false)
    expect(() => {
      // @ts-expect-error nope is not a level of this logger
      log.nope('x')
    }).toThrow(TypeError)
    expect(() => {
      // @ts-expect-error loud is not a level of this logger
      log.level = 'loud'
    }).toThrow('invalid option level')
    await log.close()
  })

  it('a misspelt level option is a compile error too, not an inferred custom level', () => {
    // `level` must not be where the names of custom levels are inferred from.
    expect(() =>
      // @ts-expect-error verbose is neither a standard nor a custom level
      createLogger({ level: 'verbose', destination: '/dev/null', worker: false }),
    ).toThrow('invalid option level: "verbose"')
  })

  it('accept the numbers 1 and 255', async () => {
    const file = join(tempDir(), 'bounds.log')
    const log = createLogger({ destination: file, worker: false, customLevels: { lowest: 1, highest: 255 }, level: 'lowest', levelFormat: 'number' })
    log.lowest('1')
    log.trace('10')
    log.highest('255')
    await log.close()
    expect(readRecords(file).map((r) => [r.level, r.msg])).toEqual([[1, '1'], [10, '10'], [255, '255']])
  })
})

describe('bad custom levels fail at createLogger() with a message naming customLevels', () => {
  const badName = (name: string): string =>
    `ringlog: invalid option customLevels: ${JSON.stringify(name)}; expected a new level name: an identifier that is not a standard level or a logger method`

  it.each(['info', 'trace', 'fatal', 'silent', 'child', 'level', 'flush', 'close', 'metrics', 'isLevelEnabled', 'name', 'constructor', 'bindings', 'setBindings', 'levels', 'levelVal'])(
    'a name clashing with a standard level or a logger member: %s',
    async (name) => {
      expect(await optionError({ customLevels: { [name]: 35 } })).toBe(badName(name))
    },
  )

  it.each(['write', 'writeCall', 'send', 'core', 'levelName', 'bindingsId', 'bindingsOwner', 'fields', 'msgPrefix'])(
    "a name like one of the logger's private members is free: %s (they are # fields)",
    async (name) => {
      const file = join(tempDir(), 'private.log')
      const log = createLogger({ destination: file, worker: false, customLevels: { [name]: 35 } }) as unknown as Record<string, (msg: string) => void> & { close(): Promise<void> }
      log[name]('custom')
      log.info('still works')
      await log.close()
      expect(readRecords(file).map((r) => [r.level, r.msg])).toEqual([[name, 'custom'], ['info', 'still works']])
    },
  )

  it.each(['my-level', '1st', 'has space', ''])('a name that is not an identifier: %j', async (name) => {
    expect(await optionError({ customLevels: { [name]: 35 } })).toBe(badName(name))
  })

  it.each([0, 256, -1, 1000])('a number outside 1..255: %d', async (n) => {
    expect(await optionError({ customLevels: { audit: n } })).toBe(
      `ringlog: invalid option customLevels.audit: ${n}; expected a whole number from 1 to 255`,
    )
  })

  it.each([35.5, Number.NaN, '35', null])('a value that is not a whole number: %s', async (n) => {
    expect(await optionError({ customLevels: { audit: n as number } })).toBe(
      `ringlog: invalid option customLevels.audit: ${Number.isNaN(n) ? 'NaN' : JSON.stringify(n)}; expected a whole number from 1 to 255`,
    )
  })

  it('a number a standard level has', async () => {
    expect(await optionError({ customLevels: { audit: 30 } })).toBe(
      'ringlog: invalid option customLevels.audit: 30; expected a number no other level has (info is 30)',
    )
  })

  it('a number another custom level has', async () => {
    expect(await optionError({ customLevels: { audit: 35, review: 35 } })).toBe(
      'ringlog: invalid option customLevels.review: 35; expected a number no other level has (audit is 35)',
    )
  })

  it('not an object', async () => {
    expect(await optionError({ customLevels: ['audit'] as unknown as Record<string, number> })).toBe(
      'ringlog: invalid option customLevels: ["audit"]; expected an object',
    )
  })
})

describe('levels per logger name', () => {
  it("a named child takes its level from levels: exact names, 'prefix.*', and '*' for every named logger", async () => {
    const file = join(tempDir(), 'names.log')
    const log = createLogger({
      destination: file,
      worker: false,
      level: 'info',
      levels: { db: 'debug', 'http.*': 'warn', 'http.client': 'debug', 'http.client.*': 'error', '*': 'fatal' },
    })
    const db = log.child({ name: 'db' })
    expect(db.level).toBe('debug')
    db.trace('dropped')
    db.debug('db debug')

    const server = log.child({ name: 'http.server' })
    expect(server.isLevelEnabled('info')).toBe(false)
    server.info('dropped')
    server.warn('http warn')

    const client = log.child({ name: 'http.client' }) // the exact name beats 'http.*'
    expect(client.level).toBe('debug')
    client.debug('exact beats wildcard')

    const pool = log.child({ name: 'http.client.pool' }) // 'http.client.*' beats the shorter 'http.*'
    expect(pool.level).toBe('error')
    pool.warn('dropped')
    pool.error('longer wildcard wins')

    const other = log.child({ name: 'other' }) // only '*' matches
    expect(other.level).toBe('fatal')
    other.error('dropped')
    other.fatal('star')

    expect(log.level).toBe('info') // the unnamed root is not matched by '*'
    log.debug('dropped')
    log.info('root info')
    await log.close()
    expect(written(file)).toEqual([
      { level: 'debug', msg: 'db debug', name: 'db' },
      { level: 'warn', msg: 'http warn', name: 'http.server' },
      { level: 'debug', msg: 'exact beats wildcard', name: 'http.client' },
      { level: 'error', msg: 'longer wildcard wins', name: 'http.client.pool' },
      { level: 'fatal', msg: 'star', name: 'other' },
      { level: 'info', msg: 'root info' },
    ])
  })

  it('the order of the patterns does not matter', async () => {
    const a = createLogger({ destination: '/dev/null', worker: false, levels: { 'a.*': 'warn', 'a.b.*': 'error', 'a.b.c': 'debug' } })
    const b = createLogger({ destination: '/dev/null', worker: false, levels: { 'a.b.c': 'debug', 'a.b.*': 'error', 'a.*': 'warn' } })
    for (const log of [a, b]) {
      expect(log.child({ name: 'a.x' }).level).toBe('warn')
      expect(log.child({ name: 'a.b.x' }).level).toBe('error')
      expect(log.child({ name: 'a.b.c' }).level).toBe('debug')
      expect(log.child({ name: 'b' }).level).toBe('info')
      await log.close()
    }
  })

  it("a child without a name keeps its parent's level, also one set at run time", async () => {
    const file = join(tempDir(), 'unnamed.log')
    const log = createLogger({ destination: file, worker: false, levels: { db: 'debug', '*': 'error' } })
    const db = log.child({ name: 'db' })
    const query = db.child({ query: 'q1' })
    expect(query.level).toBe('debug')
    expect(query.name).toBe('db')
    query.debug('unnamed child of db')
    log.level = 'warn'
    const plain = log.child({ requestId: 'r1' })
    expect(plain.level).toBe('warn')
    plain.info('dropped')
    plain.warn('unnamed child of root')
    await log.close()
    expect(readRecords(file)).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'unnamed child of db', name: 'db', query: 'q1' }),
      expect.objectContaining({ level: 'warn', msg: 'unnamed child of root', requestId: 'r1' }),
    ])
  })

  it("a named child with no entry in levels keeps its parent's level", async () => {
    const log = createLogger({ destination: '/dev/null', worker: false, level: 'warn', levels: { db: 'debug' } })
    expect(log.child({ name: 'cache' }).level).toBe('warn')
    await log.close()
  })

  it("createLogger({ name: 'db', levels: { db: 'trace' } }): the root gets trace and writes its name first (worker: true)", async () => {
    const file = join(tempDir(), 'root.log')
    const restore = fixedClock()
    try {
      const log = createLogger({ destination: file, worker: true, name: 'db', levels: { db: 'trace' } }) // inline bindings: no clock
      expect(log.level).toBe('trace')
      expect(log.name).toBe('db')
      log.trace('root trace', { sql: 'select 1' }) // 123
      const http = log.child({ name: 'http' }) // no entry: keeps trace
      expect(http.level).toBe('trace')
      http.trace('child trace') // 124
      await log.close()
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"trace","msg":"root trace","name":"db","sql":"select 1"}\n` +
      `{"time":"${T0}124Z","level":"trace","msg":"child trace","name":"http"}\n`,
    )
  })

  it('levels may name custom levels; a bad level in levels names the entry', async () => {
    const log = createLogger({ destination: '/dev/null', worker: false, customLevels: { audit: 35 }, levels: { db: 'audit' } })
    expect(log.child({ name: 'db' }).level).toBe('audit')
    await log.close()
    expect(await optionError({ levels: { db: 'loud' } })).toBe(
      `ringlog: invalid option levels.db: "loud"; expected one of ${STANDARD}, 'silent'`,
    )
  })
})
