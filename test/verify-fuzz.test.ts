/**
 * `ringlog verify` and `ringlog schema --check` fed hostile files: 1,000 seeded files for the
 * verifier in-process (random bytes, checkpoint lines with every wrong type, real checkpoints cut,
 * mutated, repeated, out of order, gzip that is not), each ending in a verdict and never an
 * exception; and whole files through the command, which must exit 1 or 2 with a message and no
 * stack trace. VERIFY_FUZZ_SEED=<n> runs another seed.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { keyRing } from '../dist/src/encryption/key-material.js'
import { verifyFiles } from '../dist/src/integrity/verify-files.js'
import { CLI } from './helpers/cli.js'
import { tempDir } from './helpers/files.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.VERIFY_FUZZ_SEED ?? 0xf022) >>> 0
const KEY = '0123456789abcdef'.repeat(4)
const keys = { hmac: keyRing('test', KEY) }
const STACK = /^\s+at /m

describe(`verify fed 1,000 hostile files (seed ${SEED})`, () => {
  const dir = tempDir()
  let good: string[] = []

  beforeAll(async () => {
    const path = join(dir, 'good.log')
    const log = createLogger({ sinks: [{ type: 'file', path, integrity: { key: KEY, checkpointLines: 5 } }] })
    for (let i = 0; i < 40; i++) {
      log.info({ i }, 'good')
      if (i % 7 === 0) await log.flush()
    }
    await log.close()
    good = readFileSync(path, 'utf8').trimEnd().split('\n')
  })

  it('every file gets a verdict: the real chain verifies, every other names a line', async () => {
    const random = new Random(SEED)
    const checkpoints = good.filter((line) => line.startsWith('{"ringlog"'))
    const wrong = (): unknown => random.pick<() => unknown>([() => null, () => -1, () => 1.5, () => 'x', () => [], () => ({}), () => 2 ** 60, () => '\u0000', () => true])()
    const hostileLine = (): string => random.weighted<string>([
      [3, () => Buffer.from(Array.from({ length: random.int(120) }, () => random.int(256))).toString('latin1')],
      [3, () => {
        const checkpoint = JSON.parse(random.pick(checkpoints)) as Record<string, unknown>
        checkpoint[random.pick(['v', 'kid', 'alg', 'seq', 'lines', 'total', 'prev', 'digest', 'hashes', 'reason', 'time', 'mac'])] = wrong()
        return JSON.stringify(checkpoint)
      }],
      [2, () => random.pick(checkpoints).slice(0, random.int(200))],
      [2, () => random.pick(good)],
      [1, () => `{"ringlog":"checkpoint",${'x'.repeat(random.int(3000))}`],
      [1, () => `{"ringlog":"checkpoint","v":1,"kid":"k1","alg":"ed25519","seq":0,"lines":0,"total":0,"prev":"","digest":"","hashes":"","reason":"start","time":"","mac":"${'A'.repeat(random.int(100))}"}`],
      [1, () => '{"a":'.repeat(random.int(3000))],
    ])
    const verdicts = { ok: 0, named: 0 }
    for (let n = 0; n < 1000; n++) {
      const content = random.chance(0.3) ? [...good] : Array.from({ length: 1 + random.int(8) }, hostileLine)
      for (let edits = random.int(4); edits > 0; edits--) content.splice(random.int(content.length + 1), random.int(2), hostileLine())
      const file = join(dir, `hostile-${n}.log${random.chance(0.1) ? '.gz' : ''}`)
      const text = Buffer.from(content.join('\n') + (random.chance(0.8) ? '\n' : ''), 'latin1')
      writeFileSync(file, file.endsWith('.gz') && random.chance(0.7) ? gzipSync(text) : text)
      let verdict
      try {
        verdict = await verifyFiles([file], keys, random.chance(0.5))
      } catch (error) {
        // Only a gzip file that is not one may fail to be read, and it says so.
        expect(file.endsWith('.gz'), `file ${n}: ${(error as Error).stack}`).toBe(true)
        expect((error as Error).message).toMatch(/header|check|end of file|unexpected/i)
        continue
      }
      if (verdict.ok) verdicts.ok++
      else {
        verdicts.named++
        expect(verdict.line).toBeGreaterThanOrEqual(1)
        expect(verdict.message.length).toBeGreaterThan(5)
      }
    }
    expect(verdicts.named).toBeGreaterThan(900)
    expect(await verifyFiles([join(dir, 'good.log')], keys)).toMatchObject({ ok: true, lines: 40 })
  }, 120_000)

  it.each([
    ['random bytes', () => Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255))],
    ['an empty file', () => Buffer.alloc(0)],
    ['gzip cut short', () => gzipSync(Buffer.from(good.join('\n'))).subarray(0, 40)],
    ['gzip magic, then garbage', () => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)])],
    ['a 10 MB line', () => Buffer.from(`{"ringlog":"checkpoint",${'y'.repeat(10 << 20)}\n`)],
    ['NUL bytes and escapes', () => Buffer.from(`\u0000\u001b[31m${good[0]}\u0000\n`)],
  ])('the command on %s: exits 1 or 2 with a message, no stack trace', (_, make) => {
    const file = join(dir, 'whole.log')
    writeFileSync(file, make())
    const keyFile = join(dir, 'key.txt')
    writeFileSync(keyFile, KEY)
    const result = spawnSync(process.execPath, [CLI, 'verify', '--key-file', keyFile, file], { encoding: 'utf8', timeout: 60_000 })
    expect([1, 2]).toContain(result.status)
    expect(result.stdout + result.stderr).toContain(file)
    expect(result.stderr).not.toMatch(STACK)
  })

  it.each([
    ['no key file', ['verify', 'x.log'], /--key-file or --public-key is needed/],
    ['a missing file', ['verify', '--key-file', '__KEY__', '/nonexistent/app.log'], /ENOENT/],
    ['a directory', ['verify', '--key-file', '__KEY__', '__DIR__'], /EISDIR/],
    ['a key file that is not one', ['verify', '--key-file', '__BADKEY__', 'x.log'], /key file .*expected/],
    ['a public key that is not one', ['verify', '--public-key', '__BADKEY__', 'x.log'], /not a public key in PEM/],
    ['an unknown flag', ['verify', '--keyfile', 'k', 'x.log'], /Unknown option '--keyfile'/],
    ['schema --check of random bytes', ['schema', '--check', '__RANDOM__', '__MODULE__'], /ringlog schema: /],
    ['schema --check of a JSON that is no schema', ['schema', '--check', '__NOTSCHEMA__', '__MODULE__'], /ringlog schema: not a ringlog schema document/],
  ])('%s: exits 2 with a message, no stack trace', (_, args, message) => {
    const keyFile = join(dir, 'key.txt')
    writeFileSync(keyFile, KEY)
    writeFileSync(join(dir, 'bad.key'), 'not a key at all\n')
    writeFileSync(join(dir, 'random.json'), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) & 255)))
    writeFileSync(join(dir, 'notschema.json'), JSON.stringify({ $defs: 5, events: [null, { name: [] }], oneOf: 'x' }))
    mkdirSync(join(dir, 'adir'), { recursive: true })
    writeFileSync(join(dir, 'events.mjs'), "export {}\n")
    const replaced = args.map((arg) => ({
      __KEY__: keyFile, __DIR__: join(dir, 'adir'), __BADKEY__: join(dir, 'bad.key'), __RANDOM__: join(dir, 'random.json'),
      __NOTSCHEMA__: join(dir, 'notschema.json'), __MODULE__: join(dir, 'events.mjs'),
    } as Record<string, string>)[arg] ?? arg)
    const result = spawnSync(process.execPath, [CLI, ...replaced], { encoding: 'utf8', timeout: 60_000, cwd: dir })
    expect(result.status).toBe(2)
    expect(result.stdout + result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(STACK)
  })
})
