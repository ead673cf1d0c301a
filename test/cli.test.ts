import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger, type LoggerOptions } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { CLI, cli } from './helpers/cli.js'
import { fixedClock, tempDir } from './helpers/files.js'

/** `ringlog pretty`: JSON lines on stdin, ringlog's or pino's, printed in the pretty format. */

const SGR = /\x1b\[\d+m/g

/** The records every logger test writes. */
function logSome(log: Logger): void {
  const billing = log.child({ name: 'billing' })
  billing.info('user logged in', { userId: 42, path: '/api' })
  log.trace('tracing', { step: 1 })
  log.debug({ cache: { hit: false, keys: ['a', 'b'] } }, 'cache lookup')
  log.warn('slow', { ms: 950.5, ok: null })
  const cause = new TypeError('low level')
  cause.stack = 'TypeError: low level\n    at low (db.js:7:3)'
  const error = Object.assign(new Error('boom', { cause }), { code: 'E_BOOM' })
  error.stack = 'Error: boom\n    at handler (app.js:10:5)\n    at main (app.js:20:1)'
  billing.error(error, 'request failed')
  log.fatal({ only: 'fields' })
  log.info('no fields')
}

// The child() call takes the first tick of the clock (.123).
const PRETTY =
  '02:04:27.124 INFO  [billing] user logged in\n' +
  '    userId: 42\n' +
  '    path: "/api"\n' +
  '02:04:27.125 TRACE tracing\n' +
  '    step: 1\n' +
  '02:04:27.126 DEBUG cache lookup\n' +
  '    cache: {"hit":false,"keys":["a","b"]}\n' +
  '02:04:27.127 WARN  slow\n' +
  '    ms: 950.5\n' +
  '    ok: null\n' +
  '02:04:27.128 ERROR [billing] request failed\n' +
  '    err: Error: boom\n' +
  '        at handler (app.js:10:5)\n' +
  '        at main (app.js:20:1)\n' +
  '        code: "E_BOOM"\n' +
  '        cause: TypeError: low level\n' +
  '            at low (db.js:7:3)\n' +
  '02:04:27.129 FATAL\n' +
  '    only: "fields"\n' +
  '02:04:27.130 INFO  no fields\n'

async function logged(worker: boolean, options: LoggerOptions): Promise<string> {
  const file = join(tempDir(), 'app.log')
  const restore = fixedClock()
  try {
    const log = createLogger({ destination: file, worker, level: 'trace', ...options })
    // Through the drain worker, not the caller's start-up drain.
    if (worker) await (transportOf(log as unknown as Parameters<typeof transportOf>[0]) as WorkerTransport).running()
    logSome(log)
    await log.close()
  } finally {
    restore()
  }
  return readFileSync(file, 'utf8')
}

describe.each([true, false])('ringlog pretty on the logger\'s JSON (worker: %s)', (worker) => {
  it.each([
    ['iso times, level labels', { format: 'json' }],
    ['epoch times, level numbers', { format: 'json', levelFormat: 'number', timeFormat: 'epoch' }],
    ['unix times', { format: 'json', timeFormat: 'unix' }],
  ] as [string, LoggerOptions][])('prints the exact pretty bytes: %s', async (_, options) => {
    const json = await logged(worker, options)
    expect(json.split('\n')).toHaveLength(8)
    const run = await cli(['pretty', '--no-color'], json)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(PRETTY)
  })

  it('prints what format: \'pretty\' prints for the same calls', async () => {
    expect(await logged(worker, { format: 'pretty', colors: false })).toBe(PRETTY)
  })
})

describe('ringlog pretty on pino\'s JSON', () => {
  it('prints a pino line exactly, pid and hostname as fields', async () => {
    const run = await cli(['pretty', '--no-color'], '{"level":30,"time":1764295467123,"pid":1,"hostname":"h","msg":"hello"}\n')
    expect(run).toEqual({ code: 0, stderr: '', stdout: '02:04:27.123 INFO  hello\n    pid: 1\n    hostname: "h"\n' })
  })

  it('prints what real pino writes', async () => {
    let json = ''
    const log = pino({ base: { pid: 1, hostname: 'h' }, timestamp: () => ',"time":1764295467123', level: 'trace' }, { write: (s: string) => (json += s) })
    const error = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })
    error.stack = 'Error: refused\n    at connect (db.js:1:1)'
    log.child({ name: 'db' }).error(error, 'query failed')
    log.trace({ userId: 42 }, 'traced')
    log.fatal('the end')
    const run = await cli(['pretty', '--no-color'], json)
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      '02:04:27.123 ERROR [db] query failed\n' +
      '    pid: 1\n' +
      '    hostname: "h"\n' +
      '    err: Error: refused\n' +
      '        at connect (db.js:1:1)\n' +
      '        code: "ECONNREFUSED"\n' +
      '02:04:27.123 TRACE traced\n' +
      '    pid: 1\n' +
      '    hostname: "h"\n' +
      '    userId: 42\n' +
      '02:04:27.123 FATAL the end\n' +
      '    pid: 1\n' +
      '    hostname: "h"\n',
    )
  })

  it('reads unix seconds, epoch milliseconds and ISO strings as the same time of day (UTC)', async () => {
    const input = [
      '{"level":30,"time":1764295467.123,"msg":"unix"}',
      '{"level":30,"time":1764295467123,"msg":"epoch"}',
      '{"level":"info","time":"2025-11-28T02:04:27.123Z","msg":"iso"}',
      '{"level":"info","time":"2025-11-28T03:04:27.123+01:00","msg":"offset"}',
    ].join('\n')
    const run = await cli(['pretty', '--no-color'], input)
    expect(run.stdout).toBe('02:04:27.123 INFO  unix\n02:04:27.123 INFO  epoch\n02:04:27.123 INFO  iso\n02:04:27.123 INFO  offset\n')
  })
})

describe('ringlog pretty: other lines', () => {
  it('passes lines that are not JSON objects through unchanged, in order', async () => {
    const passed = ['plain text', '[1,2,{"a":3}]', '[]', '{not json', 'null', '42', '"a string"', '', '   indented text']
    const input = [passed[0], '{"level":40,"time":1764295467123,"msg":"between"}', ...passed.slice(1)].join('\n') + '\n'
    const run = await cli(['pretty', '--no-color'], input)
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`${passed[0]}\n02:04:27.123 WARN  between\n${passed.slice(1).join('\n')}\n`)
  })

  it('prints nothing for no input', async () => {
    expect(await cli(['pretty', '--no-color'], '')).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('ends lines at \\n only: a carriage return in a passed-through line is kept, and a last line without \\n is read', async () => {
    const run = await cli(['pretty', '--no-color'], 'a\rb\r\n{"level":30,"time":1764295467123,"msg":"last"}')
    expect(run).toEqual({ code: 0, stdout: 'a\rb\r\n02:04:27.123 INFO  last\n', stderr: '' })
  })

  it('exits quietly when its reader goes away (| head -1)', async () => {
    const child = spawn(process.execPath, [CLI, 'pretty', '--no-color'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.stdout.once('data', () => child.stdout.destroy())
    child.stdin.on('error', () => {}) // the child may be gone before all input is written
    child.stdin.end('{"level":30,"msg":"m"}\n'.repeat(200_000))
    expect(await closed).toBe(0)
    expect(stderr).toBe('')
  })
})

describe('ringlog pretty: colors', () => {
  const input = [
    '{"level":30,"time":1764295467123,"name":"billing","msg":"user logged in","userId":42}',
    '{"level":50,"time":1764295467124,"msg":"failed","err":{"type":"Error","message":"x","stack":"Error: x\\n    at f (a.js:1:1)","code":"E"}}',
    '{"level":10,"time":1764295467125}',
    'not json',
  ].join('\n') + '\n'
  const plain =
    '02:04:27.123 INFO  [billing] user logged in\n' +
    '    userId: 42\n' +
    '02:04:27.124 ERROR failed\n' +
    '    err: Error: x\n' +
    '        at f (a.js:1:1)\n' +
    '        code: "E"\n' +
    '02:04:27.125 TRACE\n' +
    'not json\n'

  it('--no-color prints no escape sequence', async () => {
    const run = await cli(['pretty', '--no-color'], input, { FORCE_COLOR: '1' })
    expect(run.stdout).toBe(plain)
    expect(run.stdout).not.toContain('\x1b')
  })

  it('--color adds ANSI colors and nothing else', async () => {
    const run = await cli(['pretty', '--color'], input, { NO_COLOR: '1' })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(SGR)
    expect(run.stdout).toContain('\x1b[')
    expect(run.stdout.replace(SGR, '')).toBe(plain)
  })

  it('without a flag: no colors into a pipe, unless FORCE_COLOR', async () => {
    expect((await cli(['pretty'], input)).stdout).toBe(plain)
    const forced = await cli(['pretty'], input, { FORCE_COLOR: '1' })
    expect(forced.stdout).toMatch(SGR)
    expect(forced.stdout.replace(SGR, '')).toBe(plain)
  })

  it('prints escape sequences from the input escaped, never raw', async () => {
    const evil = '\x1b[2J\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x9b1m'
    const input = `${JSON.stringify({ level: 30, time: 1764295467123, name: `n${evil}`, msg: `m${evil}\nline2\r`, [`k${evil}`]: `v${evil}`, n: 1 })}\n`
    const shown = '\\u001b[2J\\u001b]0;pwned\\u0007 \\u001b[31mred\\u001b[0m \\u009b1m'
    const expected = `02:04:27.123 INFO  [n${shown}] m${shown}\\nline2\\r\n    k${shown}: "v${shown}"\n    n: 1\n`
    const plainRun = await cli(['pretty', '--no-color'], input)
    expect(plainRun.stdout).toBe(expected)
    const colored = await cli(['pretty', '--color'], input)
    // The only escapes left are the colors the format paints; none of the input's.
    expect(colored.stdout.replace(SGR, '')).toBe(expected)
    expect(colored.stdout.replace(SGR, '')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/)
  })
})

describe('ringlog: commands', () => {
  it('is the package\'s ringlog bin', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }
    expect(pkg.bin.ringlog).toBe('./dist/src/cli.js')
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('exits with 2 and prints the usage on stderr for an unknown command', async () => {
    const run = await cli(['prettify'], '{"level":30,"time":1764295467123,"msg":"x"}\n')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('unknown command "prettify"')
    expect(run.stderr).toContain('usage: ringlog pretty [--color | --no-color]')
  })

  it('exits with 2 and prints the usage on stderr without a command', async () => {
    const run = await cli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('usage: ringlog pretty')
  })
})
