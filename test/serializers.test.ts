import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createLogger, withContext, type LoggerOptions, type RingLogger } from '../dist/src/index.js'
import { fixedClock, readRecords, tempDir } from './helpers/files.js'

const T0 = '2026-11-28T02:04:27.'

interface Request {
  method: string
  url: string
  headers: Record<string, string>
}
interface User {
  id: number
  password: string
}

const serializers = {
  req: (r: Request) => ({ method: r.method, url: r.url }),
  user: (u: User) => u.id,
}

const req: Request = { method: 'GET', url: '/orders/7', headers: { cookie: 'secret' } }

/** Logs with a fixed clock into a new file, closes the logger, and returns the file's text. */
async function output(options: LoggerOptions, fn: (log: RingLogger) => void | Promise<void>): Promise<string> {
  const file = join(tempDir(), 'out.log')
  const restore = fixedClock()
  try {
    const log = createLogger({ destination: file, worker: false, ...options })
    await fn(log)
    await log.close()
  } finally {
    restore()
  }
  return readFileSync(file, 'utf8')
}

function error(message: string, stack: string, extra: object = {}, options?: ErrorOptions): Error {
  const e = new Error(message, options)
  e.stack = stack
  return Object.assign(e, extra)
}

describe.each([false, true])('serializers (worker: %s)', (worker) => {
  it('apply to the top-level keys of fields, child bindings and the request context', async () => {
    const text = await output({ worker, serializers }, (log) => {
      log.info('fields', { req, user: { id: 1, password: 'p1' }, other: { user: { id: 9 } } }) // 123
      const child = log.child({ user: { id: 2, password: 'p2' } }) // inline: no clock
      child.info('bindings', { n: 1 }) // 124
      withContext({ user: { id: 3, password: 'p3' }, req }, () => {
        log.info('context') // 125
      })
      log.info({ req }, 'fields first') // 126
    })
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"fields","req":{"method":"GET","url":"/orders/7"},"user":1,"other":{"user":{"id":9}}}\n` +
      `{"time":"${T0}124Z","level":"info","msg":"bindings","user":2,"n":1}\n` +
      `{"time":"${T0}125Z","level":"info","msg":"context","user":3,"req":{"method":"GET","url":"/orders/7"}}\n` +
      `{"time":"${T0}126Z","level":"info","msg":"fields first","req":{"method":"GET","url":"/orders/7"}}\n`,
    )
  })

  it('a serializer that throws writes "[serializer threw: <message>]" for its key; the call does not throw', async () => {
    const text = await output(
      {
        worker,
        serializers: {
          req: () => {
            throw new Error('no url')
          },
          user: () => {
            throw 'not an Error' // eslint-disable-line no-throw-literal
          },
        },
      },
      (log) => {
        expect(() => log.info('fields', { req, n: 1 })).not.toThrow() // 123
        const child = log.child({ user: { id: 2 } }) // inline: no clock
        expect(() => child.warn('bindings')).not.toThrow() // 124
      },
    )
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"fields","req":"[serializer threw: no url]","n":1}\n` +
      `{"time":"${T0}124Z","level":"warn","msg":"bindings","user":"[serializer threw: not an Error]"}\n`,
    )
  })
})

describe('Errors', () => {
  const cause = error('connection refused', 'Error: connection refused\n    at connect (db.js:3:9)', { errno: -111 })
  const boom = error('boom', 'Error: boom\n    at handler (app.js:10:5)', { code: 'E_BOOM', status: 500 }, { cause })

  it('without an err serializer, an Error at any top-level key is {type, message, stack, ...own fields, cause}', async () => {
    class QueryError extends Error {}
    const query = new QueryError('bad sql', { cause: 'syntax' })
    query.stack = 'QueryError: bad sql'
    const text = await output({}, (log) => {
      log.error(boom) // 123: under err, the message taken from the error
      log.error(boom, 'request failed') // 124
      log.warn('retrying', { failure: query, attempt: 2 }) // 125: any key, not only err
    })
    const err = '{"type":"Error","message":"boom","stack":"Error: boom\\n    at handler (app.js:10:5)","code":"E_BOOM","status":500,' +
      '"cause":{"type":"Error","message":"connection refused","stack":"Error: connection refused\\n    at connect (db.js:3:9)","errno":-111}}'
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"error","msg":"boom","err":${err}}\n` +
      `{"time":"${T0}124Z","level":"error","msg":"request failed","err":${err}}\n` +
      `{"time":"${T0}125Z","level":"warn","msg":"retrying","failure":{"type":"QueryError","message":"bad sql","stack":"QueryError: bad sql","cause":"syntax"},"attempt":2}\n`,
    )
  })

  it('an Error in child bindings or the request context is serialized the same way', async () => {
    const plain = error('stale', 'Error: stale')
    const text = await output({}, (log) => {
      log.child({ lastError: plain }).info('bindings') // 123
      withContext({ lastError: plain }, () => log.info('context')) // 124
    })
    const serialized = '{"type":"Error","message":"stale","stack":"Error: stale"}'
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"bindings","lastError":${serialized}}\n` +
      `{"time":"${T0}124Z","level":"info","msg":"context","lastError":${serialized}}\n`,
    )
  })

  it('an err serializer replaces the built-in Error serialization, for err only (worker: true)', async () => {
    const text = await output(
      { worker: true, serializers: { err: (e: Error) => ({ kind: e.name, text: e.message }) } },
      (log) => {
        log.error(boom) // 123
        log.error('field', { err: boom, other: cause }) // 124
      },
    )
    expect(text).toBe(
      `{"time":"${T0}123Z","level":"error","msg":"boom","err":{"kind":"Error","text":"boom"}}\n` +
      `{"time":"${T0}124Z","level":"error","msg":"field","err":{"kind":"Error","text":"boom"},` +
      `"other":{"type":"Error","message":"connection refused","stack":"Error: connection refused\\n    at connect (db.js:3:9)","errno":-111}}\n`,
    )
  })
})

describe('when serializers are called', () => {
  it('a serializer for a key that is not present is not called', async () => {
    const reqSerializer = vi.fn((r: Request) => r.url)
    const userSerializer = vi.fn((u: User) => u.id)
    const file = join(tempDir(), 'absent.log')
    const log = createLogger({ destination: file, worker: false, serializers: { req: reqSerializer, user: userSerializer } })
    log.info('no fields')
    log.info('other fields', { n: 1, nested: { req, user: { id: 1 } } })
    log.error(new Error('x'))
    const child = log.child({ service: 'billing' })
    child.info('child')
    withContext({ requestId: 'r-1' }, () => child.info('context'))
    expect(reqSerializer).not.toHaveBeenCalled()
    expect(userSerializer).not.toHaveBeenCalled()
    log.info('now present', { user: { id: 5, password: 'x' } })
    expect(reqSerializer).not.toHaveBeenCalled()
    expect(userSerializer).toHaveBeenCalledTimes(1)
    expect(userSerializer).toHaveBeenCalledWith({ id: 5, password: 'x' })
    await log.close()
    expect(readRecords(file).at(-1)).toMatchObject({ msg: 'now present', user: 5 })
  })

  it("a child's bindings are serialized once, when the child is made, not on every record", async () => {
    const userSerializer = vi.fn((u: User) => u.id)
    const file = join(tempDir(), 'once.log')
    const log = createLogger({ destination: file, worker: false, serializers: { user: userSerializer } })
    const child = log.child({ user: { id: 2, password: 'p' } })
    for (let i = 0; i < 3; i++) child.info('record', { i })
    await log.close()
    expect(userSerializer).toHaveBeenCalledTimes(1)
    expect(readRecords(file).map((r) => r.user)).toEqual([2, 2, 2])
  })

  it.each([
    ['before', () => ({ get broken(): never { throw new Error('getter') }, user: { id: 1, password: 'hunter2' } })],
    ['after', () => ({ user: { id: 1, password: 'hunter2' }, get broken(): never { throw new Error('getter') } })],
  ])('a throwing getter on another key (%s it) does not stop the serializer of a key', async (_, fields) => {
    const file = join(tempDir(), 'getter.log')
    const log = createLogger({ destination: file, worker: false, serializers })
    expect(() => log.info('getter', fields())).not.toThrow()
    await log.close()
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain('hunter2')
    expect(readRecords(file)).toEqual([expect.objectContaining({ msg: 'getter', user: 1 })])
  })

  it('does not change the object that was logged', async () => {
    const fields = { req, user: { id: 1, password: 'p' } }
    const log = createLogger({ destination: '/dev/null', worker: false, serializers })
    log.info('x', fields)
    await log.close()
    expect(fields).toEqual({ req: { method: 'GET', url: '/orders/7', headers: { cookie: 'secret' } }, user: { id: 1, password: 'p' } })
  })
})

describe('option validation', () => {
  function optionError(value: unknown): string {
    try {
      createLogger({ destination: '/dev/null', worker: false, serializers: value as LoggerOptions['serializers'] })
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError)
      return (error as Error).message
    }
    throw new Error('createLogger accepted the serializers')
  }

  it.each([
    [5, '5'],
    ['id', '"id"'],
    [null, 'null'],
    [{ id: 1 }, '{"id":1}'],
    [true, 'true'],
  ])('a serializer that is not a function fails: %j', (value, shown) => {
    expect(optionError({ user: (u: User) => u.id, req: value })).toBe(`ringlog: invalid option serializers.req: ${shown}; expected a function`)
  })

  it('serializers that are not an object fail', () => {
    expect(optionError(5)).toBe('ringlog: invalid option serializers: 5; expected an object')
    expect(optionError([() => 1])).toMatch(/^ringlog: invalid option serializers: .*; expected an object$/)
  })

  it('an empty object of serializers is accepted', async () => {
    const log = createLogger({ destination: '/dev/null', worker: false, serializers: {} })
    log.info('x', { req })
    await log.close()
  })
})
