import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import type { PlainObject } from '../dist/src/worker/format/values.js'
import {
  compilePaths,
  PathKeyScan,
  DETECTORS,
  NO_NODES,
  Redactor,
  redactOption,
  Scrubber,
  step,
  type DetectorName,
  type RedactConfig,
  type RedactNode,
} from '../dist/src/worker/policy/redact.js'
import { optionError } from './helpers/option-error.js'


const A_PATH = 'a path: keys separated by dots, * for any one key, [0] or [*] for array items, ["x-api-key"] for keys with other characters'

/** The keys under the root, path by path, with '*' for a wildcard and '$' where a path ends. */
function shape(node: RedactNode): unknown {
  const out: Record<string, unknown> = {}
  if (node.end) out.$ = true
  for (const [key, child] of node.keys) out[key] = shape(child)
  if (node.any !== undefined) out['*'] = shape(node.any)
  return out
}

function config(paths: string[], more: Partial<RedactConfig> = {}): RedactConfig {
  return { paths, censor: '[Redacted]', remove: false, detectors: [], ...more }
}

const ALL = new Scrubber(DETECTORS, '[Redacted]')
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'

describe('paths use the syntax of pino and fast-redact', () => {
  it('compiles dotted keys, * segments, [n], [*] and quoted keys into one trie', () => {
    const root = compilePaths(['req.headers.authorization', '*.password', 'users[*].ssn', 'cards[0]', 'a["x-api-key"]', "a['b.c']", 'a["q\\"[x]"]', 'a.*.b', '["top level"]'])
    expect(shape(root)).toEqual({
      req: { headers: { authorization: { $: true } } },
      users: { '*': { ssn: { $: true } } },
      cards: { 0: { $: true } },
      a: { 'x-api-key': { $: true }, 'b.c': { $: true }, 'q"[x]': { $: true }, '*': { b: { $: true } } },
      'top level': { $: true },
      '*': { password: { $: true } },
    })
  })

  it('reads a quoted "*" as the key "*", not as a wildcard', () => {
    expect(shape(compilePaths(['a["*"]']))).toEqual({ a: { '*': { $: true } } })
    expect(compilePaths(['a["*"]']).keys.get('a')!.any).toBeUndefined()
  })

  it('shares the common prefix of paths', () => {
    const root = compilePaths(['a.b', 'a.c', 'a'])
    expect(root.keys.size).toBe(1)
    expect(shape(root)).toEqual({ a: { $: true, b: { $: true }, c: { $: true } } })
  })

  it.each([
    ['', 'it is empty'],
    ['a..b', 'an empty key at character 3'],
    ['a.', 'an empty key at character 3'],
    ['.a', 'an empty key at character 1'],
    ['a.[0]', 'an empty key at character 3'],
    ['a*', "'*' in a key at character 2"],
    ['a b', "' ' in a key at character 2"],
    ['a]', "']' in a key at character 2"],
    ['a[01]', 'a bracket at character 2 that is not [*], [0] or ["key"]'],
    ['a[-1]', 'a bracket at character 2 that is not [*], [0] or ["key"]'],
    ['a[x]', 'a bracket at character 2 that is not [*], [0] or ["key"]'],
    ['a[0', 'a bracket at character 2 that is not [*], [0] or ["key"]'],
    ['a["b', 'an unclosed quote at character 3'],
    ['a["b"x]', "no ']' after the quoted key at character 6"],
    ['a[0]b', "'b' after ']' at character 5"],
  ])('rejects the path %j: %s', (path, reason) => {
    expect(optionError(() => redactOption('option redact', ['ok', path]))).toBe(`ringlog: invalid option redact[1]: ${JSON.stringify(path)}; expected ${A_PATH} (${reason})`)
    expect(optionError(() => compilePaths([path]))).toBe(`ringlog: invalid redact path: ${JSON.stringify(path)}; expected ${A_PATH} (${reason})`)
  })
})

describe('the redact option', () => {
  it('is undefined when not given', () => {
    expect(redactOption('option redact', undefined)).toBeUndefined()
  })

  it('takes an array of paths: censored with [Redacted], no detectors', () => {
    expect(redactOption('option redact', ['req.headers.authorization', '*.password'])).toEqual({
      paths: ['req.headers.authorization', '*.password'],
      censor: '[Redacted]',
      remove: false,
      detectors: [],
    })
  })

  it('takes an object whose every field is optional', () => {
    expect(redactOption('option redact', {})).toEqual({ paths: [], censor: '[Redacted]', remove: false, detectors: [] })
    expect(redactOption('option redact', { paths: ['a'], censor: '***', remove: true, detectors: ['jwt', 'email'] })).toEqual({
      paths: ['a'],
      censor: '***',
      remove: true,
      detectors: ['email', 'jwt'],
    })
  })

  it("takes 'default': the usual credential keys at three depths and every secret detector, not email nor creditCard", () => {
    const preset = redactOption('option redact', 'default')!
    expect(preset.detectors).toEqual(['jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword'])
    expect(preset.paths).toContain('password')
    expect(preset.paths).toContain('*.*.authorization')
    expect(preset.paths.length).toBe(48)
    const redactor = new Redactor(preset)
    const fields = { password: 'a', user: { token: 'b', name: 'Ann', email: 'ann@example.com' }, req: { headers: { authorization: 'c' } }, note: 'key AKIAIOSFODNN7EXAMPLE' }
    expect(redactor.fields(fields)).toBe(4)
    expect(fields).toEqual({ password: '[Redacted]', user: { token: '[Redacted]', name: 'Ann', email: 'ann@example.com' }, req: { headers: { authorization: '[Redacted]' } }, note: 'key [Redacted]' })
  })

  it('turns every detector on with detectors: true, in a fixed order', () => {
    expect(redactOption('option redact', { detectors: true })!.detectors).toEqual([
      'email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword',
    ])
    expect(DETECTORS).toEqual([
      'email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword',
    ])
  })

  it('takes detectors as an object of switches, and false for none', () => {
    expect(redactOption('option redact', { detectors: { bearer: true, email: false, awsKey: true } })!.detectors).toEqual(['awsKey', 'bearer'])
    expect(redactOption('option redact', { detectors: false })!.detectors).toEqual([])
  })

  it('accepts its own result again, so a checked option passes twice', () => {
    const once = redactOption('option redact', { paths: ['a[*].b'], detectors: ['bearer', 'bearer'] })!
    expect(once.detectors).toEqual(['bearer'])
    expect(redactOption('option redact', once)).toEqual(once)
  })

  it.each<[string, unknown, string]>([
    ['option redact', 'password', `"password"; expected 'default', an array of paths like ['req.headers.authorization', '*.password'] or { paths, censor, remove, detectors }`],
    ['option redact', null, `null; expected 'default', an array of paths like ['req.headers.authorization', '*.password'] or { paths, censor, remove, detectors }`],
    ['option redact.path', { path: ['a'] }, '["a"]; expected one of paths, censor, remove, detectors'],
    ['option redact.paths', { paths: 'a.b' }, `"a.b"; expected an array of paths like ['req.headers.authorization', '*.password']`],
    ['option redact.paths[2]', { paths: ['a', 'b', 3] }, `3; expected ${A_PATH}`],
    ['option redact.paths[0]', { paths: ['a..b'] }, `"a..b"; expected ${A_PATH} (an empty key at character 3)`],
    ['option redact[0]', [null], `null; expected ${A_PATH}`],
    ['option redact.censor', { censor: 0 }, "0; expected a string, like '[Redacted]'"],
    ['option redact.remove', { remove: 'yes' }, '"yes"; expected true or false'],
    ['option redact.detectors', { detectors: 'email' }, `"email"; expected true (all of them), an array of detector names (one of 'email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword') or an object like { email: true, jwt: true }`],
    ['option redact.detectors[1]', { detectors: ['email', 'phone'] }, `"phone"; expected one of 'email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword'`],
    ['option redact.detectors.phone', { detectors: { phone: true } }, `true; expected a detector: one of 'email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword'`],
    ['option redact.detectors.email', { detectors: { email: 1 } }, '1; expected true or false'],
  ])('names %s in the error for %j', (where, value, rest) => {
    expect(optionError(() => redactOption('option redact', value))).toBe(`ringlog: invalid ${where}: ${rest}`)
  })
})

describe('step() walks the trie one key at a time', () => {
  const root = compilePaths(['a.b', 'a.*.c', '*.d', 'list[1]'])
  const lists = compilePaths(['list[1]', 'list[*].x'])

  it('returns the node of the exact key and the wildcard node, both', () => {
    const a = step([root], 'a')
    expect(a).toEqual([root.keys.get('a'), root.any])
    expect(step(a, 'b').map((node) => node.end)).toEqual([true, false])
    // 'd' is reached by a.* (the start of a.*.c) and by *.d, which ends there.
    expect(step(a, 'd').map((node) => node.end)).toEqual([false, true])
  })

  it('lets a wildcard stand for any key, but only one level', () => {
    const any = step([root], 'x')
    expect(any).toEqual([root.any])
    expect(step(any, 'd')[0].end).toBe(true)
    expect(step(step(any, 'y'), 'd')).toBe(NO_NODES)
  })

  it('walks array indexes as the keys "0", "1", ...', () => {
    const list = step([lists], 'list')
    expect(list).toEqual([lists.keys.get('list')])
    expect(step(list, '1').map((node) => node.end)).toEqual([true, false])
    expect(step(list, '2').map((node) => node.end)).toEqual([false])
  })

  it('returns the shared empty array, allocating nothing, when nothing matches', () => {
    expect(step([lists], 'other')).toBe(NO_NODES)
    expect(step(step([root], 'list'), '0')).toBe(NO_NODES)
    expect(step(NO_NODES, 'a')).toBe(NO_NODES)
    expect(NO_NODES).toEqual([])
  })

  it('returns the same array for the same single match, so a walk does not allocate per key', () => {
    expect(step([lists], 'list')).toBe(step([lists], 'list'))
  })
})

describe('Redactor: paths', () => {
  it('censors nested keys and reports how many values it redacted', () => {
    const fields: PlainObject = { req: { method: 'GET', headers: { authorization: 'Basic abc', host: 'x' } }, user: 'bob' }
    expect(new Redactor(config(['req.headers.authorization', 'user'])).fields(fields)).toBe(2)
    expect(fields).toEqual({ req: { method: 'GET', headers: { authorization: '[Redacted]', host: 'x' } }, user: '[Redacted]' })
  })

  it('censors a whole object or array at a path, not what is inside it', () => {
    const fields: PlainObject = { secret: { a: 1, b: [1, 2] }, list: [1, 2] }
    expect(new Redactor(config(['secret', 'list'])).fields(fields)).toBe(2)
    expect(fields).toEqual({ secret: '[Redacted]', list: '[Redacted]' })
  })

  it('censors a key in every item of an array with users[*].ssn', () => {
    const fields: PlainObject = { users: [{ name: 'a', ssn: '078-05-1120' }, { name: 'b' }, { name: 'c', ssn: '219-09-9999' }] }
    expect(new Redactor(config(['users[*].ssn'])).fields(fields)).toBe(2)
    expect(fields).toEqual({ users: [{ name: 'a', ssn: '[Redacted]' }, { name: 'b' }, { name: 'c', ssn: '[Redacted]' }] })
  })

  it('censors one array item with [n]', () => {
    const fields: PlainObject = { args: ['user', 'hunter2', 'x'] }
    expect(new Redactor(config(['args[1]'])).fields(fields)).toBe(1)
    expect(fields).toEqual({ args: ['user', '[Redacted]', 'x'] })
  })

  it('matches *.password one level down only', () => {
    const fields: PlainObject = { password: 'top', db: { password: 'p1', user: 'u' }, cache: { password: 'p2' }, deep: { x: { password: 'p3' } } }
    expect(new Redactor(config(['*.password'])).fields(fields)).toBe(2)
    expect(fields).toEqual({ password: 'top', db: { password: '[Redacted]', user: 'u' }, cache: { password: '[Redacted]' }, deep: { x: { password: 'p3' } } })
  })

  it('matches quoted keys that hold dots and dashes', () => {
    const fields: PlainObject = { headers: { 'x-api-key': 'k', 'b.c': 'v', b: { c: 'kept' } } }
    expect(new Redactor(config(['headers["x-api-key"]', "headers['b.c']"])).fields(fields)).toBe(2)
    expect(fields).toEqual({ headers: { 'x-api-key': '[Redacted]', 'b.c': '[Redacted]', b: { c: 'kept' } } })
  })

  it('removes the keys instead with remove: true, and array items too', () => {
    const fields: PlainObject = { password: 'x', user: { name: 'bob', token: 't' }, args: ['a', 'b', 'c', 'd'] }
    expect(new Redactor(config(['password', 'user.token', 'args[1]', 'args[2]'], { remove: true })).fields(fields)).toBe(4)
    expect(fields).toEqual({ user: { name: 'bob' }, args: ['a', 'd'] })
    expect(Object.keys(fields)).toEqual(['user', 'args'])
  })

  it('uses the configured censor', () => {
    const fields: PlainObject = { password: 'x' }
    new Redactor(config(['password'], { censor: '***' })).fields(fields)
    expect(fields).toEqual({ password: '***' })
  })

  it('leaves everything alone and returns 0 when no path matches', () => {
    const fields: PlainObject = { a: { b: 1 }, c: [1, { d: 2 }] }
    expect(new Redactor(config(['a.x', 'c[5]', 'z'])).fields(fields)).toBe(0)
    expect(fields).toEqual({ a: { b: 1 }, c: [1, { d: 2 }] })
  })

  it('works on objects with a null prototype, as the decoder makes them', () => {
    const inner = Object.assign(Object.create(null) as PlainObject, { password: 'x', ok: 1 })
    const fields = Object.assign(Object.create(null) as PlainObject, { db: inner })
    expect(new Redactor(config(['db.password'])).fields(fields)).toBe(1)
    expect({ ...(fields.db as PlainObject) }).toEqual({ password: '[Redacted]', ok: 1 })
  })
})

describe('Scrubber: secret detectors', () => {
  const only = (name: DetectorName) => new Scrubber([name], '[Redacted]')

  it('is inactive, and returns every string as it is, with no detectors', () => {
    const none = new Scrubber([], '[Redacted]')
    expect(none.active).toBe(false)
    expect(none.scrub('bob@example.com')).toBe('bob@example.com')
    expect(none.found).toBe(0)
  })

  it.each<[DetectorName, string, string]>([
    ['email', 'mail bob.smith+tag@mail.example.co.uk now', 'mail [Redacted] now'],
    ['email', 'from <a_b-c%d@x-y.io>.', 'from <[Redacted]>.'],
    ['creditCard', '4111 1111 1111 1111', '[Redacted]'],
    ['creditCard', 'card 4111-1111-1111-1111 ok', 'card [Redacted] ok'],
    ['creditCard', 'amex 378282246310005, mc 5555555555554444', 'amex [Redacted], mc [Redacted]'],
    ['creditCard', '13 digits: 4222222222222', '13 digits: [Redacted]'],
    ['jwt', `token=${JWT}&x=1`, 'token=[Redacted]&x=1'],
    ['jwt', 'unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. end', 'unsigned [Redacted] end'],
    ['awsKey', 'key AKIAIOSFODNN7EXAMPLE!', 'key [Redacted]!'],
    ['awsKey', 'session ASIAY34FZKBOKMUTVV7A', 'session [Redacted]'],
    ['bearer', 'Authorization: Bearer abc.def-123_456~+/==', 'Authorization: Bearer [Redacted]'],
    ['bearer', 'authorization: bearer   mF_9.B5f-4.1JqM', 'authorization: bearer   [Redacted]'],
    ['bearer', `BEARER ${JWT}`, 'BEARER [Redacted]'],
    ['githubToken', 'token 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.', 'token [Redacted].'],
    ['githubToken', 'pat github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZab end', 'pat [Redacted] end'],
    ['stripeKey', 'stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'stripe [Redacted]'],
    ['stripeKey', 'rk_test_51H8xEmKz0aBcDeFgHiJkLmN and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '[Redacted] and [Redacted]'],
    ['slackToken', 'bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'bot [Redacted]'],
    ['slackToken', 'hook https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX ok', 'hook [Redacted] ok'],
    ['googleApiKey', 'key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&q=1', 'key=[Redacted]&q=1'],
    ['privateKey', 'pem -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nafter', 'pem [Redacted]\nafter'],
    ['privateKey', 'cut -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA', 'cut [Redacted]'],
    ['urlPassword', 'db postgres://app:s3cr%40t@db:5432/x up', 'db postgres://app:[Redacted]@db:5432/x up'],
    ['urlPassword', 'redis://:hunter2@cache:6379', 'redis://:[Redacted]@cache:6379'],
  ])('%s: censors only the secret in %j', (name, text, expected) => {
    const scrubber = only(name)
    expect(scrubber.scrub(text)).toBe(expected)
    expect(scrubber.found).toBe(text.includes(', mc') || text.includes(' and whsec') ? 2 : 1)
  })

  it.each<[DetectorName, string]>([
    ['email', 'user@localhost'],
    ['email', 'an @ sign and a.b@c'],
    ['creditCard', '4111 1111 1111 1112'],
    ['creditCard', 'order 4111111111111112'],
    ['creditCard', '411111111111 (12 digits)'],
    ['creditCard', '41111111111111111111 (20 digits)'],
    ['creditCard', 'id 4111111111111111abc'],
    ['creditCard', 'hash a4111111111111111'],
    ['creditCard', 'pi 3.4111111111111111'],
    ['creditCard', 'double  4111  1111 1111 1111'],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9 alone'],
    ['jwt', 'xeyJa.b.c'],
    ['awsKey', 'AKIAIOSFODNN7EXAMPL (15)'],
    ['awsKey', 'XAKIAIOSFODNN7EXAMPLE'],
    ['awsKey', 'AKIAIOSFODNN7EXAMPLE1'],
    ['awsKey', 'akiaiosfodnn7example'],
    ['bearer', 'missing bearer token'],
    ['bearer', 'the bearer of bad news'],
    ['githubToken', 'ghp_short123'],
    ['githubToken', 'x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'],
    ['stripeKey', 'pk_live_4eC39HqLyjWDarjtT1zdp7dc (publishable)'],
    ['stripeKey', 'sk_live_short'],
    ['slackToken', 'xoxz-not-a-kind'],
    ['googleApiKey', 'AIzaTooShort'],
    ['privateKey', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----'],
    ['urlPassword', 'https://example.com/a:b@c'],
    ['urlPassword', 'mailto:bob@example.com and https://user@host/x'],
  ])('%s: leaves %j alone', (name, text) => {
    const scrubber = only(name)
    expect(scrubber.scrub(text)).toBe(text)
    expect(scrubber.found).toBe(0)
  })

  it('censors several secrets of different kinds in one string, counting each', () => {
    const scrubber = new Scrubber(DETECTORS, '<x>')
    const text = `user bob@example.com paid with 4111 1111 1111 1111 using AKIAIOSFODNN7EXAMPLE, header Bearer ${JWT}, and ${JWT}`
    expect(scrubber.scrub(text)).toBe('user <x> paid with <x> using <x>, header Bearer <x>, and <x>')
    expect(scrubber.found).toBe(5)
  })

  it('keeps counting over calls', () => {
    const scrubber = only('email')
    scrubber.scrub('a@b.io c@d.io')
    scrubber.scrub('none')
    scrubber.scrub('e@f.io')
    expect(scrubber.found).toBe(3)
  })

  it('does not scan its own censor again, whatever the censor looks like', () => {
    const scrubber = new Scrubber(DETECTORS, 'Bearer secret@example.com')
    expect(scrubber.scrub('a@b.io')).toBe('Bearer secret@example.com')
    expect(scrubber.found).toBe(1)
  })

  it('takes linear time on long adversarial input', () => {
    const text = 'a'.repeat(100_000) + ' ' + '1 '.repeat(50_000) + 'eyJ'.repeat(30_000) + '@'.repeat(1000) + 'x@' + 'a.'.repeat(50_000) + '1 bearer' + ' '.repeat(50_000)
    const start = performance.now()
    const scrubbed = ALL.scrub(text)
    expect(ALL.found).toBe(0)
    expect(scrubbed === text).toBe(true)
    expect(performance.now() - start).toBeLessThan(1000)
  })
})

describe('Redactor: detectors', () => {
  it('scrubs every string anywhere: nested, in arrays, in errors, alongside paths', () => {
    const fields: PlainObject = {
      password: 'bob@example.com',
      to: ['alice@example.com', 'nobody', ['carol@example.com']],
      err: { type: 'Error', message: 'no user dave@example.com', stack: 'Error: no user dave@example.com\n    at f (x.js:1:1)' },
      count: 4111111111111111,
    }
    const redactor = new Redactor(config(['password'], { detectors: ['email'] }))
    expect(redactor.fields(fields)).toBe(5)
    expect(fields).toEqual({
      password: '[Redacted]',
      to: ['[Redacted]', 'nobody', ['[Redacted]']],
      err: { type: 'Error', message: 'no user [Redacted]', stack: 'Error: no user [Redacted]\n    at f (x.js:1:1)' },
      count: 4111111111111111,
    })
  })

  it('scrubs the message text with the detectors only', () => {
    const redactor = new Redactor(config(['msg'], { detectors: ['jwt', 'bearer'] }))
    expect(redactor.message(`login with Bearer ${JWT} ok`)).toBe('login with Bearer [Redacted] ok')
    expect(redactor.message('msg stays')).toBe('msg stays')
    expect(redactor.scrubber.found).toBe(1)
  })

  it('does not scrub keys, only values', () => {
    const fields: PlainObject = { 'bob@example.com': 1 }
    expect(new Redactor(config([], { detectors: ['email'] })).fields(fields)).toBe(0)
    expect(fields).toEqual({ 'bob@example.com': 1 })
  })
})

describe('PathKeyScan: whether a record may hold a path, without decoding it', () => {
  const packr = new Packr({ useRecords: false, moreTypes: true })
  const scan = PathKeyScan.of(['req.headers.authorization', '*.password', 'users[*].ssn', 'list[0]'])!
  const holds = (value: unknown): boolean => {
    const bytes = packr.pack(value)
    return scan.mayHold(bytes, 0, bytes.length)
  }

  it('finds a path\'s last key at any depth, in maps and arrays', () => {
    expect(holds({ req: { headers: { authorization: 'x' } } })).toBe(true)
    expect(holds({ a: [{ b: { password: 1 } }] })).toBe(true)
    expect(holds({ users: [{ name: 'a' }, { ssn: '1' }] })).toBe(true)
    expect(holds({ list: [1, 2] })).toBe(true)
  })

  it('finds a key written as str8 (more than 31 bytes away from fixstr) and a key that is also a value', () => {
    const long = PathKeyScan.of(['a.' + 'k'.repeat(40)])!
    const bytes = packr.pack({ a: { ['k'.repeat(40)]: 1 } })
    expect(long.mayHold(bytes, 0, bytes.length)).toBe(true)
    expect(holds({ note: 'password' })).toBe(true)
  })

  it('says no for records without the keys, skipping long strings, numbers and binary values whole', () => {
    expect(holds({ reqId: 'req-1', status: 200, text: 'x'.repeat(300) + 'password', bytes: new Uint8Array([0xa8, 0x70]), n: 1.5 })).toBe(false)
    expect(holds({ authorizatio: 1, passwords: 2 })).toBe(false)
  })

  it('decodes to be sure when an Error is nested (its keys are not in the bytes)', () => {
    expect(holds({ cause: { inner: new Error('boom') } })).toBe(true)
  })

  it('cannot narrow paths that name no key', () => {
    expect(PathKeyScan.of(['*'])).toBeUndefined()
    expect(PathKeyScan.of(['[*]', 'a'])).toBeUndefined()
  })
})
