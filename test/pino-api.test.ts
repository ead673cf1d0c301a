import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions, type RingLogger } from '../dist/src/index.js'
import { interpolate } from '../dist/src/call-arguments.js'
import { Random } from './helpers/random.js'
import { tempDir } from './helpers/files.js'

/** The logger API a pino user types (issue 15): each call's output byte for byte, through a real drain worker. */

const T = Date.UTC(2026, 11, 5, 21, 0, 0, 0)
const TIME = '"time":"2026-12-05T21:00:00.000Z"'
const format = createRequire(import.meta.url)('quick-format-unescaped') as (f: string, args: unknown[], opts?: object) => string

async function output<Custom extends string = never>(options: LoggerOptions<Custom>, log: (logger: RingLogger<Custom>) => void | Promise<void>): Promise<string[]> {
  const path = join(tempDir(), 'app.log')
  const logger = createLogger<Custom>({ now: () => T, destination: path, ...options })
  await log(logger)
  await logger.close()
  return readFileSync(path, 'utf8').split('\n').slice(0, -1)
}

describe('printf interpolation', () => {
  it("is pino's own (quick-format-unescaped) for 2,000 random templates and arguments", () => {
    const random = new Random(15)
    const pieces = ['%s', '%d', '%i', '%f', '%j', '%o', '%O', '%%', '%x', '%', 'text ', '100% ', ' ']
    const values = [0, -1.5, 42, 'str', '', null, undefined, true, { a: [1, 'b'] }, [1, 2], 10n, () => 1, function named() {}, NaN]
    for (let i = 0; i < 2000; i++) {
      let template = ''
      for (let n = random.int(6); n > 0; n--) template += random.pick(pieces)
      const args = Array.from({ length: random.int(5) }, () => random.pick(values))
      // quick-format's default stringify throws on a BigInt; pino's falls back to a safe one: not compared here.
      if (args.some((value) => typeof value === 'bigint') && /%[jOo]/.test(template)) continue
      expect(interpolate(template, args).text, `${template} ${String(args.length)}`).toBe(format(template, args))
    }
  })

  it('writes the message with its arguments; what no specifier takes is kept', async () => {
    const err = new Error('boom')
    err.stack = 'Error: boom\n    at x.js:1:1'
    const lines = await output({}, (log) => {
      log.info('hello %s', 'world')
      log.info({ a: 1 }, 'took %d ms', 5.5)
      log.info('%i items, %j, %o', 3.9, { b: [1] }, 'quoted')
      log.info('100%% done %s')
      log.info('count', 5, true)
      log.error('request failed', err)
      log.info('user %s', 'ann', { userId: 7 }, { role: 'admin' })
      log.warn('50% done', { step: 2 })
      log.info({ err })
    })
    const errJson = '{"type":"Error","message":"boom","stack":"Error: boom\\n    at x.js:1:1"}'
    expect(lines).toEqual([
      `{${TIME},"level":"info","msg":"hello world"}`,
      `{${TIME},"level":"info","msg":"took 5.5 ms","a":1}`,
      `{${TIME},"level":"info","msg":"3 items, {\\"b\\":[1]}, 'quoted'"}`,
      // As in pino: without arguments, the template is the message as written.
      `{${TIME},"level":"info","msg":"100%% done %s"}`,
      `{${TIME},"level":"info","msg":"count 5 true"}`,
      `{${TIME},"level":"error","msg":"request failed","err":${errJson}}`,
      `{${TIME},"level":"info","msg":"user ann","userId":7,"role":"admin"}`,
      `{${TIME},"level":"warn","msg":"50% done","step":2}`,
      `{${TIME},"level":"info","msg":"boom","err":${errJson}}`,
    ])
  })

  it("compat: 'pino' drops what pino drops, and writes pino's keys", async () => {
    const lines = await output({ compat: 'pino' }, (log) => {
      log.info('msg', { a: 1 })
      log.info('count', 5)
      log.info({ b: 2 }, 'x %s', 'y', 'left over')
    })
    const base = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`
    expect(lines).toEqual([
      `{"time":${T},"level":30,"msg":"msg",${base}}`,
      `{"time":${T},"level":30,"msg":"count",${base}}`,
      `{"time":${T},"level":30,"msg":"x y",${base},"b":2}`,
    ])
  })
})

describe('the logger members pino has', () => {
  it('child(bindings, { level, msgPrefix, serializers }), bindings(), setBindings()', async () => {
    const lines = await output({ level: 'debug' }, (log) => {
      const child = log.child({ mod: 'db' }, { level: 'warn', msgPrefix: '[db] ', serializers: { user: (u: { id: number }) => u.id } })
      child.info('not written')
      child.warn('slow %d ms', 12, { user: { id: 7, name: 'ann' } })
      const grandchild = child.child({ table: 'users' }, { msgPrefix: '[users] ' })
      grandchild.error('gone')
      expect(grandchild.bindings()).toEqual({ mod: 'db', table: 'users' })
      grandchild.setBindings({ table: 'orders', shard: 2 })
      expect(grandchild.bindings()).toEqual({ mod: 'db', table: 'orders', shard: 2 })
      grandchild.error('moved')
      log.debug('root unchanged')
    })
    expect(lines).toEqual([
      `{${TIME},"level":"warn","msg":"[db] slow 12 ms","mod":"db","user":7}`,
      `{${TIME},"level":"error","msg":"[db] [users] gone","mod":"db","table":"users"}`,
      `{${TIME},"level":"error","msg":"[db] [users] moved","mod":"db","table":"orders","shard":2}`,
      `{${TIME},"level":"debug","msg":"root unchanged"}`,
    ])
  })

  it('levels, levelVal, silent(), isLevelEnabled, flush(cb)', async () => {
    let flushed: unknown = 'not called'
    const lines = await output({ customLevels: { audit: 35 }, level: 'audit' }, async (log) => {
      expect(log.levelVal).toBe(35)
      expect(log.levels.values.audit).toBe(35)
      expect(log.levels.labels[50]).toBe('error')
      expect(log.isLevelEnabled('warn')).toBe(true)
      expect(log.isLevelEnabled('info')).toBe(false)
      log.silent('never written')
      log.audit('kept')
      await new Promise<void>((resolve) => void log.flush((error) => { flushed = error; resolve() }))
      log.level = 'silent'
      expect(log.levelVal).toBe(Infinity)
      log.fatal('nothing')
    })
    expect(flushed).toBeUndefined()
    expect(lines).toEqual([`{${TIME},"level":"audit","msg":"kept"}`])
  })

  it('base, mixin and formatters (bindings, log)', async () => {
    let calls = 0
    const lines = await output({
      name: 'api',
      base: { env: 'test' },
      mixin: (_fields, level) => ({ calls: ++calls, level30: level === 30, fromMixin: true, a: 'mixin' }),
      formatters: { bindings: (bindings) => ({ ...bindings, shaped: true }), log: (fields) => ({ ...fields, logged: Object.keys(fields).length }) },
    }, (log) => {
      log.info({ a: 'call' }, 'one')
      log.child({ req: 1 }).warn('two')
    })
    expect(lines).toEqual([
      `{${TIME},"level":"info","msg":"one","env":"test","name":"api","shaped":true,"calls":1,"level30":true,"fromMixin":true,"a":"call","logged":4}`,
      `{${TIME},"level":"warn","msg":"two","env":"test","name":"api","shaped":true,"req":1,"calls":2,"level30":false,"fromMixin":true,"a":"mixin","logged":4}`,
    ])
  })

  it('a mixin or formatter that throws never throws into the call', async () => {
    const lines = await output({ mixin: () => { throw new Error('bad mixin') } }, (log) => log.info({ a: 1 }, 'still written'))
    expect(lines).toEqual([`{${TIME},"level":"info","msg":"still written","a":1,"hookError":"[mixin threw: bad mixin]"}`])
  })

  it('bad options name the option and the value', () => {
    const log = createLogger({ worker: false, destination: join(tempDir(), 'x.log') })
    expect(() => log.child({}, { redact: ['a'] } as never)).toThrow('ringlog: invalid child option redact: ["a"]; expected no redact: redaction runs in the worker')
    expect(() => log.child({}, { lvl: 'x' } as never)).toThrow('ringlog: invalid child option lvl: "x"; expected one of level, serializers, msgPrefix')
    expect(() => log.child({}, { msgPrefix: 5 } as never)).toThrow('ringlog: invalid child option msgPrefix: 5; expected a string')
    expect(() => createLogger({ compat: 'winston' } as never)).toThrow("ringlog: invalid option compat: \"winston\"; expected 'pino'")
    expect(() => createLogger({ formatters: { level: () => ({}) } } as never)).toThrow('option formatters.level')
    expect(() => createLogger({ mixin: 5 } as never)).toThrow('option mixin')
  })
})
