/** `preset: 'audit'`: what it sets, what it refuses, and a chain that survives SIGKILL after each flush. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { resolveOptions } from '../dist/src/config.js'
import { keyRing } from '../dist/src/encryption/key-material.js'
import { verifyFiles } from '../dist/src/integrity/verify-files.js'
import { fixture, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'

const KEY = '5eed'.repeat(16)
const file = (extra: Record<string, unknown> = {}) => ({ type: 'file' as const, path: '/tmp/ringlog-audit-never.log', integrity: { key: KEY }, ...extra })

describe("preset: 'audit'", () => {
  it('makes every file sink fsync and blocks without a time limit', () => {
    const resolved = resolveOptions({ preset: 'audit', sinks: [file(), file({ path: '/tmp/ringlog-audit-never-2.log' })] })
    expect(resolved.onFull).toBe('block')
    expect(resolved.blockTimeoutMs).toBe(Infinity)
    expect(resolved.sinks.map((sink) => (sink as { file?: { fsync?: boolean; integrity?: unknown } }).file)).toMatchObject([
      { fsync: true, integrity: { alg: 'hmac-sha256', kid: 'k1' } },
      { fsync: true, integrity: { alg: 'hmac-sha256', kid: 'k1' } },
    ])
    expect(resolveOptions({ preset: 'audit', blockTimeoutMs: 30_000, sinks: [file()] }).blockTimeoutMs).toBe(30_000)
  })

  it.each([
    [{ sinks: undefined }, "option sinks: undefined; expected file sinks with integrity, as preset 'audit' needs"],
    [{ sinks: [{ type: 'stdout' }] }, `option sinks[0].type: "stdout"; expected 'file': preset 'audit' writes files only`],
    [{ sinks: [file({ durability: 'none' })] }, `option sinks[0].durability: "none"; expected 'fsync' or nothing`],
    [{ sinks: [file({ integrity: undefined })] }, "option sinks[0].integrity: undefined; expected { key } or { privateKey }"],
    [{ sinks: [file()], onFull: 'drop' }, `option onFull: "drop"; expected 'block' or nothing`],
    [{ sinks: [file()], sample: { rate: 0.5 } }, `option sample: {"rate":0.5}; expected nothing: preset 'audit' keeps every record`],
    [{ sinks: [file()], rateLimit: { rate: 10 } }, 'option rateLimit:'],
    [{ sinks: [file()], dedupe: true }, 'option dedupe: true'],
    [{ sinks: [file()], fingersCrossed: true }, 'option fingersCrossed: true'],
    [{ preset: 'compliance', sinks: [file()] }, `option preset: "compliance"; expected one of 'audit'`],
  ])('refuses what contradicts it: %j', (options, message) => {
    expect(optionError(() => createLogger({ preset: 'audit', ...options } as never))).toContain(`invalid ${message}`)
  })

  it('killed (SIGKILL) right after each awaited flush, 10 times: every flushed record is there, and the chain verifies', async () => {
    const dir = tempDir()
    const path = join(dir, 'audit.log')
    let flushed = 0
    for (let run = 0; run < 10; run++) {
      const result = spawnSync(process.execPath, [fixture('audit-writer.mjs'), path, String(flushed), '200', KEY], { encoding: 'utf8', timeout: 30_000 })
      expect(result.signal).toBe('SIGKILL')
      flushed = Number(result.stdout.trim())
    }
    expect(flushed).toBe(2000)
    const records = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('{"ringlog"')).map((line) => (JSON.parse(line) as { i: number }).i)
    expect(records).toEqual(Array.from({ length: 2000 }, (_, i) => i))
    // Each process took the chain up from the one before; the last one's end is not sealed (it was killed).
    const keys = { hmac: keyRing('test', KEY) }
    expect(await verifyFiles([path], keys, true)).toMatchObject({ ok: true, lines: 2000 })
    expect(await verifyFiles([path], keys)).toMatchObject({ ok: false, message: expect.stringMatching(/^missing: the file ends without the checkpoint/) })
  }, 120_000)
})
