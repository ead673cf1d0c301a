/**
 * Redaction golden tests: what `redact` writes in the json, logfmt, text and csv formats, on the
 * calling thread and on the drain worker, compared byte for byte with expected files written out
 * here. Covered: paths (plain, `*` keys, `[*]` array items, quoted keys), `remove` and a custom
 * `censor`, the secret detectors (all of them, and a subset) in nested arrays, in the message text
 * and in an Error's message, stack and cause, child bindings and request contexts, record times
 * that look like card numbers, records with nothing to redact (the same bytes as without `redact`),
 * and the exact `metrics().redacted` count.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, withContext, type Logger, type LoggerOptions, type Metrics } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'

/** The test clock's start: 1795831467000 ms, digits that pass the Luhn check. */
const T0 = Date.UTC(2026, 10, 28, 2, 4, 27, 0)
const ISO0 = '2026-11-28T02:04:27.000Z'
/** 2082758400002 ms: starts with 2 like a card number and passes the Luhn check too. */
const T2 = Date.UTC(2036, 0, 1, 0, 0, 0, 2)

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'

type Format = 'json' | 'logfmt' | 'text' | 'csv'
const FORMATS: Format[] = ['json', 'logfmt', 'text', 'csv']

/** The test clock: the time of the records logged next. */
interface Clock {
  now: number
}

/** The lines of a file, each ending with a newline. */
const lines = (...each: string[]): string => each.map((line) => `${line}\n`).join('')
/** The rows of a csv file (its header first), each ending with CRLF. */
const rows = (...each: string[]): string => each.map((row) => `${row}\r\n`).join('')

interface Outcome {
  text: string
  metrics: Metrics
}

/** Logs with `body` into a fresh file at level trace, closes, and returns what the file holds and the metrics. */
async function logged(worker: boolean, options: LoggerOptions, body: (log: Logger, clock: Clock) => void): Promise<Outcome> {
  const path = join(tempDir(), 'app.log')
  const clock: Clock = { now: T0 }
  const log = createLogger({ level: 'trace', ...options, worker, destination: path, now: () => clock.now })
  body(log, clock)
  await log.close()
  return { text: readFileSync(path, 'utf8'), metrics: log.metrics() }
}

// ---- Bodies: what the cases log ----------------------------------------------------------------

const PATHS = ['req.headers.authorization', '*.password', 'users[*].ssn', '["x-api-key"]']

/** A login with a value at each of PATHS, a bearer token and an email in the message; then a record without secrets. */
function logLogin(log: Logger): void {
  log.info('login by ann@example.com', {
    req: { headers: { authorization: 'Basic YWxhZGRpbjpvcGVu', host: 'example.com' } },
    user: { name: 'ann', password: 'hunter2' },
    users: [{ name: 'bob', ssn: '078-05-1120' }, { name: 'eve', ssn: '219-09-9999' }],
    'x-api-key': 'k-123',
    auth: 'Bearer abcdef123456',
  })
  log.info('logout', { user: { name: 'ann' } })
}

/** Every kind of secret: in the message, in an Error's message, stack and cause, and in arrays nested in arrays of objects. */
function logPayment(log: Logger): void {
  const cause = new Error(`aws key ${AWS_KEY}`)
  cause.stack = `Error: aws key ${AWS_KEY}\n    at sign (aws.js:2:2)`
  const err = new Error(`token ${JWT} rejected for bob@example.com`, { cause })
  err.stack = `Error: token ${JWT} rejected for bob@example.com\n    at pay (shop.js:1:1)`
  log.error('charge 4111 1111 1111 1111 for ann@example.com failed, ref 4111111111111112', {
    err,
    orders: [
      { id: 1, card: '5500-0000-0000-0004', ref: '4111111111111112' },
      { id: 2, notes: ['Authorization: Bearer abcdef123456', [`aws ${AWS_KEY}`, { session: JWT, contact: 'eve@example.org' }]] },
    ],
  })
}

/** Secrets in a child's bindings and in a request context; the records' own fields hold none. */
function logBound(log: Logger): void {
  const child = log.child({ user: { name: 'ann', email: 'ann@example.com' } })
  withContext({ requestId: 'r1', db: { password: 'hunter2' } }, () => child.info('request'))
  child.info('again')
  log.info('plain')
}

/** Card numbers in records timed at T0 and at T2, whose times in ms pass the Luhn check. */
function logCards(log: Logger, clock: Clock): void {
  log.info('paid with 4111 1111 1111 1111', { at: new Date(T0) })
  clock.now = T2
  log.info('paid with 5500-0000-0000-0004', { at: new Date(T2) })
}

// ---- Cases: options, body, the expected file in each format, and the expected redacted count ----

interface Case {
  name: string
  options: LoggerOptions
  body: (log: Logger, clock: Clock) => void
  expected: Record<Format, string>
  redacted: number
}

const LOGIN_COLUMNS = ['time', 'level', 'msg', 'req.headers.authorization', 'req.headers.host', 'user.password', 'users', 'x-api-key', 'auth']
const LOGIN_HEADER = 'time,level,msg,req.headers.authorization,req.headers.host,user.password,users,x-api-key,auth'
const PAYMENT_COLUMNS = ['time', 'level', 'msg', 'err.message', 'err.stack', 'err.cause.message', 'orders']
const PAYMENT_HEADER = 'time,level,msg,err.message,err.stack,err.cause.message,orders'

const CASES: Case[] = [
  {
    name: 'paths: a plain path, a * key, [*] array items and a quoted key, with the default censor',
    options: { redact: PATHS, columns: LOGIN_COLUMNS },
    body: logLogin,
    expected: {
      json: lines(
        `{"time":"${ISO0}","level":"info","msg":"login by ann@example.com","req":{"headers":{"authorization":"[Redacted]","host":"example.com"}},"user":{"name":"ann","password":"[Redacted]"},"users":[{"name":"bob","ssn":"[Redacted]"},{"name":"eve","ssn":"[Redacted]"}],"x-api-key":"[Redacted]","auth":"Bearer abcdef123456"}`,
        `{"time":"${ISO0}","level":"info","msg":"logout","user":{"name":"ann"}}`,
      ),
      logfmt: lines(
        String.raw`time=${ISO0} level=info msg="login by ann@example.com" req.headers.authorization=[Redacted] req.headers.host=example.com user.name=ann user.password=[Redacted] users="[{\"name\":\"bob\",\"ssn\":\"[Redacted]\"},{\"name\":\"eve\",\"ssn\":\"[Redacted]\"}]" x-api-key=[Redacted] auth="Bearer abcdef123456"`,
        `time=${ISO0} level=info msg=logout user.name=ann`,
      ),
      text: lines(
        String.raw`${ISO0} INFO  login by ann@example.com req.headers.authorization=[Redacted] req.headers.host=example.com user.name=ann user.password=[Redacted] users="[{\"name\":\"bob\",\"ssn\":\"[Redacted]\"},{\"name\":\"eve\",\"ssn\":\"[Redacted]\"}]" x-api-key=[Redacted] auth="Bearer abcdef123456"`,
        `${ISO0} INFO  logout user.name=ann`,
      ),
      csv: rows(
        LOGIN_HEADER,
        `${ISO0},info,login by ann@example.com,[Redacted],example.com,[Redacted],"[{""name"":""bob"",""ssn"":""[Redacted]""},{""name"":""eve"",""ssn"":""[Redacted]""}]",[Redacted],Bearer abcdef123456`,
        `${ISO0},info,logout,,,,,,`,
      ),
    },
    redacted: 1,
  },
  {
    name: 'remove: true takes the keys at the paths out',
    options: { redact: { paths: PATHS, remove: true }, columns: LOGIN_COLUMNS },
    body: logLogin,
    expected: {
      json: lines(
        `{"time":"${ISO0}","level":"info","msg":"login by ann@example.com","req":{"headers":{"host":"example.com"}},"user":{"name":"ann"},"users":[{"name":"bob"},{"name":"eve"}],"auth":"Bearer abcdef123456"}`,
        `{"time":"${ISO0}","level":"info","msg":"logout","user":{"name":"ann"}}`,
      ),
      logfmt: lines(
        String.raw`time=${ISO0} level=info msg="login by ann@example.com" req.headers.host=example.com user.name=ann users="[{\"name\":\"bob\"},{\"name\":\"eve\"}]" auth="Bearer abcdef123456"`,
        `time=${ISO0} level=info msg=logout user.name=ann`,
      ),
      text: lines(
        String.raw`${ISO0} INFO  login by ann@example.com req.headers.host=example.com user.name=ann users="[{\"name\":\"bob\"},{\"name\":\"eve\"}]" auth="Bearer abcdef123456"`,
        `${ISO0} INFO  logout user.name=ann`,
      ),
      csv: rows(
        LOGIN_HEADER,
        `${ISO0},info,login by ann@example.com,,example.com,,"[{""name"":""bob""},{""name"":""eve""}]",,Bearer abcdef123456`,
        `${ISO0},info,logout,,,,,,`,
      ),
    },
    redacted: 1,
  },
  {
    name: 'a custom censor, for the values at the paths and for detected secrets',
    options: { redact: { paths: PATHS, censor: '** hidden **', detectors: ['email', 'bearer'] }, columns: LOGIN_COLUMNS },
    body: logLogin,
    expected: {
      json: lines(
        `{"time":"${ISO0}","level":"info","msg":"login by ** hidden **","req":{"headers":{"authorization":"** hidden **","host":"example.com"}},"user":{"name":"ann","password":"** hidden **"},"users":[{"name":"bob","ssn":"** hidden **"},{"name":"eve","ssn":"** hidden **"}],"x-api-key":"** hidden **","auth":"Bearer ** hidden **"}`,
        `{"time":"${ISO0}","level":"info","msg":"logout","user":{"name":"ann"}}`,
      ),
      logfmt: lines(
        String.raw`time=${ISO0} level=info msg="login by ** hidden **" req.headers.authorization="** hidden **" req.headers.host=example.com user.name=ann user.password="** hidden **" users="[{\"name\":\"bob\",\"ssn\":\"** hidden **\"},{\"name\":\"eve\",\"ssn\":\"** hidden **\"}]" x-api-key="** hidden **" auth="Bearer ** hidden **"`,
        `time=${ISO0} level=info msg=logout user.name=ann`,
      ),
      text: lines(
        String.raw`${ISO0} INFO  login by ** hidden ** req.headers.authorization="** hidden **" req.headers.host=example.com user.name=ann user.password="** hidden **" users="[{\"name\":\"bob\",\"ssn\":\"** hidden **\"},{\"name\":\"eve\",\"ssn\":\"** hidden **\"}]" x-api-key="** hidden **" auth="Bearer ** hidden **"`,
        `${ISO0} INFO  logout user.name=ann`,
      ),
      csv: rows(
        LOGIN_HEADER,
        `${ISO0},info,login by ** hidden **,** hidden **,example.com,** hidden **,"[{""name"":""bob"",""ssn"":""** hidden **""},{""name"":""eve"",""ssn"":""** hidden **""}]",** hidden **,Bearer ** hidden **`,
        `${ISO0},info,logout,,,,,,`,
      ),
    },
    redacted: 1,
  },
  {
    name: 'detectors: true finds every kind of secret in the message, an error and nested arrays; a Luhn-invalid number stays',
    options: { redact: { detectors: true }, columns: PAYMENT_COLUMNS },
    body: logPayment,
    expected: {
      json: lines(
        String.raw`{"time":"${ISO0}","level":"error","msg":"charge [Redacted] for [Redacted] failed, ref 4111111111111112","err":{"type":"Error","message":"token [Redacted] rejected for [Redacted]","stack":"Error: token [Redacted] rejected for [Redacted]\n    at pay (shop.js:1:1)","cause":{"type":"Error","message":"aws key [Redacted]","stack":"Error: aws key [Redacted]\n    at sign (aws.js:2:2)"}},"orders":[{"id":1,"card":"[Redacted]","ref":"4111111111111112"},{"id":2,"notes":["Authorization: Bearer [Redacted]",["aws [Redacted]",{"session":"[Redacted]","contact":"[Redacted]"}]]}]}`,
      ),
      logfmt: lines(
        String.raw`time=${ISO0} level=error msg="charge [Redacted] for [Redacted] failed, ref 4111111111111112" err.type=Error err.message="token [Redacted] rejected for [Redacted]" err.stack="Error: token [Redacted] rejected for [Redacted]\n    at pay (shop.js:1:1)" err.cause.type=Error err.cause.message="aws key [Redacted]" err.cause.stack="Error: aws key [Redacted]\n    at sign (aws.js:2:2)" orders="[{\"id\":1,\"card\":\"[Redacted]\",\"ref\":\"4111111111111112\"},{\"id\":2,\"notes\":[\"Authorization: Bearer [Redacted]\",[\"aws [Redacted]\",{\"session\":\"[Redacted]\",\"contact\":\"[Redacted]\"}]]}]"`,
      ),
      text: lines(
        String.raw`${ISO0} ERROR charge [Redacted] for [Redacted] failed, ref 4111111111111112 err.type=Error err.message="token [Redacted] rejected for [Redacted]" err.stack="Error: token [Redacted] rejected for [Redacted]\n    at pay (shop.js:1:1)" err.cause.type=Error err.cause.message="aws key [Redacted]" err.cause.stack="Error: aws key [Redacted]\n    at sign (aws.js:2:2)" orders="[{\"id\":1,\"card\":\"[Redacted]\",\"ref\":\"4111111111111112\"},{\"id\":2,\"notes\":[\"Authorization: Bearer [Redacted]\",[\"aws [Redacted]\",{\"session\":\"[Redacted]\",\"contact\":\"[Redacted]\"}]]}]"`,
      ),
      csv: rows(
        PAYMENT_HEADER,
        String.raw`${ISO0},error,"charge [Redacted] for [Redacted] failed, ref 4111111111111112",token [Redacted] rejected for [Redacted],Error: token [Redacted] rejected for [Redacted]\n    at pay (shop.js:1:1),aws key [Redacted],"[{""id"":1,""card"":""[Redacted]"",""ref"":""4111111111111112""},{""id"":2,""notes"":[""Authorization: Bearer [Redacted]"",[""aws [Redacted]"",{""session"":""[Redacted]"",""contact"":""[Redacted]""}]]}]"`,
      ),
    },
    redacted: 1,
  },
  {
    name: 'detectors { email: true } censors the emails only',
    options: { redact: { detectors: { email: true } }, columns: PAYMENT_COLUMNS },
    body: logPayment,
    expected: {
      json: lines(
        String.raw`{"time":"${ISO0}","level":"error","msg":"charge 4111 1111 1111 1111 for [Redacted] failed, ref 4111111111111112","err":{"type":"Error","message":"token ${JWT} rejected for [Redacted]","stack":"Error: token ${JWT} rejected for [Redacted]\n    at pay (shop.js:1:1)","cause":{"type":"Error","message":"aws key ${AWS_KEY}","stack":"Error: aws key ${AWS_KEY}\n    at sign (aws.js:2:2)"}},"orders":[{"id":1,"card":"5500-0000-0000-0004","ref":"4111111111111112"},{"id":2,"notes":["Authorization: Bearer abcdef123456",["aws ${AWS_KEY}",{"session":"${JWT}","contact":"[Redacted]"}]]}]}`,
      ),
      logfmt: lines(
        String.raw`time=${ISO0} level=error msg="charge 4111 1111 1111 1111 for [Redacted] failed, ref 4111111111111112" err.type=Error err.message="token ${JWT} rejected for [Redacted]" err.stack="Error: token ${JWT} rejected for [Redacted]\n    at pay (shop.js:1:1)" err.cause.type=Error err.cause.message="aws key ${AWS_KEY}" err.cause.stack="Error: aws key ${AWS_KEY}\n    at sign (aws.js:2:2)" orders="[{\"id\":1,\"card\":\"5500-0000-0000-0004\",\"ref\":\"4111111111111112\"},{\"id\":2,\"notes\":[\"Authorization: Bearer abcdef123456\",[\"aws ${AWS_KEY}\",{\"session\":\"${JWT}\",\"contact\":\"[Redacted]\"}]]}]"`,
      ),
      text: lines(
        String.raw`${ISO0} ERROR charge 4111 1111 1111 1111 for [Redacted] failed, ref 4111111111111112 err.type=Error err.message="token ${JWT} rejected for [Redacted]" err.stack="Error: token ${JWT} rejected for [Redacted]\n    at pay (shop.js:1:1)" err.cause.type=Error err.cause.message="aws key ${AWS_KEY}" err.cause.stack="Error: aws key ${AWS_KEY}\n    at sign (aws.js:2:2)" orders="[{\"id\":1,\"card\":\"5500-0000-0000-0004\",\"ref\":\"4111111111111112\"},{\"id\":2,\"notes\":[\"Authorization: Bearer abcdef123456\",[\"aws ${AWS_KEY}\",{\"session\":\"${JWT}\",\"contact\":\"[Redacted]\"}]]}]"`,
      ),
      csv: rows(
        PAYMENT_HEADER,
        String.raw`${ISO0},error,"charge 4111 1111 1111 1111 for [Redacted] failed, ref 4111111111111112",token ${JWT} rejected for [Redacted],Error: token ${JWT} rejected for [Redacted]\n    at pay (shop.js:1:1),aws key ${AWS_KEY},"[{""id"":1,""card"":""5500-0000-0000-0004"",""ref"":""4111111111111112""},{""id"":2,""notes"":[""Authorization: Bearer abcdef123456"",[""aws ${AWS_KEY}"",{""session"":""${JWT}"",""contact"":""[Redacted]""}]]}]"`,
      ),
    },
    redacted: 1,
  },
  {
    name: "a child's bindings and a request context are redacted; redacted counts each once, not the records",
    options: { redact: { paths: ['*.password'], detectors: ['email'] }, columns: ['time', 'level', 'msg', 'requestId', 'user.email', 'db.password'] },
    body: logBound,
    expected: {
      json: lines(
        `{"time":"${ISO0}","level":"info","msg":"request","user":{"name":"ann","email":"[Redacted]"},"requestId":"r1","db":{"password":"[Redacted]"}}`,
        `{"time":"${ISO0}","level":"info","msg":"again","user":{"name":"ann","email":"[Redacted]"}}`,
        `{"time":"${ISO0}","level":"info","msg":"plain"}`,
      ),
      logfmt: lines(
        `time=${ISO0} level=info msg=request user.name=ann user.email=[Redacted] requestId=r1 db.password=[Redacted]`,
        `time=${ISO0} level=info msg=again user.name=ann user.email=[Redacted]`,
        `time=${ISO0} level=info msg=plain`,
      ),
      text: lines(
        `${ISO0} INFO  request user.name=ann user.email=[Redacted] requestId=r1 db.password=[Redacted]`,
        `${ISO0} INFO  again user.name=ann user.email=[Redacted]`,
        `${ISO0} INFO  plain`,
      ),
      csv: rows(
        'time,level,msg,requestId,user.email,db.password',
        `${ISO0},info,request,r1,[Redacted],[Redacted]`,
        `${ISO0},info,again,,[Redacted],`,
        `${ISO0},info,plain,,,`,
      ),
    },
    redacted: 2,
  },
  {
    name: 'record times whose digits pass the Luhn check are not card numbers (epoch times here, ISO times in every other case)',
    options: { timeFormat: 'epoch', redact: { detectors: ['creditCard'] }, columns: ['time', 'level', 'msg', 'at'] },
    body: logCards,
    expected: {
      json: lines(
        `{"time":1795831467000,"level":"info","msg":"paid with [Redacted]","at":"${ISO0}"}`,
        `{"time":2082758400002,"level":"info","msg":"paid with [Redacted]","at":"2036-01-01T00:00:00.002Z"}`,
      ),
      logfmt: lines(
        `time=1795831467000 level=info msg="paid with [Redacted]" at=${ISO0}`,
        'time=2082758400002 level=info msg="paid with [Redacted]" at=2036-01-01T00:00:00.002Z',
      ),
      text: lines(
        `1795831467000 INFO  paid with [Redacted] at=${ISO0}`,
        '2082758400002 INFO  paid with [Redacted] at=2036-01-01T00:00:00.002Z',
      ),
      csv: rows(
        'time,level,msg,at',
        `1795831467000,info,paid with [Redacted],${ISO0}`,
        '2082758400002,info,paid with [Redacted],2036-01-01T00:00:00.002Z',
      ),
    },
    redacted: 2,
  },
]

// ---- Records with nothing to redact -------------------------------------------------------------

/** Everything on: every record below must come out as it goes in. */
const REDACT_ALL: LoggerOptions['redact'] = { paths: PATHS, detectors: true }
const PLAIN_COLUMNS = ['time', 'level', 'msg', 'requestId', 'user', 'ref', 'host', 'err', 'when']

/** Near misses for every path and detector, in fields, bindings, a context, an error and messages. */
function logNothingToRedact(log: Logger): void {
  const child = log.child({ service: 'shop', user: { name: 'ann', passwords: 2 } })
  const err = new Error('connection refused by db-1.internal:5432')
  err.stack = 'Error: connection refused by db-1.internal:5432\n    at connect (db.js:1:1)'
  withContext({ requestId: 'r1' }, () => {
    child.info('the bearer token expired', {
      ref: '4111111111111112',
      host: 'user@localhost',
      version: '1.2.3',
      key: 'AKIA-SHORT',
      jwt: 'eyJ.only',
      users: [{ name: 'bob', ssnLast4: '1120' }],
      req: { headers: { host: 'example.com' } },
      when: new Date(T0),
      order: 12345,
      big: 2n ** 70n,
      tags: ['a', null, 1.5],
    })
    child.error(err, 'order 2026-11-28-0042 failed')
  })
  log.warn({ 'x-api-keys': 1, passwordHint: 'a pet' }, 'done')
}

/** A record with secrets and other values that limits cut, logged with the secrets or with what they are censored to. */
function logSignup(password: string, email: string): (log: Logger) => void {
  return (log) => log.info(`welcome ${email}`, { when: new Date(T0), password, note: 'x'.repeat(30), tags: [1, 2, 3, 4] })
}

describe.each([false, true])('redaction (worker: %s)', (worker) => {
  describe.each(FORMATS)('format %s', (format) => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, { options, body, expected, redacted }) => {
      const { text, metrics } = await logged(worker, { ...options, format }, body)
      expect(text).toBe(expected[format])
      expect(metrics.redacted).toBe(redacted)
    })

    it('records with nothing to redact are written byte for byte as by a logger without redact, and not counted', async () => {
      const redacting = await logged(worker, { format, columns: PLAIN_COLUMNS, redact: REDACT_ALL }, logNothingToRedact)
      const plain = await logged(worker, { format, columns: PLAIN_COLUMNS }, logNothingToRedact)
      expect(plain.metrics.written).toBe(3)
      expect(redacting.metrics.written).toBe(3)
      expect(redacting.text).toBe(plain.text)
      expect(redacting.metrics.redacted).toBe(0)
    })

    it('a redacted record is written as the same record logged with its censored values, limits included', async () => {
      const options: LoggerOptions = { format, columns: ['time', 'level', 'msg', 'when', 'password', 'note', 'tags'], maxStringLength: 20, maxArrayLength: 3 }
      const redacting = await logged(worker, { ...options, redact: { paths: ['password'], detectors: ['email'] } }, logSignup('hunter2', 'ann@example.com'))
      const plain = await logged(worker, options, logSignup('[Redacted]', '[Redacted]'))
      expect(redacting.text).toBe(plain.text)
      expect(redacting.metrics.redacted).toBe(1)
    })
  })
})
