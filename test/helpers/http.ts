/**
 * The scenarios every framework integration passes, against a real server on 127.0.0.1: the app
 * under test serves GET /hello/:id (logs 'handled' through the framework's request logger, then
 * 'after await' through the plain logger, answers `hello <id>`), GET /full/:id (answers what
 * useFullLogger() makes of the request's logger), GET /misrouted (makes the integration's route
 * lookup throw, answers 'misrouted'), GET /boom (throws), GET /health, and the framework's own 404
 * for anything else. The records are compared whole, with only the time, the duration and a stack
 * trace replaced.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createLogger, defineEvent, withContext, type RingLogger } from '../../dist/src/index.js'
import type { HttpLoggingOptions } from '../../dist/src/http/request-logging.js'
import { readRecords, tempDir } from './files.js'

/** The suite's loggers have a custom level, which the request's logger has too. */
export type SuiteLogger = RingLogger<'audit'>

// How an application types req.log (Express, NestJS) with its logger's custom levels.
declare module '../../dist/src/http/express.js' {
  interface RequestLogTypes {
    log: SuiteLogger
  }
}

const Checked = defineEvent({ name: 'http.checked', version: 1, level: 'info', message: 'checked', fields: { id: 'string' } })

/**
 * What GET /full/:id does with the request's logger: a custom level, an event, a child of it, a
 * level method handed out, isLevelEnabled and level, then flush; it answers what it saw.
 */
export async function useFullLogger(log: SuiteLogger, id: string): Promise<string> {
  log.audit('audited', { id })
  log.event(Checked, { id })
  log.child({ part: 'db' }).warn('from a child')
  const { info } = log
  info('handed out')
  const seen = `debug ${log.isLevelEnabled('debug')}, audit ${log.isLevelEnabled('audit')}, level ${log.level}`
  await log.flush()
  // flush() through the request's logger: the four records are written when it resolves.
  return `${seen}, written ${log.metrics().written}`
}

/** The error a /misrouted handler makes the integration's route lookup throw. */
export const MISROUTED = 'route lookup broke'

/** What ringlog says on stderr (lines starting `ringlog:`) while `body` runs; other writes pass through. */
export async function ringlogStderr(body: () => Promise<void>): Promise<string> {
  const said: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    if (String(chunk).startsWith('ringlog:')) said.push(String(chunk))
    else return write(chunk, ...rest)
    return true
  }) as typeof process.stderr.write)
  try {
    await body()
  } finally {
    spy.mockRestore()
  }
  return said.join('')
}

/** The lines of `file` as written, with only their times and durations replaced. */
function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')
    .map((line) => line.replace(/"time":"[^"]+"/, '"time":"<time>"').replace(/"durationMs":[\d.]+/, '"durationMs":<ms>'))
}

export interface Served {
  url: string
  close(): Promise<void>
}

/** Starts the app with the integration on, logging to `log`, with the integration's options besides `logger`. */
export type Serve<Request> = (log: SuiteLogger, options: Omit<HttpLoggingOptions<Request>, 'logger'>) => Promise<Served>

export interface FrameworkTraits<Request> {
  /** The status the framework answers a thrown Error with (its own error handling), and what its body holds. */
  errorStatus: number
  errorBody: string
  /** Fields the framework's error handling adds to a thrown Error (Koa: its status). */
  errorFields?: Row
  /** The route pattern the framework reports for GET /hello/:id. */
  helloRoute: string
  /** The user extractor of the `user` scenario: reads the x-user header from the framework's request. */
  user: (request: Request) => string | number | undefined
  /** The integration, as its failures on stderr name it: `expressLogger()`. */
  integration: string
}

type Row = Record<string, unknown>

const AGENT = 'ringlog-test'
const NEW_ID = /^[\w-]{8}-[\da-z]+$/

/** The records of `file`, with time, the durations named and a stack replaced by fixed values once checked. */
export function normalized(file: string, durations: readonly string[] = ['durationMs']): Row[] {
  return readRecords(file).map((record) => {
    expect(typeof record.time).toBe('string')
    const row: Row = { ...record, time: '<time>' }
    for (const key of durations) {
      if (key in row) {
        expect(typeof row[key]).toBe('number')
        expect(row[key] as number).toBeGreaterThanOrEqual(0)
        row[key] = '<ms>'
      }
    }
    const err = row.err as Row | undefined
    if (err !== undefined) {
      expect(String(err.stack)).toMatch(/^Error: boom\n\s+at /)
      row.err = { ...err, stack: '<stack>' }
    }
    return row
  })
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string | null; body: string; length: string | null }> {
  const response = await fetch(url, { headers: { 'user-agent': AGENT, ...headers } })
  const body = await response.text()
  return { status: response.status, id: response.headers.get('x-request-id'), body, length: response.headers.get('content-length') }
}

function access(level: string, msg: string, requestId: string, fields: Row): Row {
  return { time: '<time>', level, msg, requestId, method: 'GET', ...fields, durationMs: '<ms>', remoteAddress: '127.0.0.1', userAgent: AGENT }
}

/** Runs every scenario against the app `serve` starts, in worker and inline mode. */
export function integrationSuite<Request>(framework: string, serve: Serve<Request>, traits: FrameworkTraits<Request>): void {
  describe.each([true, false])(`${framework} (worker: %s)`, (worker) => {
    async function served(options: Parameters<Serve<Request>>[1], body: (url: string, log: SuiteLogger) => Promise<void>): Promise<string> {
      const file = join(tempDir(), 'http.log')
      const log = createLogger({ destination: file, worker, customLevels: { audit: 35 } })
      const server = await serve(log, options)
      try {
        await body(server.url, log)
      } finally {
        await server.close()
        await log.close()
      }
      return file
    }

    async function run(options: Parameters<Serve<Request>>[1], body: (url: string, log: SuiteLogger) => Promise<void>): Promise<Row[]> {
      return normalized(await served(options, body))
    }

    const said = (failure: string): string => `ringlog: ${traits.integration}: ${failure}. Said once.\n`

    it('a request with x-request-id: the id is echoed and on every record of the request; one access record', async () => {
      let answer: Awaited<ReturnType<typeof get>> | undefined
      const records = await run({}, async (url) => {
        answer = await get(`${url}/hello/42?token=secret`, { 'x-request-id': 'req-42', authorization: 'Bearer abc', cookie: 'sid=1' })
      })
      expect(answer).toMatchObject({ status: 200, id: 'req-42', body: 'hello 42' })
      expect(records).toEqual([
        { time: '<time>', level: 'info', msg: 'handled', requestId: 'req-42', id: '42' },
        { time: '<time>', level: 'info', msg: 'after await', requestId: 'req-42' },
        access('info', 'request completed', 'req-42', { route: traits.helloRoute, path: '/hello/42', status: 200, bytes: 8 }),
      ])
    })

    it('a request without an id gets a new one, echoed; a valid traceparent gives its trace id; an invalid id is replaced', async () => {
      const answers: Awaited<ReturnType<typeof get>>[] = []
      const records = await run({}, async (url) => {
        answers.push(await get(`${url}/hello/1`))
        answers.push(await get(`${url}/hello/2`, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }))
        answers.push(await get(`${url}/hello/3`, { 'x-request-id': 'has space"quote' }))
      })
      const [fresh, traced, replaced] = answers.map((answer) => answer.id!)
      expect(fresh).toMatch(NEW_ID)
      expect(traced).toBe('0af7651916cd43dd8448eb211c80319c')
      expect(replaced).toMatch(NEW_ID)
      expect(replaced).not.toBe(fresh)
      expect(records.map((record) => [record.msg, record.requestId])).toEqual([
        ['handled', fresh], ['after await', fresh], ['request completed', fresh],
        ['handled', traced], ['after await', traced], ['request completed', traced],
        ['handled', replaced], ['after await', replaced], ['request completed', replaced],
      ])
      // The traced request's records carry its trace (the caller's span as span_id); the others none.
      const trace = { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' }
      expect(records.slice(3, 6).map((record) => ({ trace_id: record.trace_id, span_id: record.span_id, trace_flags: record.trace_flags }))).toEqual([trace, trace, trace])
      for (const record of [...records.slice(0, 3), ...records.slice(6)]) expect(record).not.toHaveProperty('trace_id')
    })

    it('a 404 is one warn access record without a route', async () => {
      let answer: Awaited<ReturnType<typeof get>> | undefined
      const records = await run({}, async (url) => {
        answer = await get(`${url}/missing`, { 'x-request-id': 'r404' })
      })
      expect(answer!.status).toBe(404)
      const bytes = answer!.length === null ? {} : { bytes: Number(answer!.length) }
      expect(records).toEqual([access('warn', 'request completed', 'r404', { path: '/missing', status: 404, ...bytes })])
    })

    it("a thrown error is logged once, with its stack, in the error access record; the framework's error handling still answers", async () => {
      let answer: Awaited<ReturnType<typeof get>> | undefined
      const records = await run({}, async (url) => {
        answer = await get(`${url}/boom`, { 'x-request-id': 'r500' })
      })
      expect(answer).toMatchObject({ status: traits.errorStatus, id: 'r500' })
      expect(answer!.body).toContain(traits.errorBody)
      const bytes = answer!.length === null ? {} : { bytes: Number(answer!.length) }
      expect(records).toEqual([
        {
          ...access('error', 'request failed', 'r500', { route: '/boom', path: '/boom', status: traits.errorStatus, ...bytes }),
          err: { type: 'Error', message: 'boom', stack: '<stack>', ...traits.errorFields },
        },
      ])
    })

    it('200 concurrent requests: every record carries its own request id', async () => {
      const answers: Awaited<ReturnType<typeof get>>[] = []
      const records = await run({}, async (url) => {
        answers.push(...(await Promise.all(Array.from({ length: 200 }, (_, i) => get(`${url}/hello/${i}`, { 'x-request-id': `c-${i}` })))))
      })
      answers.forEach((answer, i) => expect(answer).toMatchObject({ status: 200, id: `c-${i}`, body: `hello ${i}` }))
      expect(records.length).toBe(600)
      const byId = new Map<string, Row[]>()
      for (const record of records) byId.set(record.requestId as string, [...(byId.get(record.requestId as string) ?? []), record])
      expect(byId.size).toBe(200)
      for (let i = 0; i < 200; i++) {
        expect(byId.get(`c-${i}`)).toEqual([
          { time: '<time>', level: 'info', msg: 'handled', requestId: `c-${i}`, id: String(i) },
          { time: '<time>', level: 'info', msg: 'after await', requestId: `c-${i}` },
          access('info', 'request completed', `c-${i}`, { route: traits.helloRoute, path: `/hello/${i}`, status: 200, bytes: `hello ${i}`.length }),
        ])
      }
    })

    it("a server started inside an outer context: each record of a request, the access record too, carries the outer context's fields", async () => {
      const file = join(tempDir(), 'outer.log')
      const log = createLogger({ destination: file, worker, customLevels: { audit: 35 } })
      const server = await withContext({ service: 'api' }, () => serve(log, {}))
      try {
        await get(`${server.url}/hello/5`, { 'x-request-id': 'outer-5' })
      } finally {
        await server.close()
        await log.close()
      }
      // The request's logger has the request id as its bindings, which come before the context.
      const records = readFileSync(file, 'utf8').split('\n').slice(0, -1).map((line) => Object.entries(JSON.parse(line) as object).slice(1, 5))
      expect(records).toEqual([
        [['level', 'info'], ['msg', 'handled'], ['requestId', 'outer-5'], ['service', 'api']],
        [['level', 'info'], ['msg', 'after await'], ['service', 'api'], ['requestId', 'outer-5']],
        [['level', 'info'], ['msg', 'request completed'], ['service', 'api'], ['requestId', 'outer-5']],
      ])
    })

    it('context: false: the request logger and the access record carry the request id and user, other records do not', async () => {
      const records = await run({ context: false, user: traits.user }, async (url) => {
        expect((await get(`${url}/hello/9`, { 'x-request-id': 'nc', 'x-user': 'bob' })).id).toBe('nc')
      })
      expect(records).toEqual([
        { time: '<time>', level: 'info', msg: 'handled', requestId: 'nc', userId: 'bob', id: '9' },
        { time: '<time>', level: 'info', msg: 'after await' },
        { ...access('info', 'request completed', 'nc', { route: traits.helloRoute, path: '/hello/9', status: 200, bytes: 7 }), userId: 'bob' },
      ])
    })

    it('skip, query, headers and user: health checks unrecorded, the query string and chosen headers kept, the user in the context', async () => {
      const records = await run({ skip: ['/health'], query: true, headers: ['x-forwarded-for'], user: traits.user }, async (url) => {
        expect((await get(`${url}/health`)).status).toBe(200)
        await get(`${url}/hello/7?page=2`, { 'x-request-id': 'rq', 'x-user': 'ann', 'x-forwarded-for': '10.0.0.1' })
      })
      expect(records).toEqual([
        { time: '<time>', level: 'info', msg: 'handled', requestId: 'rq', userId: 'ann', id: '7' },
        { time: '<time>', level: 'info', msg: 'after await', requestId: 'rq', userId: 'ann' },
        {
          ...access('info', 'request completed', 'rq', { route: traits.helloRoute, path: '/hello/7', query: 'page=2', status: 200, bytes: 7 }),
          userId: 'ann',
          headers: { 'x-forwarded-for': '10.0.0.1' },
        },
      ])
    })

    it('req.log is the full logger: a custom level, event(), a child, a handed-out method, isLevelEnabled, level, flush', async () => {
      let answer: Awaited<ReturnType<typeof get>> | undefined
      const file = await served({}, async (url) => {
        answer = await get(`${url}/full/7`, { 'x-request-id': 'full-7' })
      })
      expect(answer).toMatchObject({ status: 200, id: 'full-7', body: 'debug false, audit true, level info, written 4' })
      expect(lines(file)).toEqual([
        '{"time":"<time>","level":"audit","msg":"audited","requestId":"full-7","id":"7"}',
        '{"time":"<time>","level":"info","msg":"checked","requestId":"full-7","event":"http.checked","v":1,"id":"7"}',
        '{"time":"<time>","level":"warn","msg":"from a child","requestId":"full-7","part":"db"}',
        '{"time":"<time>","level":"info","msg":"handed out","requestId":"full-7"}',
        `{"time":"<time>","level":"info","msg":"request completed","requestId":"full-7","method":"GET","route":"${traits.helloRoute.replace('hello', 'full')}","path":"/full/7","status":200,"durationMs":<ms>,"bytes":${answer!.body.length},"remoteAddress":"127.0.0.1","userAgent":"${AGENT}"}`,
      ])
    })

    it("the integration's own failures never fail a request: user() and the route lookup throw, each said once on stderr", async () => {
      const answers: Awaited<ReturnType<typeof get>>[] = []
      let file = ''
      const stderr = await ringlogStderr(async () => {
        const user = (): never => {
          throw new Error('no user')
        }
        file = await served({ user }, async (url) => {
          for (const path of ['/hello/1', '/misrouted', '/hello/2', '/misrouted']) answers.push(await get(`${url}${path}`, { 'x-request-id': `f${answers.length}` }))
        })
      })
      expect(answers.map((answer) => [answer.status, answer.id, answer.body])).toEqual([[200, 'f0', 'hello 1'], [200, 'f1', 'misrouted'], [200, 'f2', 'hello 2'], [200, 'f3', 'misrouted']])
      const completed = (id: string, route: string, path: string, bytes: number): string =>
        `{"time":"<time>","level":"info","msg":"request completed","requestId":"${id}","method":"GET",${route}"path":"${path}","status":200,"durationMs":<ms>,"bytes":${bytes},"remoteAddress":"127.0.0.1","userAgent":"${AGENT}"}`
      const hello = (id: string, n: string): string[] => [
        `{"time":"<time>","level":"info","msg":"handled","requestId":"${id}","id":"${n}"}`,
        `{"time":"<time>","level":"info","msg":"after await","requestId":"${id}"}`,
        completed(id, `"route":"${traits.helloRoute}",`, `/hello/${n}`, 7),
      ]
      expect(lines(file)).toEqual([...hello('f0', '1'), completed('f1', '', '/misrouted', 9), ...hello('f2', '2'), completed('f3', '', '/misrouted', 9)])
      expect(stderr).toBe(
        said('the user option failed (no user); requests go on without userId') +
        said(`finding the route failed (${MISROUTED}); access records go without route`),
      )
    })

    it('an access record that cannot be written: the response is as without ringlog, the failure said once', async () => {
      const answers: Awaited<ReturnType<typeof get>>[] = []
      let file = ''
      const stderr = await ringlogStderr(async () => {
        file = await served({}, async (url, log) => {
          // The access record of a 5xx is written at error level, which nothing else here uses.
          log.error = () => {
            throw new Error('sink gone')
          }
          for (let i = 0; i < 2; i++) answers.push(await get(`${url}/boom`))
        })
      })
      for (const answer of answers) {
        expect(answer.status).toBe(traits.errorStatus)
        expect(answer.body).toContain(traits.errorBody)
      }
      expect(lines(file)).toEqual([])
      expect(stderr).toBe(said('writing the access record failed (sink gone); requests go on without one'))
    })

    it('a logger closed while serving: requests are answered as usual', async () => {
      const answers: Awaited<ReturnType<typeof get>>[] = []
      const stderr = await ringlogStderr(async () => {
        await served({}, async (url, log) => {
          await log.close()
          answers.push(await get(`${url}/hello/5`), await get(`${url}/missing`))
        })
      })
      expect(answers.map((answer) => answer.status)).toEqual([200, 404])
      expect(answers[0].body).toBe('hello 5')
      expect(stderr).toBe('')
    })
  })
}
