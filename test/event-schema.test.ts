import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, type CliRun } from './helpers/cli.js'
import { fixture, tempDir } from './helpers/files.js'

/** `ringlog schema`: the declared events of a module as JSON Schema, and `--check` against a stored document. */

const schema = (args: string[]): Promise<CliRun> => cli(['schema', ...args])

describe('ringlog schema', () => {
  it('prints every declared event, each version, as one JSON Schema document', async () => {
    const { code, stdout, stderr } = await schema([fixture('events-current.mjs')])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const document = JSON.parse(stdout)
    expect(document.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(document.oneOf).toEqual([
      { $ref: '#/$defs/cache.miss@1' }, { $ref: '#/$defs/user.logged_in@1' }, { $ref: '#/$defs/user.logged_in@2' },
    ])
    expect(document.$defs['user.logged_in@2']).toEqual({
      type: 'object',
      'x-ringlog': { name: 'user.logged_in', version: 2, level: 'info', message: 'user logged in' },
      properties: {
        event: { const: 'user.logged_in' },
        v: { const: 2 },
        userId: { 'x-ringlog-type': 'u32', type: 'integer', minimum: 0, maximum: 4294967295 },
        path: { 'x-ringlog-type': 'string', type: 'string' },
        method: { 'x-ringlog-type': 'enum', enum: ['GET', 'POST'] },
        at: { 'x-ringlog-type': 'timestamp', type: ['string', 'null'], format: 'date-time' },
        durationMs: { 'x-ringlog-type': 'f64', type: ['number', 'null'] },
      },
      required: ['event', 'v', 'userId', 'path', 'method', 'durationMs'],
    })
    expect(document.$defs['cache.miss@1'].properties.size).toEqual({
      'x-ringlog-type': 'int', type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER,
    })
    expect(document.$defs['cache.miss@1'].properties.meta).toEqual({ 'x-ringlog-type': 'json' })
    expect(document.$defs['cache.miss@1']['x-ringlog'].level).toBe('debug')
  })

  it('--check reports no changes against the document it printed, and exits 0', async () => {
    const stored = join(tempDir(), 'events.json')
    writeFileSync(stored, (await schema([fixture('events-current.mjs')])).stdout)
    const { code, stdout } = await schema(['--check', stored, fixture('events-current.mjs')])
    expect(stdout).toBe('no changes\n')
    expect(code).toBe(0)
  })

  it('--check lists breaking and compatible changes, and exits 1 on a breaking one', async () => {
    const stored = join(tempDir(), 'events.json')
    writeFileSync(stored, (await schema([fixture('events-current.mjs')])).stdout)
    const { code, stdout } = await schema(['--check', stored, fixture('events-changed.mjs')])
    expect(stdout).toBe([
      'breaking: user.logged_in@1: event version removed',
      'breaking: user.logged_in@2: field userId retyped from u32 to u16',
      'breaking: user.logged_in@2: field path removed',
      'breaking: user.logged_in@2: field method lost enum values "POST"',
      'breaking: user.logged_in@2: field durationMs is now optional',
      'compatible: cache.miss@1: field shard added',
      'compatible: user.logged_in@2: field method gained enum values "PUT"',
      'compatible: user.logged_in@2: field at is now required',
      'compatible: user.logged_in@2: field region added',
      'compatible: user.logged_in@3: event version added',
      '',
    ].join('\n'))
    expect(code).toBe(1)
  })

  it('--check passes compatible changes alone with exit 0', async () => {
    const stored = join(tempDir(), 'events.json')
    const current = JSON.parse((await schema([fixture('events-current.mjs')])).stdout)
    // The stored document lacks a field and an event version the code has now: additions only.
    delete current.$defs['cache.miss@1'].properties.meta
    delete current.$defs['user.logged_in@1']
    writeFileSync(stored, JSON.stringify(current))
    const { code, stdout } = await schema(['--check', stored, fixture('events-current.mjs')])
    expect(stdout).toBe('compatible: cache.miss@1: field meta added\ncompatible: user.logged_in@1: event version added\n')
    expect(code).toBe(0)
  })

  it('prints its usage for --help and exits 0', async () => {
    const help = await schema(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: ringlog pretty[\s\S]*usage: ringlog schema \[--check <stored.json>\] <module>\.\.\./)
    expect(help.stderr).toBe('')
  })

  it('says what is wrong with its arguments or the stored document, and exits 2', async () => {
    const none = await schema([])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^ringlog schema: no module given\nusage:/)
    const check = await schema(['--check'])
    expect(check.code).toBe(2)
    expect(check.stderr).toMatch(/^ringlog schema: --check needs the stored document\nusage:/)
    const stored = join(tempDir(), 'bad.json')
    writeFileSync(stored, '{"title":"something else"}')
    const bad = await schema(['--check', stored, fixture('events-current.mjs')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('ringlog schema: not a ringlog schema document: it has no $defs (make one with `ringlog schema`)\n')
    expect(readFileSync(stored, 'utf8')).toBe('{"title":"something else"}')
  })
})

describe('the schema document', () => {
  it('has no oneOf without events (an empty oneOf is not valid JSON Schema), and orders events by code unit, not locale', async () => {
    const { registryJsonSchema } = await import('../dist/src/events/json-schema.js')
    expect(registryJsonSchema([])).toEqual({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'ringlog events', $defs: {} })
    const event = (name: string) => ({ id: 1, name, version: 1, level: 30, message: undefined, fields: [] })
    expect(Object.keys(registryJsonSchema([event('b'), event('B'), event('a')]).$defs as object)).toEqual(['B@1', 'a@1', 'b@1'])
  })
})
