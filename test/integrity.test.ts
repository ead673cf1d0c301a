/**
 * Tamper evidence (`integrity` on a file sink, `ringlog verify`): 100,000 lines over rotated,
 * gzipped files verify; 200 seeded trials each change, delete, insert or swap one line of one of
 * the files, and the verifier must name exactly the first line that differs from what was written;
 * a missing middle file is named. The chain goes on across processes, and an unsealed end (a process
 * killed) is reported unless --open. INTEGRITY_SEED=<n> runs other trials.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { createLogger, verifyLogs } from '../dist/src/index.js'
import { keyRing } from '../dist/src/encryption/key-material.js'
import { verifyFiles } from '../dist/src/integrity/verify-files.js'
import { cli } from './helpers/cli.js'
import { fixture, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.INTEGRITY_SEED ?? 0x1a7e) >>> 0
const KEY = 'c0ffee'.repeat(10) + 'c0de'
const keys = { hmac: keyRing('test', `k1:${KEY}`) }

function lines(path: string): string[] {
  const bytes = readFileSync(path)
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
}

function write(path: string, content: string[]): void {
  const text = Buffer.from(content.length === 0 ? '' : `${content.join('\n')}\n`)
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(text, { level: 1 }) : text)
}

/** The first line (from 1) where `changed` differs from `original`. */
function firstDifference(original: string[], changed: string[]): number {
  let i = 0
  while (i < original.length && i < changed.length && original[i] === changed[i]) i++
  return i + 1
}

describe('100,000 lines over rotated, gzipped files', () => {
  const dir = tempDir()
  const keyFile = join(dir, 'keys.txt')
  let files: string[] = []

  beforeAll(async () => {
    writeFileSync(keyFile, `k1:${KEY}\n`)
    const log = createLogger({ sinks: [{ type: 'file', path: join(dir, 'logs', 'app.log'), rotate: { size: '2400 KiB' }, compress: 'gzip', integrity: { key: KEY } }] })
    for (let i = 0; i < 100_000; i++) log.info({ i, user: `u${i % 97}`, path: '/api/orders' }, 'request handled')
    await log.close()
    files = readdirSync(join(dir, 'logs')).map((name) => join(dir, 'logs', name))
  }, 120_000)

  it('verify, given in any order: every line, every checkpoint', async () => {
    expect(files.length).toBe(5)
    expect(files.filter((file) => file.endsWith('.gz'))).toHaveLength(4)
    const verified = await verifyFiles([...files].reverse(), keys)
    expect(verified).toMatchObject({ ok: true, lines: 100_000 })
    const records = files.flatMap(lines).filter((line) => !line.startsWith('{"ringlog":"checkpoint"')).map((line) => JSON.parse(line) as { i: number })
    expect(records.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 100_000 }, (_, i) => i))
    const run = await cli(['verify', '--key-file', keyFile, ...files])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^verified: 100000 lines, \d+ checkpoints, 5 files/)
  })

  it('200 trials: one line changed, deleted, inserted or swapped is found, and the first differing line named', async () => {
    const random = new Random(SEED)
    const originals = new Map(files.map((file) => [file, lines(file)]))
    const all = [...originals.values()].flat()
    const kinds = { change: 0, delete: 0, insert: 0, swap: 0, checkpoint: 0 }
    for (let trial = 0; trial < 200; trial++) {
      const file = random.pick(files)
      const original = originals.get(file)!
      const changed = [...original]
      // Checkpoint lines are one in thousands: some trials aim at them.
      const checkpoints = original.flatMap((line, i) => (line.startsWith('{"ringlog"') ? [i] : []))
      const k = random.chance(0.2) ? random.pick(checkpoints) : random.int(original.length)
      const kind = random.pick(['change', 'delete', 'insert', 'swap'] as const)
      kinds[kind]++
      if (original[k].startsWith('{"ringlog"')) kinds.checkpoint++
      if (kind === 'change') {
        const at = random.int(original[k].length)
        changed[k] = original[k].slice(0, at) + (original[k][at] === 'x' ? 'y' : 'x') + original[k].slice(at + 1)
      } else if (kind === 'delete') {
        changed.splice(k, 1)
      } else if (kind === 'insert') {
        changed.splice(k, 0, random.chance(0.5) ? random.pick(all) : '{"time":"2026-12-06T10:00:00.000Z","level":"info","msg":"inserted"}')
      } else {
        const j = random.chance(0.5) ? Math.min(k + 1, original.length - 1) : random.int(original.length)
        ;[changed[k], changed[j]] = [changed[j], changed[k]]
      }
      const expected = firstDifference(original, changed)
      if (expected > changed.length && expected > original.length) continue // swapped a line with itself
      const tampered = join(dir, `trial-${trial}-${file.split('/').pop()!}`)
      write(tampered, changed)
      const verified = await verifyFiles(files.map((f) => (f === file ? tampered : f)), keys)
      expect(verified, `trial ${trial}: ${kind} at line ${k + 1} of ${file}`).toMatchObject({ ok: false, file: tampered, line: expected })
    }
    // Every kind was tried, checkpoint lines among them.
    for (const count of Object.values(kinds)) expect(count).toBeGreaterThan(5)
  }, 240_000)

  it('a whole middle file deleted: the file after the gap is named, at its first line', async () => {
    const verified = await verifyFiles(files, keys)
    const order = (verified as { files: string[] }).files
    for (const missing of [1, 2, 3]) {
      const result = await verifyFiles(order.filter((_, i) => i !== missing), keys)
      expect(result).toMatchObject({ ok: false, file: order[missing + 1], line: 1 })
      expect((result as { message: string }).message).toMatch(/a file of the chain is missing/)
    }
    const run = await cli(['verify', '--key-file', keyFile, order[0], order[2]])
    expect(run.code).toBe(1)
    expect(run.stdout.startsWith(`${order[2]}:1: `)).toBe(true)
    expect(run.stdout).toMatch(/a file of the chain is missing.*\n$/)
  })

  it('a wrong key: the first checkpoint does not hold', async () => {
    const other = keyRing('test', `k1:${'ab'.repeat(32)}`)
    expect(await verifyFiles(files, { hmac: other })).toMatchObject({ ok: false, line: 1, message: 'checkpoint 0: its MAC does not hold' })
    expect(await verifyFiles(files, { hmac: keyRing('test', `k2:${KEY}`) })).toMatchObject({ ok: false, line: 1, message: "checkpoint 0: it is an HMAC under key 'k1', which the key file does not have" })
  })
})

describe('the chain across processes', () => {
  const writer = fixture('integrity-writer.mjs')
  const run = (path: string, count: number, end: 'close' | 'kill', first: number): void => {
    try {
      execFileSync(process.execPath, [writer, path, String(count), KEY, end, String(first)], { stdio: 'pipe' })
    } catch (error) {
      if (end !== 'kill') throw error
    }
  }

  it('a process that appends takes the chain up; one killed leaves its end unsealed until the next seals it', async () => {
    const dir = tempDir()
    const path = join(dir, 'app.log')
    run(path, 300, 'close', 0)
    run(path, 300, 'close', 300)
    expect(await verifyFiles([path], keys)).toMatchObject({ ok: true, lines: 600 })
    run(path, 200, 'kill', 600)
    const unsealed = lines(path).length
    expect(await verifyFiles([path], keys)).toMatchObject({ ok: false, line: unsealed + 1 })
    expect((await verifyFiles([path], keys)) as { message: string }).toMatchObject({ message: expect.stringMatching(/^missing: the file ends without the checkpoint that seals lines \d+-\d+/) })
    expect(await verifyFiles([path], keys, true)).toMatchObject({ ok: true, lines: 800 })
    const keyPath = join(dir, 'k')
    writeFileSync(keyPath, KEY)
    expect(await cli(['verify', '--open', '--key-file', keyPath, path])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^verified: 800 lines/) })
    expect(await cli(['verify', '--key-file', keyPath, path])).toMatchObject({ code: 1, stdout: expect.stringMatching(new RegExp(`:${unsealed + 1}: missing: `)) })
    run(path, 100, 'close', 800)
    expect(await verifyFiles([path], keys)).toMatchObject({ ok: true, lines: 900 })
    const records = lines(path).filter((line) => !line.startsWith('{"ringlog"')).map((line) => (JSON.parse(line) as { i: number }).i)
    expect(records).toEqual(Array.from({ length: 900 }, (_, i) => i))
  }, 60_000)
})

describe('reopening and old logs', () => {
  it('log.reopen() after logrotate renamed the file: the renamed file is sealed, the new one continues the chain', async () => {
    const dir = tempDir()
    const path = join(dir, 'app.log')
    const log = createLogger({ sinks: [{ type: 'file', path, integrity: { key: KEY } }] })
    for (let i = 0; i < 3; i++) log.info({ i }, 'before')
    await log.flush()
    renameSync(path, `${path}.1`)
    await log.reopen()
    for (let i = 0; i < 3; i++) log.info({ i }, 'after')
    await log.close()
    expect(await verifyFiles([path, `${path}.1`], keys)).toMatchObject({ ok: true, lines: 6, files: [`${path}.1`, path] })
  })

  it('integrity turned on for a large log written without it: the first write does not read it all, and the chain starts after it', async () => {
    const dir = tempDir()
    const path = join(dir, 'old.log')
    writeFileSync(path, `${'{"level":30,"msg":"written before integrity"}\n'.repeat(200_000)}`)
    const started = performance.now()
    const log = createLogger({ sinks: [{ type: 'file', path, integrity: { key: KEY } }] })
    log.info('the first sealed line')
    await log.close()
    expect(performance.now() - started).toBeLessThan(5000)
    expect(await verifyFiles([path], keys)).toMatchObject({ ok: false, line: 1, message: 'lines 1-200000 come before the first checkpoint: the chain does not cover them' })
  })
})

describe('Ed25519', () => {
  it('checkpoints signed with the private key verify with the public key, and only with it', async () => {
    const dir = tempDir()
    const path = join(dir, 'audit.log')
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const log = createLogger({ sinks: [{ type: 'file', path, integrity: { privateKey: pem, keyId: 'audit-2026', checkpointLines: 100 } }] })
    for (let i = 0; i < 1050; i++) log.info({ i }, 'payment captured')
    await log.close()
    const publicFile = join(dir, 'public.pem')
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }))
    const good = await cli(['verify', '--public-key', publicFile, path])
    expect(good.code).toBe(0)
    expect(good.stdout).toMatch(/^verified: 1050 lines, \d+ checkpoints, 1 file/)
    const checkpoints = lines(path).filter((line) => line.startsWith('{"ringlog"')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(checkpoints[0]).toMatchObject({ v: 1, kid: 'audit-2026', alg: 'ed25519', seq: 0, lines: 0, total: 0, prev: '', reason: 'start' })
    expect(checkpoints.at(-1)).toMatchObject({ total: 1050, reason: expect.stringMatching(/^(interval|close)$/) })
    const changed = lines(path)
    changed[500] = changed[500].replace('payment captured', 'payment refunded')
    write(path, changed)
    const bad = await cli(['verify', '--public-key', publicFile, path])
    expect(bad).toMatchObject({ code: 1, stdout: `${path}:501: changed, inserted or moved (checkpoint ${(JSON.parse(changed.slice(500).find((l) => l.startsWith('{"ringlog"'))!) as { seq: number }).seq} sealed another line here)\n` })
    const otherFile = join(dir, 'other.pem')
    writeFileSync(otherFile, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }))
    expect(await cli(['verify', '--public-key', otherFile, path])).toMatchObject({ code: 1, stdout: `${path}:1: checkpoint 0: its signature does not hold\n` })
  })
})

function expectOptionError(fn: () => unknown, where: string, expected: string): void {
  const message = optionError(fn)
  expect(message).toContain(`invalid ${where}:`)
  expect(message).toContain(expected)
}

describe('integrity options', () => {
  it('bad ones are named; a key never shows', () => {
    const file = (integrity: unknown) => () => createLogger({ sinks: [{ type: 'file', path: '/tmp/never.log', integrity } as never] })
    expectOptionError(file({}), 'option sinks[0].integrity.key', 'an HMAC key (32 bytes), or privateKey: an Ed25519 private key in PEM')
    expectOptionError(file({ key: 'secret-key-text' }), 'option sinks[0].integrity.key', '32 bytes')
    expect(file({ key: 'secret-key-text' })).toThrow(/\(hidden: 15 characters\)/)
    expect(file({ key: 'secret-key-text' })).not.toThrow(/secret-key-text/)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    expectOptionError(file({ privateKey: rsa }), 'option sinks[0].integrity.privateKey', 'an Ed25519 private key in PEM (this one is rsa)')
    expectOptionError(file({ key: KEY, checkpointLines: 0 }), 'option sinks[0].integrity.checkpointLines', 'a whole number of lines, 1 or more')
    expectOptionError(file({ key: KEY, keyId: 'a:b' }), 'option sinks[0].integrity.keyId', 'a key id')
    // A key under a misspelt name, or where the object goes, is not shown either.
    expect(file({ Key: KEY })).toThrow(/invalid option sinks\[0\]\.integrity\.Key: "\(hidden\)"/)
    expect(file(KEY)).toThrow(/invalid option sinks\[0\]\.integrity: "\(hidden\)"/)
    expect(file({ Key: KEY })).not.toThrow(new RegExp(KEY))
    expect(() => verifyLogs(['x.log'], { key: KEY } as never)).toThrow(/\(hidden: key\)/)
    expect(() => verifyLogs(['x.log'], { key: KEY } as never)).not.toThrow(new RegExp(KEY))
    expectOptionError(() => createLogger({ sinks: [{ type: 'stdout', integrity: { key: KEY } } as never] }), 'option sinks[0].integrity', 'file')
  })
})
