/**
 * Field encryption (the `encrypt` option, `ringlog decrypt`, `ringlog erase`, eraseSubject), with
 * real loggers writing real files: the sealed value format checked against node:crypto directly,
 * a seeded round trip of 10,000 values whose decryption must equal an unencrypted logger's file
 * byte for byte, errors that name the record, key rotation, crypto-shredding, key providers and the
 * key variable, option errors that never show a key, and 1,000 hostile inputs to `ringlog decrypt`.
 * ENCRYPTION_SEED=<n> runs another seed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createLogger, eraseSubject, withContext, type EncryptOption, type RingLogger } from '../dist/src/index.js'
import { CLI, node } from './helpers/cli.js'
import { fixture, readRecords, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.ENCRYPTION_SEED ?? 0xe4c1) >>> 0

/** Two master keys, as bytes; each option and key file below writes them in one of the three forms. */
const KEY1 = createHash('sha256').update('ringlog test key 1').digest()
const KEY2 = createHash('sha256').update('ringlog test key 2').digest()
/** Every text a key could leak as. */
const KEY_TEXTS = [KEY1, KEY2].flatMap((key) => [key.toString('base64'), key.toString('hex'), key.toString('base64url'), key.toString('base64').slice(0, 40)])

/** A fixed time, so that two loggers write the same bytes. */
const T0 = Date.UTC(2026, 4, 17, 9, 30, 0, 250)

const PREFIX = 'enc:v1:'
/** A sealed value: key id, an optional subject reference (16 bytes as base64url), the data. */
const SEALED = /^enc:v1:([A-Za-z0-9_.-]{1,64})(?:\/([A-Za-z0-9_-]{22}))?:([A-Za-z0-9_-]+)$/
const TOKENS = /enc:v1:[A-Za-z0-9_.\-/]+:[A-Za-z0-9_-]+/g
const STACK_LINE = /^ {4}at /m

interface Parts {
  label: string
  keyId: string
  ref: string | undefined
  nonce: Buffer
  ciphertext: Buffer
  tag: Buffer
}

function parts(sealed: unknown): Parts {
  expect(sealed).toMatch(SEALED)
  const [, keyId, ref, data] = SEALED.exec(sealed as string)!
  const bytes = Buffer.from(data, 'base64url')
  expect(bytes.toString('base64url')).toBe(data)
  return { label: ref === undefined ? keyId : `${keyId}/${ref}`, keyId, ref, nonce: bytes.subarray(0, 12), ciphertext: bytes.subarray(12, -16), tag: bytes.subarray(-16) }
}

/** AES-256-GCM by hand, as someone without ringlog would open a value: the AAD is 'enc:v1:' and the label. */
function openRaw(p: Pick<Parts, 'nonce' | 'ciphertext' | 'tag'>, key: Buffer, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, p.nonce)
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(p.tag)
  return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]).toString('utf8')
}

function openDirect(sealed: unknown, key: Buffer): string {
  const p = parts(sealed)
  return openRaw(p, key, `${PREFIX}${p.label}`)
}

/** A subject's reference, computed apart from ringlog: HMAC-SHA256 of 'ringlog subject\0' and the subject, 16 bytes. */
function subjectRef(master: Buffer, subject: string): string {
  return createHmac('sha256', master).update(`ringlog subject\0${subject}`).digest().subarray(0, 16).toString('base64url')
}

interface Run {
  status: number | null
  stdout: Buffer
  stderr: string
}

function ringlog(args: string[], input?: Buffer | string): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', maxBuffer: 512 * 1024 * 1024, timeout: 60_000 })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') }
}

/** The same, in the background: many cases run side by side. */
function ringlogAsync(args: string[], input: Buffer | string = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.stdin.on('error', () => {}) // a command that exits before reading all of stdin
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }))
    child.stdin.end(input)
  })
}

function writeKeyFile(dir: string, name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text, { mode: 0o600 })
  return path
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

/** The stderr lines of `ringlog decrypt` that name line `n` of `file`. */
const linesNaming = (stderr: string, file: string, n: number): string[] => lines(stderr).filter((line) => line.startsWith(`ringlog decrypt: ${file} line ${n} `) || line.startsWith(`ringlog decrypt: ${file} line ${n}:`))

async function writeLog(file: string, encrypt: EncryptOption | undefined, body: (log: RingLogger) => void): Promise<void> {
  const log = createLogger({ destination: file, now: () => T0, ...(encrypt === undefined ? {} : { encrypt }) })
  body(log)
  await log.close()
}

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env.RINGLOG_ENCRYPTION_KEY
  if (value === undefined) delete process.env.RINGLOG_ENCRYPTION_KEY
  else process.env.RINGLOG_ENCRYPTION_KEY = value
  try {
    return fn()
  } finally {
    if (saved === undefined) delete process.env.RINGLOG_ENCRYPTION_KEY
    else process.env.RINGLOG_ENCRYPTION_KEY = saved
  }
}

describe('the sealed value: enc:v1:<key id>[/<subject>]:<base64url(nonce 12 | ciphertext | tag 16)>', () => {
  it('is AES-256-GCM over the JSON text of the value, with "enc:v1:<label>" as additional data, opened here with node:crypto alone', async () => {
    const file = join(tempDir(), 'out.log')
    const profile = { name: 'Zoë "Z" \\ 😀', tags: ['a', null, true, 1.5, -7], at: new Date(T0) }
    await writeLog(file, { paths: ['card.number', 'ssn', 'profile'], key: KEY1.toString('base64') }, (log) => {
      log.info('paid', { card: { number: '4111 1111 1111 1111', brand: 'visa' }, ssn: 123456789, profile })
      log.info('paid again', { card: { number: '4111 1111 1111 1111', brand: 'visa' } })
    })
    const text = readFileSync(file, 'utf8')
    const [first, second] = readRecords(file) as { card: { number: string; brand: string }; ssn: string; profile: string }[]
    // What is not at a path stays as it was; what is, is a string of the format.
    expect(first.card.brand).toBe('visa')
    const number = parts(first.card.number)
    expect(number.label).toBe('k1')
    expect(number.ref).toBeUndefined()
    expect(number.ciphertext.length).toBe(Buffer.byteLength('"4111 1111 1111 1111"'))
    expect(openRaw(number, KEY1, 'enc:v1:k1')).toBe('"4111 1111 1111 1111"')
    expect(openDirect(first.ssn, KEY1)).toBe('123456789')
    expect(openDirect(first.profile, KEY1)).toBe(JSON.stringify(profile))
    // The label is authenticated: moved to another key id, or opened with another key, it fails.
    expect(() => openRaw(number, KEY1, 'enc:v1:k2')).toThrow(/authenticate/)
    expect(() => openRaw(number, KEY2, 'enc:v1:k1')).toThrow(/authenticate/)
    // A random nonce each time: the same value sealed twice looks different.
    const again = parts(second.card.number)
    expect(again.nonce.equals(number.nonce)).toBe(false)
    expect(again.ciphertext.equals(number.ciphertext)).toBe(false)
    expect(openDirect(second.card.number, KEY1)).toBe('"4111 1111 1111 1111"')
    for (const plain of ['4111', '123456789', 'Zoë', 'tags']) expect(text).not.toContain(plain)
  })

  it("labels a subject's value k1/<22-character reference> and seals it with HKDF(master, the subject's salt in the key store)", async () => {
    const dir = tempDir()
    const file = join(dir, 'out.log')
    const store = join(dir, 'keys')
    await writeLog(file, { paths: ['ssn'], key: new Uint8Array(KEY1), perSubject: 'user.id', keyStore: store }, (log) => {
      log.info('signup', { user: { id: 'alice@example.com' }, ssn: '078-05-1120' })
      log.info('signup', { user: { id: 'alice@example.com' }, ssn: '078-05-1120' })
      log.info('signup', { user: { id: 'bob' }, ssn: '219-09-9999' })
      log.info('anonymous', { ssn: '000-00-0000' })
    })
    const records = readRecords(file) as { ssn: string }[]
    const alice = subjectRef(KEY1, 'alice@example.com')
    const bob = subjectRef(KEY1, 'bob')
    expect(alice).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(records.map((record) => parts(record.ssn).label)).toEqual([`k1/${alice}`, `k1/${alice}`, `k1/${bob}`, 'k1'])
    // The store holds one salt per subject, named by the reference: neither it nor the log names the subject.
    expect(readdirSync(store).sort()).toEqual([`${alice}.salt`, `${bob}.salt`].sort())
    expect(readFileSync(file, 'utf8')).not.toContain('078-05')
    const salt = readFileSync(join(store, `${alice}.salt`))
    expect(salt.length).toBe(32)
    const key = Buffer.from(hkdfSync('sha256', KEY1, salt, `ringlog subject key ${alice}`, 32))
    expect(openDirect(records[0].ssn, key)).toBe('"078-05-1120"')
    expect(openDirect(records[1].ssn, key)).toBe('"078-05-1120"')
    // Not under the master key, nor under another subject's key.
    expect(() => openDirect(records[0].ssn, KEY1)).toThrow()
    expect(() => openDirect(records[2].ssn, key)).toThrow()
    expect(openDirect(records[3].ssn, KEY1)).toBe('"000-00-0000"')
  })

  it('seals the values at the paths in child bindings (short and long) and request contexts too', async () => {
    const file = join(tempDir(), 'out.log')
    await writeLog(file, { paths: ['ssn'], key: KEY1.toString('hex') }, (log) => {
      log.child({ ssn: 'S-short' }).info('child')
      // Over the 127 bytes a record carries inline: announced on its own, by id.
      log.child({ ssn: 'S-long', pad: 'p'.repeat(300) }).info('long child')
      withContext({ ssn: 'S-context' }, () => log.info('in context'))
      log.child({ other: 1 }).info('no path in the bindings', { ssn: 'S-record' })
    })
    const text = readFileSync(file, 'utf8')
    const records = readRecords(file) as { msg: string; ssn: string }[]
    expect(records.map((record) => [record.msg, openDirect(record.ssn, KEY1)])).toEqual([
      ['child', '"S-short"'], ['long child', '"S-long"'], ['in context', '"S-context"'], ['no path in the bindings', '"S-record"'],
    ])
    expect(text).not.toMatch(/S-(short|long|context|record)/)
    expect(text).toContain('"pad":"ppp')
  })
})

// ---------------------------------------------------------------------------------------------
// The round trip

const MARKER = 'PLAINTEXT-MARKER-9f3a'
const CHARS = [
  'a', 'Z', '7', ' ', '"', '\\', '/', "'", '\n', '\r', '\t', '\b', '\f', '\u0000', '\u0001', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0',
  'é', 'ß', '中', 'e\u0301', '\u2028', '\u2029', '\ufeff', '\ufffd', '😀', '👩‍👩‍👧', '\ud83d', '\ude00', '{"a":1}', ':', ',', 'enc:v1:k1:AAAA', MARKER,
]

class Values extends Random {
  string(max = 24): string {
    let s = ''
    for (let n = this.int(max); n > 0; n--) s += this.pick(CHARS)
    return s
  }

  number(): number {
    return this.weighted<number>([
      [3, () => this.int(256) - 128],
      [2, () => this.int(2 ** 32) - 2 ** 31],
      [2, () => this.int(2 ** 21) * 2 ** 32 + this.int(2 ** 32)],
      [3, () => new Float64Array(new Uint32Array([this.int(2 ** 32), this.int(2 ** 32)]).buffer)[0]],
      [2, () => this.int(1e9) / 10 ** this.int(12)],
      [1, () => this.pick([0, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, -(2 ** 53), 2 ** 53 + 2, 2 ** 64, 1e21, 1e-7, 0.1 + 0.2])],
    ])
  }

  bigint(): bigint {
    return this.weighted<bigint>([
      [2, () => BigInt(this.int(2 ** 31)) * BigInt(this.int(2 ** 31)) * BigInt(this.int(8) + 1) * (this.chance(0.5) ? -1n : 1n)],
      [1, () => this.pick([2n ** 64n - 1n, -(2n ** 63n), 2n ** 70n, -(2n ** 100n), 0n])],
    ])
  }

  date(): Date {
    return this.weighted<Date>([
      [4, () => new Date(this.int(2 ** 31) * 1000 + this.int(1000))],
      [1, () => new Date(-this.int(2 ** 40))],
      [1, () => new Date(this.pick([NaN, 8.64e15, -8.64e15, 253402300800000, -62198755200000, 0]))],
    ])
  }

  key(): string {
    return this.weighted<string>([
      [4, () => this.pick(['a', 'b', 'id', 'name', 'x y', 'é', '😀'])],
      [2, () => this.string(8)],
      [1, () => this.pick(['__proto__', 'constructor', 'toString', '', '0', '10', '-1', '1.5', 'enc:v1:k1:xx'])],
    ])
  }

  leaf(): unknown {
    return this.weighted<unknown>([
      [6, () => this.string()],
      [5, () => this.number()],
      [1, () => this.bigint()],
      [2, () => this.chance(0.5)],
      [1, () => null],
      [2, () => this.date()],
      [1, () => this.exotic()],
    ])
  }

  /** What a log call is given besides plain data; the same objects go to both loggers. */
  exotic(): unknown {
    return this.weighted<unknown>([
      [2, () => Object.assign(new Error(this.string(10)), { code: 'E_TEST', cause: new TypeError('inner') })],
      // A Map whose keys JSON would reorder or merge ('10' before 'b', '1' and 1) is left out: see below.
      [1, () => new Map<unknown, unknown>([['b', this.leaf()], ['a b', 1], [true, null]])],
      [1, () => new Set([1, 'a', this.leaf()])],
      [1, () => new Uint8Array([0, 1, 255])],
      [1, () => Buffer.from(this.string(5))],
      [1, () => new URL('https://example.com/a?b=c#d')],
      [1, () => /re[g]ex/giu],
      [1, () => Symbol(this.string(5))],
      [1, () => undefined],
      [1, () => () => 1],
      [1, () => ({ toJSON: () => ({ made: 'by toJSON' }) })],
      [1, () => {
        const cycle: Record<string, unknown> = { a: 1 }
        cycle.self = cycle
        return cycle
      }],
    ])
  }

  value(depth = 0): unknown {
    if (depth >= 4 || this.chance(0.55)) return this.leaf()
    if (this.chance(0.03)) {
      // Deeper than maxDepth (10): cut on the calling thread, the same for both loggers.
      let deep: unknown = this.leaf()
      for (let n = 12; n > 0; n--) deep = this.chance(0.5) ? [deep] : { d: deep }
      return deep
    }
    if (this.chance(0.5)) return Array.from({ length: this.int(5) }, () => this.value(depth + 1))
    const object: Record<string, unknown> = {}
    for (let n = this.int(5); n > 0; n--) Object.defineProperty(object, this.key(), { value: this.value(depth + 1), enumerable: true, configurable: true, writable: true })
    return object
  }
}

const VALUES = 10_000

/** The same calls to both loggers: one value each at one of the paths, every 50th in a child's bindings. */
function logValues(log: RingLogger, values: readonly unknown[]): void {
  values.forEach((v, i) => {
    switch (i % 5) {
      case 0: log.info(`r${i}`, { i, secret: v }); break
      case 1: log.warn(`r${i}`, { i, user: { id: i, ssn: v } }); break
      case 2: log.error(`r${i}`, { i, items: [{ iban: v, n: 1 }, { n: 2 }] }); break
      case 3: log.info(`r${i}`, { i, card: { number: v, brand: 'visa' } }); break
      default:
        if (i % 50 === 4) log.child({ c: i, secret: v }).info(`child r${i}`, { i })
        else log.info(`r${i}`, { i, card: { cvc: v } })
    }
  })
}

describe(`round trip: ${VALUES} seeded values (seed ${SEED})`, () => {
  it('`ringlog decrypt` of the encrypted file equals the file of a logger without encryption, byte for byte', async () => {
    const dir = tempDir()
    const random = new Values(SEED)
    const values = Array.from({ length: VALUES }, () => random.value())
    const encrypted = join(dir, 'encrypted.log')
    const plain = join(dir, 'plain.log')
    await writeLog(encrypted, { paths: ['secret', 'user.ssn', 'items[*].iban', 'card.*'], key: KEY1.toString('base64') }, (log) => logValues(log, values))
    await writeLog(plain, undefined, (log) => logValues(log, values))
    const keys = writeKeyFile(dir, 'keys.json', JSON.stringify({ k1: KEY1.toString('base64') }))

    const sealedText = readFileSync(encrypted, 'utf8')
    const plainBytes = readFileSync(plain)
    expect(lines(plainBytes.toString('utf8'))).toHaveLength(VALUES)
    // Values were sealed (all but those logged as nothing: undefined, functions), and none is left in clear.
    expect(sealedText.match(TOKENS)?.length ?? 0).toBeGreaterThan(VALUES * 0.95)
    expect(plainBytes.toString('utf8')).toContain(MARKER)
    expect(sealedText).not.toContain(MARKER)

    const run = ringlog(['decrypt', '--key-file', keys, encrypted])
    expect({ status: run.status, stderr: run.stderr.slice(0, 1000) }).toEqual({ status: 0, stderr: '' })
    if (!run.stdout.equals(plainBytes)) {
      // The first line that differs, for the message.
      const got = run.stdout.toString('utf8').split('\n')
      const want = plainBytes.toString('utf8').split('\n')
      const at = want.findIndex((line, i) => got[i] !== line)
      expect({ line: at + 1, got: got[at] }).toEqual({ line: at + 1, got: want[at] })
    }
    expect(run.stdout.equals(plainBytes)).toBe(true)
  })

  // Known limitation: a Map whose keys a JavaScript object would reorder (integer-like keys after
  // others) or merge ('1' and 1) is written by the JSON writer in the Map's order, with every
  // entry, but the encryptor (like redaction) decodes the fields into plain objects first, so the
  // sealed JSON has '1' first, and one entry per key. Reported; left out of the values above.
  it('(known difference) a Map with keys an object reorders or merges opens as the object: integer-like keys first, one entry per key', async () => {
    const dir = tempDir()
    const values = [new Map([['b', 1], ['1', 2]]), new Map<unknown, number>([['1', 1], [1, 2]])]
    await writeLog(join(dir, 'e.log'), { paths: ['secret'], key: KEY1.toString('base64') }, (log) => values.forEach((v) => log.info('m', { secret: v })))
    await writeLog(join(dir, 'p.log'), undefined, (log) => values.forEach((v) => log.info('m', { secret: v })))
    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'keys', KEY1.toString('base64')), join(dir, 'e.log')])
    expect(run.status).toBe(0)
    const secrets = (text: string): string[] => text.trimEnd().split('\n').map((line) => /"secret":(\{[^}]*\})/.exec(line)![1])
    expect(secrets(readFileSync(join(dir, 'p.log'), 'utf8'))).toEqual(['{"b":1,"1":2}', '{"1":1,"1":2}'])
    expect(secrets(run.stdout.toString('utf8'))).toEqual(['{"1":2,"b":1}', '{"1":2}'])
  })

  // The sealed string is never cut (cut, it could not be opened); the value in it is cut as the
  // format would have cut it in the open.
  it('with maxStringLength, maxArrayLength and maxDepth, decrypt gives what a logger without encryption writes', async () => {
    const dir = tempDir()
    const limits = { maxStringLength: 64, maxArrayLength: 3, maxDepth: 3 }
    const values = ['x'.repeat(100), 'short', Array.from({ length: 10 }, (_, i) => i), { a: { b: { c: { d: 'deep' } } }, s: 'y'.repeat(70) }, [[[[[1]]]]]]
    const log = async (file: string, encrypt?: EncryptOption): Promise<void> => {
      const logger = createLogger({ destination: file, now: () => T0, ...limits, ...(encrypt === undefined ? {} : { encrypt }) })
      for (const v of values) logger.info('m', { secret: v })
      await logger.close()
    }
    await log(join(dir, 'e.log'), { paths: ['secret'], key: KEY1.toString('base64') })
    await log(join(dir, 'p.log'))
    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'keys', KEY1.toString('base64')), join(dir, 'e.log')])
    expect({ status: run.status, text: run.stdout.toString('utf8') }).toEqual({ status: 0, text: readFileSync(join(dir, 'p.log'), 'utf8') })
  })
})

// ---------------------------------------------------------------------------------------------

describe('a value that cannot be opened is named by file, line and message, and left as it was', () => {
  async function orders(dir: string): Promise<{ file: string; text: string[] }> {
    const file = join(dir, 'orders.log')
    await writeLog(file, { paths: ['card.number'], key: KEY1.toString('base64') }, (log) => {
      for (let n = 1; n <= 6; n++) log.info(`order ${n}`, { n, card: { number: `N-${n}` } })
    })
    return { file, text: lines(readFileSync(file, 'utf8')) }
  }

  it('a flipped bit and two kinds of truncation: exit 1, one stderr line for each naming the record; the other lines open', async () => {
    const dir = tempDir()
    const { text } = await orders(dir)
    const sealedOf = (line: string): string => (JSON.parse(line) as { card: { number: string } }).card.number
    const tamper = (line: string, change: (sealed: string) => string): string => line.replace(sealedOf(line), change(sealedOf(line)))
    const flipped = tamper(text[1], (sealed) => {
      const p = parts(sealed)
      const bytes = Buffer.concat([p.nonce, p.ciphertext, p.tag])
      bytes[13] ^= 0x04
      return `${PREFIX}${p.label}:${bytes.toString('base64url')}`
    })
    const cutShort = tamper(text[3], (sealed) => sealed.slice(0, 'enc:v1:k1:'.length + 20))
    const tagCut = tamper(text[4], (sealed) => sealed.slice(0, -3))
    const tampered = [text[0], flipped, text[2], cutShort, tagCut, text[5]]
    const input = join(dir, 'tampered.log')
    writeFileSync(input, tampered.map((line) => `${line}\n`).join(''))

    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'keys', `k1:${KEY1.toString('hex')}\n`), input])
    expect(run.status).toBe(1)
    const out = lines(run.stdout.toString('utf8'))
    expect(out).toHaveLength(6)
    for (const n of [2, 4, 5]) {
      expect(out[n - 1]).toBe(tampered[n - 1])
      const named = linesNaming(run.stderr, input, n)
      expect(named).toHaveLength(1)
      expect(named[0]).toContain(`msg "order ${n}"`)
      expect(named[0]).toContain('time "2026-05-17T09:30:00.250Z"')
    }
    expect(linesNaming(run.stderr, input, 2)[0]).toMatch(/does not authenticate under key 'k1'/)
    expect(linesNaming(run.stderr, input, 4)[0]).toMatch(/cut short/)
    expect(linesNaming(run.stderr, input, 5)[0]).toMatch(/does not authenticate|cut short/)
    expect(lines(run.stderr)).toHaveLength(3)
    for (const n of [1, 3, 6]) expect(JSON.parse(out[n - 1])).toEqual({ time: '2026-05-17T09:30:00.250Z', level: 'info', msg: `order ${n}`, n, card: { number: `N-${n}` } })
  })

  it('a wrong key: exit 1, every line named, the output the input unchanged, and neither key on stderr', async () => {
    const dir = tempDir()
    const { file, text } = await orders(dir)
    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'wrong', `k1:${KEY2.toString('base64')}\n`), file])
    expect(run.status).toBe(1)
    expect(run.stdout.toString('utf8')).toBe(readFileSync(file, 'utf8'))
    for (let n = 1; n <= 6; n++) {
      const named = linesNaming(run.stderr, file, n)
      expect(named).toHaveLength(1)
      expect(named[0]).toContain(`msg "order ${n}"`)
      expect(named[0]).toContain("does not authenticate under key 'k1'")
    }
    expect(text).toHaveLength(6)
    for (const key of KEY_TEXTS) expect(run.stderr).not.toContain(key)
    expect(run.stderr).not.toMatch(/N-\d/)
  })

  it('names a line of stdin as stdin, and a line that is not JSON by its number alone', () => {
    const dir = tempDir()
    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'keys', KEY1.toString('base64'))], 'plain text\nnot json enc:v1:k1:AAAA here\n')
    expect(run.status).toBe(1)
    expect(run.stdout.toString('utf8')).toBe('plain text\nnot json enc:v1:k1:AAAA here\n')
    expect(run.stderr).toMatch(/^ringlog decrypt: stdin line 2: enc:v1:k1:AAAA\.\.\.: it is cut short/)
  })
})

describe('key rotation: values of two key ids in one file', () => {
  it('a key file with both opens all; with one, the values of the other fail naming the missing key id', async () => {
    const dir = tempDir()
    const file = join(dir, 'app.log')
    // Two loggers writing the same file at once, as two processes of a rolling key change would.
    const old = createLogger({ destination: file, now: () => T0, encrypt: { paths: ['token'], key: KEY1.toString('base64'), keyId: 'k1' } })
    const rotated = createLogger({ destination: file, now: () => T0, encrypt: { paths: ['token'], key: KEY2.toString('hex'), keyId: 'k2' } })
    for (let n = 0; n < 5; n++) {
      old.info(`old ${n}`, { token: `old-token-${n}` })
      rotated.info(`new ${n}`, { token: `new-token-${n}` })
    }
    await Promise.all([old.close(), rotated.close()])
    const text = readFileSync(file, 'utf8')
    const records = readRecords(file) as { msg: string; token: string }[]
    expect(records).toHaveLength(10)
    for (const record of records) expect(parts(record.token).keyId).toBe(record.msg.startsWith('old') ? 'k1' : 'k2')
    const lineOf = (msg: string): number => records.findIndex((record) => record.msg === msg) + 1

    const both = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'both.json', JSON.stringify({ k1: KEY1.toString('base64'), k2: KEY2.toString('base64url') })), file])
    expect({ status: both.status, stderr: both.stderr }).toEqual({ status: 0, stderr: '' })
    const opened = lines(both.stdout.toString('utf8')).map((line) => JSON.parse(line) as { msg: string; token: string })
    expect(opened.map((record) => [record.msg, record.token]).sort()).toEqual(
      Array.from({ length: 5 }, (_, n) => [[`new ${n}`, `new-token-${n}`], [`old ${n}`, `old-token-${n}`]]).flat().sort(),
    )

    for (const [have, missing, prefix] of [[`k1:${KEY1.toString('hex')}`, 'k2', 'new'], [`# the new key only\nk2:${KEY2.toString('base64')}`, 'k1', 'old']] as const) {
      const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, `only-${missing}`, `${have}\n`), file])
      expect(run.status).toBe(1)
      const out = lines(run.stdout.toString('utf8'))
      expect(lines(run.stderr)).toHaveLength(5)
      for (let n = 0; n < 5; n++) {
        const named = linesNaming(run.stderr, file, lineOf(`${prefix} ${n}`))
        expect(named).toHaveLength(1)
        expect(named[0]).toContain(`msg "${prefix} ${n}"`)
        expect(named[0]).toContain(`the key file has no key '${missing}'`)
        expect(out[lineOf(`${prefix} ${n}`) - 1]).toBe(lines(text)[lineOf(`${prefix} ${n}`) - 1])
      }
      const other = prefix === 'new' ? 'old' : 'new'
      for (let n = 0; n < 5; n++) expect((JSON.parse(out[lineOf(`${other} ${n}`) - 1]) as { token: string }).token).toBe(`${other}-token-${n}`)
    }
  })
})

describe('crypto-shredding: perSubject with a key store', () => {
  it('erasing a subject (eraseSubject, then `ringlog erase`) leaves its values sealed, counted on stderr, and opens every other', async () => {
    const dir = tempDir()
    const file = join(dir, 'app.log')
    const store = join(dir, 'subject-keys')
    const keys = writeKeyFile(dir, 'keys', `k1:${KEY1.toString('base64')}\n`)
    await writeLog(file, { paths: ['ssn', 'address.*'], key: KEY1.toString('base64'), perSubject: 'userId', keyStore: store }, (log) => {
      const alice = log.child({ userId: 'alice' })
      const bob = log.child({ userId: 'bob', address: { city: 'bob-city' } })
      for (let n = 0; n < 3; n++) {
        alice.info('alice', { n, ssn: `alice-ssn-${n}` })
        bob.info('bob', { n, ssn: `bob-ssn-${n}` })
        log.info('carol', { userId: 'carol', n, ssn: `carol-ssn-${n}`, address: { street: `carol-street-${n}` } })
        log.info('dave', { userId: 42, n, ssn: `dave-ssn-${n}` })
        withContext({ userId: 'erin' }, () => log.info('erin', { n, ssn: `erin-ssn-${n}` }))
        log.info('nobody', { n, ssn: `nobody-ssn-${n}` })
      }
    })
    const sealed = readFileSync(file, 'utf8')
    const input = lines(sealed)
    expect(sealed).not.toMatch(/-ssn-|-city|-street/)
    const refs = Object.fromEntries(['alice', 'bob', 'carol', '42', 'erin'].map((subject) => [subject, subjectRef(KEY1, subject)]))
    expect(new Set(Object.values(refs)).size).toBe(5)
    expect(readdirSync(store).sort()).toEqual(Object.values(refs).map((ref) => `${ref}.salt`).sort())
    /** How many values in the file are sealed for these subjects. */
    const countFor = (...subjects: string[]): number => (sealed.match(TOKENS) ?? []).filter((token) => subjects.some((subject) => token.startsWith(`enc:v1:k1/${refs[subject]}:`))).length
    expect(countFor('bob')).toBe(6) // three records, each with its ssn and the sealed city of the bindings
    const expected = (record: Record<string, unknown>): Record<string, unknown> => {
      const { msg, n } = record as { msg: string; n: number }
      const fields: Record<string, unknown> = { ssn: `${msg}-ssn-${n}` }
      if (msg === 'bob') fields.address = { city: 'bob-city' }
      if (msg === 'carol') fields.address = { street: `carol-street-${n}` }
      return { ...record, ...fields }
    }
    /** Decrypts; lines of the erased subjects must be the input's, every other line fully opened. */
    const decryptExpecting = (erased: string[]): void => {
      const run = ringlog(['decrypt', '--key-file', keys, '--key-store', store, file])
      const count = countFor(...erased)
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: `ringlog decrypt: ${count} values of erased subjects left sealed\n` })
      const out = lines(run.stdout.toString('utf8'))
      expect(out).toHaveLength(18)
      out.forEach((line, i) => {
        const record = JSON.parse(line) as Record<string, unknown>
        const subject = record.msg === 'dave' ? '42' : (record.msg as string)
        if (erased.includes(subject)) {
          expect(line).toBe(input[i])
        } else {
          expect(line).not.toContain(PREFIX)
          expect(record).toEqual(expected(JSON.parse(input[i]) as Record<string, unknown>))
        }
      })
    }

    // Before any erasure, everything opens.
    const before = ringlog(['decrypt', '--key-file', keys, '--key-store', store, file])
    expect({ status: before.status, stderr: before.stderr }).toEqual({ status: 0, stderr: '' })
    expect(before.stdout.toString('utf8')).not.toContain(PREFIX)

    expect(eraseSubject({ keyStore: store, keys: [KEY2, KEY1.toString('hex')], subject: 'bob' })).toBe(true)
    expect(existsSync(join(store, `${refs.bob}.salt`))).toBe(false)
    expect(eraseSubject({ keyStore: store, keys: KEY1, subject: 'bob' })).toBe(false)
    decryptExpecting(['bob'])

    const erase = ringlog(['erase', '--key-file', keys, '--key-store', store, 'carol', '42'])
    expect({ status: erase.status, stdout: erase.stdout.toString('utf8'), stderr: erase.stderr }).toEqual({ status: 0, stdout: 'erased "carol"\nerased "42"\n', stderr: '' })
    const again = ringlog(['erase', '--key-file', keys, '--key-store', store, 'carol', 'alice'])
    expect({ status: again.status, stdout: again.stdout.toString('utf8') }).toEqual({ status: 1, stdout: 'no salt for "carol"\nerased "alice"\n' })
    decryptExpecting(['bob', 'carol', '42', 'alice'])
    expect(readdirSync(store)).toEqual([`${refs.erin}.salt`])

    // Without --key-store, a subject's value cannot be opened: named, exit 1; values under the master key still open.
    const noStore = ringlog(['decrypt', '--key-file', keys, file])
    expect(noStore.status).toBe(1)
    expect(noStore.stderr).toContain('it is sealed for a subject: --key-store is needed')
    expect(noStore.stdout.toString('utf8')).toContain('"ssn":"nobody-ssn-0"')
  })
})

// ---------------------------------------------------------------------------------------------

describe('where the key comes from', () => {
  const PROVIDER = fixture('encryption-key-provider.mjs')

  it('a keyProvider module: records logged before it answers wait for it, then are sealed under its key id', async () => {
    const dir = tempDir()
    const file = join(dir, 'out.log')
    await writeLog(file, { paths: ['ssn'], keyProvider: { module: PROVIDER, options: { keyId: 'kms-2026', key: KEY2.toString('hex'), delayMs: 300 } } }, (log) => {
      for (let n = 0; n < 50; n++) log.info('early', { n, ssn: `ssn-${n}` })
    })
    const records = readRecords(file) as { n: number; ssn: string }[]
    expect(records.map((record) => record.n)).toEqual(Array.from({ length: 50 }, (_, n) => n))
    for (const record of records) {
      expect(parts(record.ssn).label).toBe('kms-2026')
      expect(openDirect(record.ssn, KEY2)).toBe(`"ssn-${record.n}"`)
    }
    const run = ringlog(['decrypt', '--key-file', writeKeyFile(dir, 'keys', `kms-2026:${KEY2.toString('base64')}\n`), file])
    expect(run.status).toBe(0)
    expect(lines(run.stdout.toString('utf8')).map((line) => (JSON.parse(line) as { ssn: string }).ssn)).toEqual(records.map((record) => `ssn-${record.n}`))
  })

  it('a keyProvider given as a file URL, which fails or gives a bad key: records are dropped, never written in clear, and the reason is on stderr without the key', async () => {
    const dir = tempDir()
    const script = (file: string, options: Record<string, unknown>): string => `
      import { createLogger } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../dist/src/index.js')).href)}
      const log = createLogger({ destination: ${JSON.stringify(file)}, encrypt: { paths: ['ssn'], keyProvider: { module: ${JSON.stringify(pathToFileURL(PROVIDER).href)}, options: ${JSON.stringify(options)} } } })
      for (let n = 0; n < 5; n++) log.info('in clear?', { ssn: 'ssn-' + n })
      await log.flush()
      console.log(JSON.stringify(log.metrics()))
      await log.close()
    `
    const cases = [
      { options: { keyId: 'kms', key: KEY1.toString('base64'), fail: 'KMS unavailable (503)' }, reason: /key provider .*encryption-key-provider\.mjs gave no key: KMS unavailable \(503\)/ },
      { options: { keyId: 'kms', key: 'not-a-key-but-a-secret-all-the-same' }, reason: /gave no key: .*encrypt\.keyProvider .*key: "\(hidden: 35 characters\)"/ },
      { options: { keyId: 'bad id', key: KEY1.toString('base64') }, reason: /gave no key: .*keyId: "bad id"/ },
    ]
    await Promise.all(cases.map(async ({ options, reason }, i) => {
      const file = join(dir, `out-${i}.log`)
      const result = await node(['--input-type=module', '-e', script(file, options)])
      expect(result.code).toBe(0)
      expect((JSON.parse(result.stdout) as { failed: number }).failed).toBe(5)
      expect(result.stderr).toMatch(reason)
      expect(result.stderr).not.toMatch(STACK_LINE)
      for (const key of [...KEY_TEXTS, 'not-a-key-but-a-secret']) expect(result.stderr).not.toContain(key)
      expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain('ssn-')
    }))
  })

  it.each([
    [`k9:${KEY1.toString('hex')}`, undefined, 'k9'],
    [KEY1.toString('base64'), undefined, 'k1'],
    [` ${KEY1.toString('base64url')} `, 'k5', 'k5'],
  ])('the variable RINGLOG_ENCRYPTION_KEY=%j (keyId option %j): sealed under id %j', async (variable, keyId, id) => {
    const file = join(tempDir(), 'out.log')
    const log = withEnv(variable, () => createLogger({ destination: file, encrypt: { paths: ['ssn'], ...(keyId === undefined ? {} : { keyId }) } }))
    log.info('from the environment', { ssn: 'S' })
    await log.close()
    const [record] = readRecords(file) as { ssn: string }[]
    expect(parts(record.ssn).label).toBe(id)
    expect(openDirect(record.ssn, KEY1)).toBe('"S"')
  })
})

describe('option errors: TypeErrors naming the option, and never the key', () => {
  const B64 = KEY1.toString('base64')
  const HEX = KEY1.toString('hex')
  const SECRET = 'hunter2-correct-horse-battery'
  const store = tempDir()

  it.each<[string, unknown, string, RegExp?]>([
    ['a key that is not 32 bytes', { paths: ['ssn'], key: SECRET }, 'encrypt.key', /\(hidden: 29 characters\)/],
    ['a hex key one byte short', { paths: ['ssn'], key: HEX.slice(2) }, 'encrypt.key', /\(hidden: 62 characters\)/],
    ['a base64 key with a character less', { paths: ['ssn'], key: B64.slice(1) }, 'encrypt.key'],
    ['a Uint8Array of 31 bytes', { paths: ['ssn'], key: new Uint8Array(KEY1.subarray(1)) }, 'encrypt.key', /\(hidden: 31 bytes\)/],
    ['a key of the wrong type', { paths: ['ssn'], key: 42 }, 'encrypt.key'],
    ['a key id with a colon', { paths: ['ssn'], key: B64, keyId: 'k1:old' }, 'encrypt.keyId'],
    ['a key id with a slash', { paths: ['ssn'], key: B64, keyId: 'k1/x' }, 'encrypt.keyId'],
    ['an empty key id', { paths: ['ssn'], key: HEX, keyId: '' }, 'encrypt.keyId'],
    ['a key id of 65 characters', { paths: ['ssn'], key: HEX, keyId: 'k'.repeat(65) }, 'encrypt.keyId'],
    ['no key at all', { paths: ['ssn'] }, 'encrypt.key', /RINGLOG_ENCRYPTION_KEY/],
    ['an unknown option', { paths: ['ssn'], key: B64, salt: 'x' }, 'encrypt.salt', /: "\(hidden\)"; expected one of paths, key, keyId, keyProvider, perSubject, keyStore$/],
    ['an unknown option holding the key (a typo)', { paths: ['ssn'], keys: B64 }, 'encrypt.keys', /: "\(hidden\)"/],
    ['another such typo', { paths: ['ssn'], Key: HEX }, 'encrypt.Key', /: "\(hidden\)"/],
    ['empty paths', { paths: [], key: B64 }, 'encrypt.paths'],
    ['no paths', { key: B64 }, 'encrypt.paths'],
    ['a path that does not parse', { paths: ['ssn', 'a..b'], key: B64 }, 'encrypt.paths[1]'],
    ['perSubject without keyStore', { paths: ['ssn'], key: B64, perSubject: 'userId' }, 'encrypt.keyStore'],
    ['keyStore without perSubject', { paths: ['ssn'], key: B64, keyStore: store }, 'encrypt.perSubject'],
    ['an empty perSubject', { paths: ['ssn'], key: B64, perSubject: '', keyStore: store }, 'encrypt.perSubject'],
    ['both key and keyProvider', { paths: ['ssn'], key: B64, keyProvider: fixture('encryption-key-provider.mjs') }, 'encrypt.key'],
    ['a keyProvider that does not exist', { paths: ['ssn'], keyProvider: join(store, 'kms.mjs') }, 'encrypt.keyProvider.module'],
    ['a key among the keyProvider options', { paths: ['ssn'], keyProvider: { module: fixture('encryption-key-provider.mjs'), key: B64 } }, 'encrypt.keyProvider.key', /: "\(hidden\)"; expected one of module, options$/],
    ['encrypt not an object', ['ssn'], 'encrypt'],
  ])('%s', (_name, encrypt, option, detail) => {
    const message = withEnv(undefined, () => optionError(() => createLogger({ destination: join(store, 'never.log'), encrypt: encrypt as EncryptOption })))
    expect(message).toMatch(new RegExp(`^ringlog: invalid option ${option.replace(/[.[\]]/g, '\\$&')}: `))
    if (detail !== undefined) expect(message).toMatch(detail)
    for (const key of [...KEY_TEXTS, SECRET]) expect(message).not.toContain(key)
    expect(existsSync(join(store, 'never.log'))).toBe(false)
  })

  it.each([
    ['a bad key', 'k1:hunter2-not-a-key', /^ringlog: invalid variable RINGLOG_ENCRYPTION_KEY: "\(hidden: 17 characters\)"/],
    ['a bad key id', `k 1:${KEY1.toString('base64')}`, /^ringlog: invalid variable RINGLOG_ENCRYPTION_KEY \(its key id\): "k 1"/],
  ])('the variable with %s', (_name, variable, expected) => {
    const message = withEnv(variable, () => optionError(() => createLogger({ destination: join(store, 'never.log'), encrypt: { paths: ['ssn'] } })))
    expect(message).toMatch(expected)
    for (const key of [...KEY_TEXTS, 'hunter2']) expect(message).not.toContain(key)
  })

  it('eraseSubject: TypeErrors naming its option, without the key', () => {
    expect(optionError(() => eraseSubject({ keyStore: '', keys: B64, subject: 'bob' }))).toMatch(/^ringlog: invalid eraseSubject keyStore: ""/)
    expect(optionError(() => eraseSubject({ keyStore: store, keys: [B64, SECRET], subject: 'bob' }))).toMatch(/^ringlog: invalid eraseSubject keys\[1\]: "\(hidden: 29 characters\)"/)
    expect(optionError(() => eraseSubject({ keyStore: store, keys: B64, subject: 42 as unknown as string }))).toMatch(/^ringlog: invalid eraseSubject subject: 42/)
  })

  it('a bad key file: `ringlog decrypt` and `ringlog erase` exit 2 naming the file and the key id, never the key', () => {
    const dir = tempDir()
    for (const [text, named] of [[`k1:${B64}\nk2:${SECRET}\n`, "key 'k2'"], [JSON.stringify({ k1: HEX, k2: HEX.slice(1) }), "key 'k2'"], [`${B64.slice(3)}\n`, "key 'k1'"]] as const) {
      const keys = writeKeyFile(dir, 'keys', text)
      for (const args of [['decrypt', '--key-file', keys], ['erase', '--key-file', keys, '--key-store', dir, 'bob']]) {
        const run = ringlog(args, '')
        expect(run.status).toBe(2)
        expect(run.stderr).toContain(`key file ${keys}: ${named}`)
        for (const key of [...KEY_TEXTS, SECRET, B64.slice(3), HEX.slice(1)]) expect(run.stderr).not.toContain(key)
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Fuzz

const FUZZ_LINES = 1000

/** Tokens that start like a sealed value and are broken in every way the parser must refuse. */
function brokenToken(random: Random, good: readonly string[]): string {
  const piece = (): string => random.pick(['k1', 'k2', 'zz', '', '/', ':', '//', 'k1/', 'a'.repeat(65), '..', 'é', '%', '=', '+', '\\"', 'AAAA', '-_', 'k1/AAAAAAAAAAAAAAAAAAAAAA', '\u0000', '😀'])
  return random.weighted<string>([
    [3, () => PREFIX + Array.from({ length: random.int(6) }, piece).join('')],
    [2, () => `${PREFIX}${random.pick(['k1', 'k2', 'zz', 'k1/AAAAAAAAAAAAAAAAAAAAAA'])}:${Buffer.from(Array.from({ length: random.int(80) }, () => random.int(256))).toString('base64url')}`],
    [3, () => {
      // A good value, changed: a character replaced, cut, grown, or its label swapped.
      const sealed = random.pick(good)
      const at = PREFIX.length + random.int(sealed.length - PREFIX.length)
      return random.pick([
        () => sealed.slice(0, at) + random.pick(['A', '_', '-', '0', ':', '/', '=', '"']) + sealed.slice(at + 1),
        () => sealed.slice(0, at),
        () => sealed + random.pick(['A', 'AA', '=', 'AAAA']),
        () => sealed.replace(/^enc:v1:[^:]+:/, `${PREFIX}${random.pick(['k2', 'k1/AAAAAAAAAAAAAAAAAAAAAA', 'k1', 'zz/x'])}:`),
      ])()
    }],
    [1, () => random.pick(good)],
  ])
}

function hostileLine(random: Random, good: readonly string[]): Buffer {
  const token = (): string => brokenToken(random, good)
  return random.weighted<Buffer>([
    // Any byte but the line feed, so that line i of the output is line i of the input.
    [3, () => Buffer.from(Array.from({ length: random.int(200) }, () => random.int(256)).map((byte) => (byte === 10 ? 11 : byte)))],
    [4, () => Buffer.from(JSON.stringify({ time: '2026-05-17T09:30:00.250Z', level: 'info', msg: `m${random.int(100)}`, v: token() }))],
    [2, () => Buffer.from(`level=info msg=${random.int(100)} v=${token()} w=${token()},${token()};'${token()}'`)],
    [1, () => Buffer.from(`{"msg":"escaped","v":"${token()}\\"${token()}","w":"\\\\${token()}"}`)],
    [1, () => Buffer.from(JSON.stringify({ msg: { not: 'a string' }, time: [1, 2], a: [[{ b: token() }, token()]], [token()]: token() }))],
    [1, () => Buffer.from(random.pick([`"${token()}"`, `[${JSON.stringify(token())}]`, `null ${token()}`, `   {"msg":"indented","v":"${token()}"}`, `{${token()}`, `{"v":"${token()}`]))],
    [1, () => Buffer.concat([Buffer.from('{"msg":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(`","v":"${token()}"}`)])],
    [1, () => Buffer.from(Array.from({ length: 200 + random.int(2000) }, () => token()).join(random.pick([' ', '","', '\t'])))],
  ])
}

describe(`ringlog decrypt fed hostile input (seed ${SEED})`, () => {
  it(`${FUZZ_LINES} hostile lines in one stream: exit 1, no stack trace, one line out for each line in, the good values opened`, async () => {
    const dir = tempDir()
    const store = join(dir, 'subject-keys')
    const file = join(dir, 'good.log')
    await writeLog(file, { paths: ['v'], key: KEY1.toString('base64'), perSubject: 'user', keyStore: store }, (log) => {
      for (let n = 0; n < 20; n++) log.info('good', { user: n % 2 === 0 ? `u${n}` : undefined, v: `good-value-${n}` })
    })
    const good = (readRecords(file) as { v: string }[]).map((record) => record.v)
    const random = new Random(SEED)
    const input = Array.from({ length: FUZZ_LINES }, () => hostileLine(random, good))
    // A line of 2 MB that looks like one sealed value, and one of 20,000 tokens that are not.
    input.push(Buffer.from(`{"msg":"huge","v":"enc:v1:k1:${'A'.repeat(2 * 1024 * 1024)}"}`))
    input.push(Buffer.from(`${PREFIX}k1: `.repeat(20_000)))
    const stream = Buffer.concat(input.flatMap((line) => [line, Buffer.from('\n')]))
    const keys = writeKeyFile(dir, 'keys', JSON.stringify({ k1: KEY1.toString('base64'), k2: KEY2.toString('base64') }))

    const run = ringlog(['decrypt', '--key-file', keys, '--key-store', store], stream)
    expect(run.status).toBe(1)
    expect(run.stderr).not.toMatch(STACK_LINE)
    // One line for each value that failed, naming it; and, last, how many were sealed for a subject
    // without a salt (tokens given a well-formed reference of no subject look erased).
    const told = lines(run.stderr)
    expect(told.slice(0, -1).filter((line) => !/^ringlog decrypt: stdin line \d+[ :]/.test(line)).slice(0, 5)).toEqual([])
    expect(told.at(-1)).toMatch(/^ringlog decrypt: \d+ values of erased subjects left sealed$/)
    const out = run.stdout.toString('latin1').split('\n')
    expect(out).toHaveLength(input.length + 1)
    // A line without a sealed value in valid UTF-8 is written as it came.
    input.forEach((line, i) => {
      if (!line.includes(PREFIX) && Buffer.from(line.toString('utf8')).equals(line)) expect(out[i]).toBe(line.toString('latin1'))
    })
    // The good values given whole, in JSON, were opened.
    const opened = run.stdout.toString('utf8').match(/good-value-\d+/g) ?? []
    const given = input.filter((line) => line.toString('utf8').includes(`"${good[0]}"`)).length
    expect(opened.length).toBeGreaterThan(0)
    expect(opened.filter((value) => value === 'good-value-0').length).toBeGreaterThanOrEqual(given)
  })

  it('whole files: empty, gzip (whole, cut, garbage), binary, missing, a directory, bad flags and key files: exit 0, 1 or 2 with no stack trace', async () => {
    const dir = tempDir()
    const random = new Random(SEED ^ 0x5eed)
    const file = join(dir, 'app.log')
    const plain = join(dir, 'plain.log')
    const body = (log: RingLogger): void => {
      for (let n = 0; n < 200; n++) log.info('record', { n, ssn: `ssn-${n}`, pad: 'x'.repeat(n) })
    }
    await writeLog(file, { paths: ['ssn'], key: KEY1.toString('base64') }, body)
    await writeLog(plain, undefined, body)
    const keys = writeKeyFile(dir, 'keys', `k1:${KEY1.toString('base64')}\n`)
    const gzipped = gzipSync(readFileSync(file))
    const write = (name: string, bytes: Buffer | string): string => {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      return path
    }
    const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => random.int(256)))
    mkdirSync(join(dir, 'a-directory'))

    /** `ringlog decrypt` with the key file, and the rest. */
    const decrypt = (...rest: string[]): string[] => ['decrypt', '--key-file', keys, ...rest]
    const cases: { name: string; args: string[]; input?: Buffer; codes: number[]; stdout?: Buffer }[] = [
      { name: 'an empty file', args: decrypt(write('empty.log', '')), codes: [0], stdout: Buffer.alloc(0) },
      { name: 'the log gzipped', args: decrypt(write('app.log.gz', gzipped)), codes: [0], stdout: readFileSync(plain) },
      { name: 'the log on stdin', args: decrypt(), input: readFileSync(file), codes: [0], stdout: readFileSync(plain) },
      { name: 'the log without its last line feed', args: decrypt(write('cut.log', readFileSync(file).subarray(0, -1))), codes: [0], stdout: readFileSync(plain).subarray(0, -1) },
      { name: 'the log with CRLF', args: decrypt(write('crlf.log', readFileSync(file, 'utf8').replace(/\n/g, '\r\n'))), codes: [0], stdout: Buffer.from(readFileSync(plain, 'utf8').replace(/\n/g, '\r\n')) },
      { name: 'only line feeds', args: decrypt(write('lf.log', '\n'.repeat(10_000))), codes: [0], stdout: Buffer.from('\n'.repeat(10_000)) },
      { name: 'NUL bytes', args: decrypt(write('nul.log', Buffer.alloc(65_536))), codes: [0] },
      { name: 'a missing file', args: decrypt(join(dir, 'missing.log')), codes: [2] },
      { name: 'a directory', args: decrypt(join(dir, 'a-directory')), codes: [2] },
      { name: 'a good file, then a missing one', args: decrypt(file, join(dir, 'missing.log')), codes: [2] },
      { name: 'no --key-file', args: ['decrypt', file], codes: [2] },
      { name: 'an unknown flag', args: decrypt('--bogus', file), codes: [2] },
      { name: 'a missing key file', args: ['decrypt', '--key-file', join(dir, 'no-keys'), file], codes: [2] },
      { name: 'an empty key file', args: ['decrypt', '--key-file', write('empty-keys', ''), file], codes: [2] },
      { name: 'a binary key file', args: ['decrypt', '--key-file', write('binary-keys', randomBytes(300)), file], codes: [2] },
      { name: 'a key file of broken JSON', args: ['decrypt', '--key-file', write('broken-keys', '{"k1": '), file], codes: [2] },
      { name: 'a key file of a JSON array', args: ['decrypt', '--key-file', write('array-keys', '["k1"]'), file], codes: [2] },
      { name: 'the key file a directory', args: ['decrypt', '--key-file', join(dir, 'a-directory'), file], codes: [2] },
      { name: 'a key store that is a file', args: decrypt('--key-store', keys, write('subject.log', `{"v":"${PREFIX}k1/AAAAAAAAAAAAAAAAAAAAAA:${'A'.repeat(40)}"}\n`)), codes: [1, 2] },
      { name: '--help', args: decrypt('--help'), codes: [0] },
      { name: 'erase without options', args: ['erase'], codes: [2] },
      { name: 'erase without --key-store', args: ['erase', '--key-file', keys, 'bob'], codes: [2] },
      { name: 'erase in a key store that is not there', args: ['erase', '--key-file', keys, '--key-store', join(dir, 'nowhere'), 'bob'], codes: [1] },
      { name: 'erase with a binary key file', args: ['erase', '--key-file', write('bad-keys', randomBytes(64)), '--key-store', dir, 'bob'], codes: [2] },
    ]
    for (let i = 0; i < 6; i++) cases.push({ name: `the gzip cut at a random byte (${i})`, args: decrypt(write(`cut-${i}.gz`, gzipped.subarray(0, 2 + random.int(gzipped.length - 2)))), codes: [0, 1, 2] })
    for (let i = 0; i < 6; i++) cases.push({ name: `gzip magic and garbage (${i})`, args: decrypt(write(`garbage-${i}.gz`, Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(random.int(5000))]))), codes: [0, 1, 2] })
    for (let i = 0; i < 6; i++) {
      const bytes = Buffer.from(gzipped)
      for (let flips = 1 + random.int(4); flips > 0; flips--) bytes[10 + random.int(bytes.length - 10)] ^= 1 << random.int(8)
      cases.push({ name: `the gzip with bits flipped (${i})`, args: decrypt(write(`flipped-${i}.gz`, bytes)), codes: [0, 1, 2] })
    }
    for (let i = 0; i < 6; i++) cases.push({ name: `random bytes (${i})`, args: decrypt(write(`random-${i}.bin`, randomBytes(1 + random.int(200_000)))), codes: [0] })

    // A few at a time: the machine has two cores.
    const results: Run[] = []
    for (let i = 0; i < cases.length; i += 6) results.push(...await Promise.all(cases.slice(i, i + 6).map(({ args, input }) => ringlogAsync(args, input))))
    cases.forEach((c, i) => {
      const { status, stderr, stdout } = results[i]
      expect({ case: c.name, stack: STACK_LINE.test(stderr) }).toEqual({ case: c.name, stack: false })
      expect({ case: c.name, status: c.codes.includes(status!) ? 'as expected' : status, stderr: c.codes.includes(status!) ? '' : stderr.slice(0, 300) }).toEqual({ case: c.name, status: 'as expected', stderr: '' })
      if (status === 2) expect({ case: c.name, stderr: /^ringlog (decrypt|erase): /.test(stderr) }).toEqual({ case: c.name, stderr: true })
      if (c.stdout !== undefined) expect({ case: c.name, same: stdout.equals(c.stdout) }).toEqual({ case: c.name, same: true })
    })
  })
})
