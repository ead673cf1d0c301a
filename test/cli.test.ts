import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger, type LoggerOptions } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { CLI, cli, type CliRun } from './helpers/cli.js'
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

// Records read the clock from .123 on (small child bindings go inline: the child() call does not).
const PRETTY =
  '02:04:27.123 INFO  [billing] user logged in\n' +
  '    userId: 42\n' +
  '    path: "/api"\n' +
  '02:04:27.124 TRACE tracing\n' +
  '    step: 1\n' +
  '02:04:27.125 DEBUG cache lookup\n' +
  '    cache: {"hit":false,"keys":["a","b"]}\n' +
  '02:04:27.126 WARN  slow\n' +
  '    ms: 950.5\n' +
  '    ok: null\n' +
  '02:04:27.127 ERROR [billing] request failed\n' +
  '    err: Error: boom\n' +
  '        at handler (app.js:10:5)\n' +
  '        at main (app.js:20:1)\n' +
  '        code: "E_BOOM"\n' +
  '        cause: TypeError: low level\n' +
  '            at low (db.js:7:3)\n' +
  '02:04:27.128 FATAL\n' +
  '    only: "fields"\n' +
  '02:04:27.129 INFO  no fields\n'

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
    expect(run.stderr).toContain('usage: ringlog pretty [flags]')
  })

  it('exits with 2 and prints the usage on stderr without a command', async () => {
    const run = await cli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('usage: ringlog pretty')
  })
})

const T = 1764295467123 // 2025-11-28T02:04:27.123Z
const lines = (...records: object[]): string => records.map((record) => `${JSON.stringify(record)}\n`).join('')
/** `ringlog pretty --no-color` with the flags. */
const pretty = (flags: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> => cli(['pretty', '--no-color', ...flags], input, env)

/** A pino debug, info and error record, and a line that is not JSON. */
const RECORDS = lines(
  { level: 20, time: T, pid: 1, hostname: 'h', msg: 'cache miss', key: 'user:42' },
  { level: 30, time: T + 1, name: 'http', msg: 'request', req: { method: 'GET', url: '/a', headers: { host: 'x' } }, ms: 5 },
  { level: 50, time: T + 2, msg: 'failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)' }, userId: 7 },
) + 'not json\n'
const DEBUG = '02:04:27.123 DEBUG cache miss\n    pid: 1\n    hostname: "h"\n    key: "user:42"\n'
const INFO = '02:04:27.124 INFO  [http] request\n    req: {"method":"GET","url":"/a","headers":{"host":"x"}}\n    ms: 5\n'
const ERROR = '02:04:27.125 ERROR failed\n    err: Error: boom\n        at f (a.js:1:1)\n    userId: 7\n'
/** RECORDS with --levelFirst, and with --hideObject. */
const LEVEL_FIRST =
  `${DEBUG.replace('02:04:27.123 DEBUG', 'DEBUG 02:04:27.123')}${INFO.replace('02:04:27.124 INFO ', 'INFO  02:04:27.124')}` +
  `${ERROR.replace('02:04:27.125 ERROR', 'ERROR 02:04:27.125')}not json\n`
const HIDDEN = '02:04:27.123 DEBUG cache miss\n02:04:27.124 INFO  [http] request\n02:04:27.125 ERROR failed\n    err: Error: boom\n        at f (a.js:1:1)\nnot json\n'

/** Runs the command with stdin left open: it must end without reading it. */
function withStdinOpen(args: string[]): Promise<CliRun> {
  return cli(args, null)
}

describe('ringlog pretty: --help and --version', () => {
  const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

  it.each([['--help'], ['-h'], ['--no-color', '-h', '-L', 'warn']])('%s prints every flag on stdout and exits 0 without reading stdin', async (...args) => {
    const run = await withStdinOpen(['pretty', ...args])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout.startsWith('usage: ringlog pretty [flags]\n')).toBe(true)
    for (const flag of [
      '-h, --help', '-v, --version', '-L, --minimumLevel <level>', '-i, --ignore <keys>', '-I, --include <keys>', '-m, --messageKey <key>',
      '    --levelKey <key>', '-a, --timestampKey <key>', '-t, --translateTime [<pattern>]', '    --local', '    --utc', '-l, --levelFirst',
      '-S, --singleLine', '-H, --hideObject', '-c, --colorize', '    --color',
    ]) expect(run.stdout).toContain(`\n  ${flag} `)
  })

  it.each([['pretty', '--version'], ['pretty', '-v'], ['--version'], ['-v']])('%s %s prints the package\'s version and exits 0 without reading stdin', async (...args) => {
    expect(await withStdinOpen(args)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
  })

  it('ringlog --help prints the usage of every command on stdout', async () => {
    const run = await withStdinOpen(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^usage: ringlog pretty \[flags\][\s\S]*usage: ringlog schema [\s\S]*usage: ringlog --version\n$/)
  })
})

describe('ringlog pretty: a command line it cannot run exits with 2, names the flag and prints nothing', () => {
  const HINT = '(ringlog pretty --help lists the flags)'
  it.each([
    [['--bogus'], `unknown flag --bogus ${HINT}`],
    [['-Q'], `unknown flag -Q ${HINT}`],
    [['-lQ'], `unknown flag -Q ${HINT}`],
    [['--no-bogus'], `unknown flag --no-bogus ${HINT}`],
    [['--no-minimumLevel'], `unknown flag --no-minimumLevel ${HINT}`],
    [['--no-utc'], `unknown flag --no-utc ${HINT}`],
    [['-L'], '-L needs a value'],
    [['--minimumLevel'], '--minimumLevel needs a value'],
    [['--minimumLevel='], '--minimumLevel needs a value'],
    [['-L', '-S'], '-L needs a value'],
    [['-i'], '-i needs a value'],
    [['--include'], '--include needs a value'],
    [['-m'], '-m needs a value'],
    [['--levelKey'], '--levelKey needs a value'],
    [['-a'], '-a needs a value'],
    [['--minimumLevel', 'loud'], '--minimumLevel: unknown level "loud" (a number, or trace, debug, info, warn, error, fatal)'],
    [['-Lloud'], '-L: unknown level "loud" (a number, or trace, debug, info, warn, error, fatal)'],
    [['-L', '3.5'], '-L: unknown level "3.5" (a number, or trace, debug, info, warn, error, fatal)'],
    [['-i', 'pid,,hostname'], '-i: empty key in "pid,,hostname"'],
    [['--messageKey=a.'], '--messageKey: empty key in "a."'],
    [['--levelFirst=yes'], '--levelFirst takes true, false or no value'],
    [['--no-color=1'], '--no-color takes no value'],
    [['--utc=true'], '--utc takes no value'],
    [['-t', 'false'], '-t false: ringlog pretty always translates the time (--ignore time leaves it out)'],
    [['--translateTime=false'], '--translateTime false: ringlog pretty always translates the time (--ignore time leaves it out)'],
    [['stray'], 'unexpected argument "stray" (ringlog pretty reads stdin only)'],
    [['-t', 'HH', 'stray'], 'unexpected argument "stray" (ringlog pretty reads stdin only)'],
  ])('%j', async (args, message) => {
    const run = await cli(['pretty', ...args], RECORDS)
    expect(run).toEqual({ code: 2, stdout: '', stderr: `ringlog pretty: ${message}\n` })
  })

  it.each([
    ['--crlf', 'crlf'], ['-f', 'crlf'], ['--errorProps', 'errorProps'], ['-e', 'errorProps'],
    ['--errorLikeObjectKeys', 'errorLikeObjectKeys'], ['-k', 'errorLikeObjectKeys'], ['--levelLabel', 'levelLabel'], ['-b', 'levelLabel'],
    ['--customLevels', 'customLevels'], ['-x', 'customLevels'], ['--customColors', 'customColors'], ['-X', 'customColors'],
    ['--useOnlyCustomProps', 'useOnlyCustomProps'], ['-U', 'useOnlyCustomProps'], ['--messageFormat', 'messageFormat'], ['-o', 'messageFormat'],
    ['--config', 'config'], ['-C', 'config'], ['--colorizeObjects', 'colorizeObjects'], ['--no-colorizeObjects', 'colorizeObjects'],
  ])('pino-pretty\'s %s is refused, not ignored', async (flag, name) => {
    const run = await cli(['pretty', flag, 'value'], RECORDS)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(new RegExp(`^ringlog pretty: ${flag}: pino-pretty's --${name} is not supported \\([^\\n]+\\)\\n$`))
  })
})

describe('ringlog pretty: flags', () => {
  it('prints every record without flags', async () => {
    expect(await pretty([], RECORDS)).toEqual({ code: 0, stdout: `${DEBUG}${INFO}${ERROR}not json\n`, stderr: '' })
  })

  it.each([
    [['-L', 'info']], [['--minimumLevel', 'info']], [['--minimumLevel=INFO']], [['-Linfo']], [['-L', '30']], [['-L', '21']], [['-L', 'notice']], [['-L', 'fatal', '-L', 'info']],
  ])('%j hides the records below info, and passes other lines through', async (flags) => {
    expect(await pretty(flags, RECORDS)).toEqual({ code: 0, stdout: `${INFO}${ERROR}not json\n`, stderr: '' })
  })

  it('--minimumLevel ranks Google Cloud\'s and syslog\'s names, and never hides a level it cannot rank', async () => {
    const input = lines(
      { severity: 'NOTICE', message: 'notice' }, { severity: 'WARNING', message: 'warning' }, { severity: 'DEFAULT', message: 'default' },
      { level: 'audit', msg: 'custom' }, { msg: 'no level' }, { severity: 'CRITICAL', message: 'critical' }, { 'log.level': 'err', message: 'err' },
      { level: 35, msg: 'thirty-five' },
    )
    expect((await pretty(['-L', 'warn'], input)).stdout).toBe('WARNING warning\nDEFAULT default\nAUDIT custom\nno level\nCRITICAL critical\nERR   err\n')
    expect((await pretty(['-L', '35'], input)).stdout).toBe('WARNING warning\nDEFAULT default\nAUDIT custom\nno level\nCRITICAL critical\nERR   err\n35    thirty-five\n')
  })

  const WITHOUT_HEADERS = '02:04:27.123 DEBUG cache miss\n    key: "user:42"\n02:04:27.124 INFO  [http] request\n    req: {"method":"GET","url":"/a"}\n    ms: 5\n'
  it.each([
    [['-i', 'pid,hostname,req.headers'], `${WITHOUT_HEADERS}${ERROR}not json\n`],
    [['-i', 'pid', '--ignore', 'hostname', '--ignore=req.headers'], `${WITHOUT_HEADERS}${ERROR}not json\n`],
    [['-i', 'time,level,name,key,req,ms,pid,hostname'], 'cache miss\nrequest\nfailed\n    err: Error: boom\n        at f (a.js:1:1)\n    userId: 7\nnot json\n'],
    [['-i', 'msg,pid,hostname,req,ms,err,userId'], '02:04:27.123 DEBUG\n    key: "user:42"\n02:04:27.124 INFO  [http]\n02:04:27.125 ERROR\nnot json\n'],
  ])('--ignore %j leaves those keys out, nested ones by path, the first line\'s too', async (flags, expected) => {
    expect(await pretty(flags, RECORDS)).toEqual({ code: 0, stdout: expected, stderr: '' })
  })

  it('--minimumLevel counts a level that --ignore hides', async () => {
    expect((await pretty(['-L', 'info', '-i', 'level'], RECORDS)).stdout).toBe(`${INFO.replace('INFO  ', '')}${ERROR.replace('ERROR ', '')}not json\n`)
  })

  it('--ignore with a backslash names a key that holds a dot', async () => {
    const input = lines({ level: 30, time: T, msg: 'm', 'a.b': 1, a: { b: 2, c: 3 } })
    expect((await pretty(['-i', 'a\\.b'], input)).stdout).toBe('02:04:27.123 INFO  m\n    a: {"b":2,"c":3}\n')
    expect((await pretty(['-i', 'a.b'], input)).stdout).toBe('02:04:27.123 INFO  m\n    a.b: 1\n    a: {"c":3}\n')
  })

  it.each([
    [['-I', 'req.url,ms'], 'cache miss\nrequest\n    req: {"url":"/a"}\n    ms: 5\nfailed\nnot json\n'],
    [['--include', 'time,level,userId'], '02:04:27.123 DEBUG cache miss\n02:04:27.124 INFO  request\n02:04:27.125 ERROR failed\n    userId: 7\nnot json\n'],
    [['-I', 'name,req', '-i', 'req.headers,req.method'], 'cache miss\n[http] request\n    req: {"url":"/a"}\nfailed\nnot json\n'],
  ])('--include %j shows only those keys (and the message), then --ignore removes from them', async (flags, expected) => {
    expect(await pretty(flags, RECORDS)).toEqual({ code: 0, stdout: expected, stderr: '' })
  })

  it('--messageKey, --levelKey and --timestampKey read the first line from other keys, nested ones too', async () => {
    const input = lines({ lvl: { name: 'warn' }, ts: '2025-11-28T02:04:27.123Z', text: 'hello', msg: 'kept', level: 'info', time: 1 })
    const expected = '02:04:27.123 WARN  hello\n    msg: "kept"\n    level: "info"\n    time: 1\n'
    expect((await pretty(['-m', 'text', '--levelKey', 'lvl.name', '-a', 'ts'], input)).stdout).toBe(expected)
    expect((await pretty(['--messageKey=text', '--levelKey=lvl.name', '--timestampKey=ts'], input)).stdout).toBe(expected)
    // A key holding a dot, with a backslash.
    expect((await pretty(['--levelKey', 'log\\.level'], lines({ 'log.level': 'error', log: { level: 'info' }, msg: 'm' }))).stdout).toBe('ERROR m\n    log: {"level":"info"}\n')
  })

  it.each([
    [['-t'], 'Asia/Kolkata', '07:34:27.123'],
    [['--translateTime'], 'America/New_York', '21:04:27.123'],
    [['-t', 'SYS:standard'], 'Asia/Kolkata', '2025-11-28 07:34:27.123 +0530'],
    [['--local'], 'America/New_York', '2025-11-27 21:04:27.123 -0500'],
    [['-t', 'yyyy-mm-dd HH:MM:ss'], 'Asia/Kolkata', '2025-11-28 02:04:27'],
    [['-t', 'UTC:yyyy-mm-dd HH:MM:ss.l o'], 'Asia/Kolkata', '2025-11-28 02:04:27.123 +0000'],
    [['--utc'], 'America/New_York', '2025-11-28 02:04:27.123 +0000'],
    [['--translateTime=SYS:isoDateTime'], 'Asia/Kolkata', '2025-11-28T07:34:27+0530'],
    [['-t', 'isoUtcDateTime'], 'Asia/Kolkata', '2025-11-28T02:04:27Z'],
    [['-t', "SYS:dddd, mmmm dS yyyy 'at' h:MM:ss TT Z"], 'America/New_York', 'Thursday, November 27th 2025 at 9:04:27 PM EST'],
    [['--local', '-t', 'HH:MM'], 'Asia/Kolkata', '02:04'],
  ])('%j in TZ=%s writes the time as %s', async (flags, tz, time) => {
    expect((await pretty(flags, lines({ level: 30, time: T, msg: 'm' }), { TZ: tz })).stdout).toBe(`${time} INFO  m\n`)
  })

  it('takes pino-pretty\'s true or false after a boolean flag, and -t true', async () => {
    expect((await pretty(['--levelFirst', 'true', '--hideObject', 'false'], RECORDS)).stdout).toBe(LEVEL_FIRST)
    expect((await pretty(['-l', 'false', '--singleLine=false', '-H'], RECORDS)).stdout).toBe(HIDDEN)
    expect((await cli(['pretty', '--colorize', 'false'], RECORDS, { FORCE_COLOR: '1' })).stdout).toBe(`${DEBUG}${INFO}${ERROR}not json\n`)
    expect((await pretty(['-t', 'true'], lines({ level: 30, time: T, msg: 'm' }), { TZ: 'Asia/Kolkata' })).stdout).toBe('07:34:27.123 INFO  m\n')
  })

  it('--levelFirst writes the level before the time', async () => {
    expect((await pretty(['-l'], RECORDS)).stdout).toBe(LEVEL_FIRST)
    expect((await pretty(['--levelFirst', '--no-levelFirst'], RECORDS)).stdout).toBe(`${DEBUG}${INFO}${ERROR}not json\n`)
  })

  it('--singleLine writes the fields as JSON on the first line, and errors below it', async () => {
    const expected =
      '02:04:27.123 DEBUG cache miss {"pid":1,"hostname":"h","key":"user:42"}\n' +
      '02:04:27.124 INFO  [http] request {"req":{"method":"GET","url":"/a","headers":{"host":"x"}},"ms":5}\n' +
      '02:04:27.125 ERROR failed {"userId":7}\n' +
      '    err: Error: boom\n' +
      '        at f (a.js:1:1)\n' +
      'not json\n'
    expect((await pretty(['-S'], RECORDS)).stdout).toBe(expected)
    expect((await pretty(['--singleLine'], RECORDS)).stdout).toBe(expected)
    expect((await pretty(['-S'], lines({ level: 30, time: T, msg: 'm', evil: 'a\nb\u2028' }))).stdout).toBe('02:04:27.123 INFO  m {"evil":"a\\nb\\u2028"}\n')
  })

  it('--hideObject writes no fields but errors', async () => {
    expect((await pretty(['-H'], RECORDS)).stdout).toBe(HIDDEN)
    expect((await pretty(['--hideObject', '--singleLine'], RECORDS)).stdout).toBe(HIDDEN)
    // Short flags bundle.
    expect((await pretty(['-SH'], RECORDS)).stdout).toBe(HIDDEN)
  })

  it('-c, --colorize and --color add colors; --no-colorize and --no-color remove them; the last one counts', async () => {
    const plain = `${DEBUG}${INFO}${ERROR}not json\n`
    for (const flags of [['-c'], ['--colorize'], ['--color'], ['--no-colorize', '-c']]) {
      const run = await cli(['pretty', ...flags], RECORDS, { NO_COLOR: '1' })
      expect(run.stdout).toMatch(SGR)
      expect(run.stdout.replace(SGR, '')).toBe(plain)
    }
    for (const flags of [['--no-colorize'], ['--no-color'], ['-c', '--no-color']]) {
      expect((await cli(['pretty', ...flags], RECORDS, { FORCE_COLOR: '1' })).stdout).toBe(plain)
    }
  })
})

describe('ringlog pretty: records from other loggers', () => {
  it('reads Google Cloud\'s severity, message and timestamp', async () => {
    const input = lines(
      { severity: 'ERROR', message: 'payment failed', timestamp: '2025-11-28T02:04:27.123Z', orderId: 7 },
      { severity: 'WARNING', message: 'slow', time: '2025-11-28T02:04:27.124Z' },
      { severity: 'DEFAULT', message: 'no severity' },
      { severity: 'CRITICAL', message: 'down', timestamp: { seconds: 1764295467, nanos: 125_000_000 } },
      { severity: 'INFO', message: 'info', 'logging.googleapis.com/trace': 't1' },
    )
    expect(await pretty([], input)).toEqual({
      code: 0,
      stderr: '',
      stdout:
        '02:04:27.123 ERROR payment failed\n    orderId: 7\n' +
        '02:04:27.124 WARNING slow\n' +
        'DEFAULT no severity\n' +
        '02:04:27.125 CRITICAL down\n' +
        'INFO  info\n    logging.googleapis.com/trace: "t1"\n',
    })
  })

  it('reads ECS\'s log.level, dotted or nested, message and @timestamp', async () => {
    const input = lines(
      { '@timestamp': '2025-11-28T02:04:27.123Z', 'log.level': 'warn', message: 'disk almost full', 'ecs.version': '8.11.0', host: { name: 'h' } },
      { '@timestamp': '2025-11-28T02:04:27.124Z', log: { level: 'error', logger: 'db' }, message: 'query failed' },
      { '@timestamp': '2025-11-28T02:04:27.125Z', log: { level: 'debug' }, message: 'nested only' },
    )
    expect((await pretty([], input)).stdout).toBe(
      '02:04:27.123 WARN  disk almost full\n    ecs.version: "8.11.0"\n    host: {"name":"h"}\n' +
      '02:04:27.124 ERROR query failed\n    log: {"logger":"db"}\n' +
      '02:04:27.125 DEBUG nested only\n',
    )
  })

  it('prints no time or level that a record does not have, and keeps a time it cannot read as a field', async () => {
    const input = lines({ msg: 'bare' }, { level: 30, time: 'yesterday', msg: 'm' }, { level: 'audit', time: T, msg: 'custom' }, { level: 35, time: T, msg: 'between' })
    expect((await pretty([], input)).stdout).toBe('bare\nINFO  m\n    time: "yesterday"\n02:04:27.123 AUDIT custom\n02:04:27.123 35    between\n')
  })

  it('with msg and message both, msg is the message and message a field', async () => {
    expect((await pretty([], lines({ level: 30, time: T, msg: 'pino', message: 'other' }))).stdout).toBe('02:04:27.123 INFO  pino\n    message: "other"\n')
  })
})
