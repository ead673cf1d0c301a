import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { cli } from './helpers/cli.js'
import { fixedClock, readRecords, tempDir } from './helpers/files.js'

/**
 * Acceptance: the output of `levelFormat: 'number', timeFormat: 'epoch'` is piped through the real
 * pino-pretty binary, which must print every record, and no line it could not parse.
 */

const PINO_PRETTY = fileURLToPath(new URL('../node_modules/.bin/pino-pretty', import.meta.url))
const T0 = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
const BULK = 100

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real pino-pretty with `file` as its stdin. */
function pinoPretty(file: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const stdin = openSync(file, 'r')
    // No colors whatever the environment says; cwd away from any .pino-prettyrc.
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...extraEnv }
    const child = spawn(process.execPath, [PINO_PRETTY, ...args], { cwd, env, stdio: [stdin, 'pipe', 'pipe'] })
    closeSync(stdin)
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Waits for the drain worker, so the records go through it rather than the caller's start-up drain. */
async function workerRunning(log: Logger): Promise<void> {
  await (transportOf(log as unknown as Parameters<typeof transportOf>[0]) as WorkerTransport).running()
}

function realError(message: string, extra: object): Error {
  return Object.assign(new Error(message), extra)
}

/** What is logged, and what pino-pretty's header line for it must say. */
interface Expected {
  label: string
  name: string
  msg: string | undefined
}

/** Logs a record at every level, with fields, a named child, errors and a record without message, then BULK more. */
function logAll(log: Logger, diskFull: Error, refused: Error): Expected[] {
  log.trace('trace message', { step: 1 })
  log.debug({ cache: { hit: false, keys: ['a', 'b'] } }, 'debug message')
  log.info('info message', { userId: 42, path: '/api' })
  log.warn('warn message', { ms: 950.5, retry: true })
  log.error(diskFull, 'error message')
  log.fatal('fatal message', { exitCode: 1 })
  const db = log.child({ name: 'db', shard: 3 })
  db.info('child message', { query: 'select 1' })
  db.warn(refused)
  log.info({ only: 'fields' })
  for (let i = 0; i < BULK; i++) log.info(`bulk ${i}`, { i })
  const circular: Record<string, unknown> = { id: 1 }
  circular.self = circular
  log.info('tricky values', {
    big: 2n ** 70n, nan: NaN, inf: -Infinity, lone: 'x\ud800y', control: 'a\nb\x1b[31mc', map: new Map([['k', 1]]), set: new Set([1]),
    date: new Date(0), circular, buf: Buffer.from([1, 2]), nested: { failure: new TypeError('deep') }, symbol: Symbol('s'), fn: () => 1,
  })
  return [
    { label: 'TRACE', name: 'app', msg: 'trace message' },
    { label: 'DEBUG', name: 'app', msg: 'debug message' },
    { label: 'INFO', name: 'app', msg: 'info message' },
    { label: 'WARN', name: 'app', msg: 'warn message' },
    { label: 'ERROR', name: 'app', msg: 'error message' },
    { label: 'FATAL', name: 'app', msg: 'fatal message' },
    { label: 'INFO', name: 'db', msg: 'child message' },
    { label: 'WARN', name: 'db', msg: 'connection refused' },
    { label: 'INFO', name: 'app', msg: undefined },
    ...Array.from({ length: BULK }, (_, i) => ({ label: 'INFO', name: 'app', msg: `bulk ${i}` })),
    { label: 'INFO', name: 'app', msg: 'tricky values' },
  ]
}

const HEADER = /^\[[^\]]*\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL|USERLVL)\b/

describe.each([true, false])('pino-pretty reads levelFormat number, timeFormat epoch (worker: %s)', (worker) => {
  async function write(): Promise<{ dir: string; file: string; expected: Expected[]; diskFull: Error; refused: Error }> {
    const dir = tempDir()
    const file = join(dir, 'app.log')
    const diskFull = realError('disk full', { code: 'ENOSPC' })
    const refused = realError('connection refused', { code: 'ECONNREFUSED', port: 5432 })
    const restore = fixedClock()
    let expected: Expected[]
    try {
      const log = createLogger({ destination: file, worker, format: 'json', levelFormat: 'number', timeFormat: 'epoch', name: 'app', level: 'trace' })
      if (worker) await workerRunning(log)
      expected = logAll(log, diskFull, refused)
      await log.close()
    } finally {
      restore()
    }
    return { dir, file, expected, diskFull, refused }
  }

  it('writes pino-shaped records', async () => {
    const { file, expected } = await write()
    const records = readRecords(file)
    expect(records).toHaveLength(expected.length)
    // Only records read the clock: small bindings (the names) go inline.
    expect(records[0]).toEqual({ time: T0, level: 10, msg: 'trace message', name: 'app', step: 1 })
    expect(records[2]).toEqual({ time: T0 + 2, level: 30, msg: 'info message', name: 'app', userId: 42, path: '/api' })
    expect(records[6]).toEqual({ time: T0 + 6, level: 30, msg: 'child message', name: 'db', shard: 3, query: 'select 1' })
    expect(records.map((r) => r.level)).toEqual([10, 20, 30, 40, 50, 60, 30, 40, 30, ...Array<number>(BULK + 1).fill(30)])
    for (const r of records) expect(typeof r.time).toBe('number')
  })

  it('prints every record, each header exactly, and nothing it failed to parse', async () => {
    const { dir, file, expected, diskFull, refused } = await write()
    const records = readRecords(file)
    const run = await pinoPretty(file, ['--colorize', 'false', '--translateTime', 'false'], dir)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toMatch(/\x1b/)

    const lines = run.stdout.split('\n')
    expect(lines.pop()).toBe('')
    // pino-pretty passes lines it cannot parse through as they are: every line is a record's header
    // or an indented line below one.
    const headers = lines.filter((line) => HEADER.test(line))
    expect(lines.filter((line) => !HEADER.test(line) && !/^\s/.test(line))).toEqual([])
    expect(headers).toHaveLength(records.length)
    expect(headers).toEqual(expected.map(({ label, name, msg }, i) =>
      `[${T0 + i}] ${label} (${name}):${msg === undefined ? '' : ` ${msg}`}`))
    expect(headers.map((h) => /^\[(\d+)\]/.exec(h)?.[1])).toEqual(records.map((r) => String(r.time)))

    // One record in full: its header, then its fields.
    expect(run.stdout).toContain(`[${T0 + 2}] INFO (app): info message\n    userId: 42\n    path: "/api"\n[${T0 + 3}] WARN (app): warn message\n`)
    expect(run.stdout).toContain(`[${T0 + 6}] INFO (db): child message\n    shard: 3\n    query: "select 1"\n`)
    expect(run.stdout).toContain(`[${T0 + 8}] INFO (app):\n    only: "fields"\n`)
    // The errors: every line of their stacks, and their own fields.
    const trimmed = lines.map((line) => line.trim())
    for (const error of [diskFull, refused]) {
      const stack = (error.stack ?? '').split('\n').map((line) => line.trim())
      expect(stack.length).toBeGreaterThan(1)
      for (const line of stack) expect(trimmed).toContain(line)
    }
    expect(trimmed).toContain('"message": "disk full",')
    expect(trimmed).toContain('"code": "ENOSPC"')
    expect(trimmed).toContain('"code": "ECONNREFUSED",')
    expect(trimmed).toContain('"port": 5432')
    // The tricky values: a BigInt as JSON digits (which pino-pretty reads as a double), control characters escaped.
    expect(readFileSync(file, 'utf8')).toContain('"big":1180591620717411303424,')
    expect(trimmed).toContain('big: 1.1805916207174113e+21')
    expect(trimmed).toContain('control: "a\\nb\\u001b[31mc"')
    expect(trimmed).toContain('"self": "[Circular]"')
    // Each message once, each level label.
    for (const { msg } of expected) if (msg !== undefined) expect(headers.filter((h) => h.endsWith(`: ${msg}`))).toHaveLength(1)
    for (const label of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']) expect(headers.some((h) => h.includes(`] ${label} (`))).toBe(true)
  })

  it('translates the epoch times to the same instants', async () => {
    const { dir, file, expected } = await write()
    const run = await pinoPretty(file, ['--colorize', 'false', '--translateTime', 'UTC:yyyy-mm-dd HH:MM:ss.l'], dir)
    expect(run.code).toBe(0)
    const headers = run.stdout.split('\n').filter((line) => HEADER.test(line))
    expect(headers).toHaveLength(expected.length)
    expect(headers[0]).toBe('[2026-11-28 02:04:27.123] TRACE (app): trace message')
    expect(headers[5]).toBe('[2026-11-28 02:04:27.128] FATAL (app): fatal message')
    expect(headers[6]).toBe('[2026-11-28 02:04:27.129] INFO (db): child message')
  })
})

it('runs the real pino-pretty binary', () => {
  expect(realpathSync(PINO_PRETTY)).toMatch(/node_modules\/pino-pretty\/bin\.js$/)
  const version = (JSON.parse(readFileSync(new URL('../node_modules/pino-pretty/package.json', import.meta.url), 'utf8')) as { version: string }).version
  expect(version).toMatch(/^\d+\.\d+\.\d+/)
})

describe('ringlog pretty --translateTime prints the time pino-pretty -t prints', () => {
  // Both sides of midnight, a leap day, the ISO weeks around new year, afternoon, and now (DDD says Tdy).
  const times = [T0, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2027, 0, 1, 0, 0, 0, 5), Date.UTC(2026, 11, 31, 12, 30, 7, 40), Date.UTC(2021, 0, 3, 15, 1, 2, 3), Date.now()]
  const EVERY_LETTER = `dddd ddd DDDD DDD d dd m mm mmm mmmm yy yyyy h hh H HH M MM s ss l L t tt T TT Z o p S W WW N 'quoted' "too"`

  it.each([
    [`SYS:${EVERY_LETTER}`, 'Asia/Kolkata'],
    [`SYS:${EVERY_LETTER}`, 'America/New_York'],
    [EVERY_LETTER, 'UTC'],
    [`UTC:${EVERY_LETTER}`, 'UTC'],
    ['SYS:standard', 'America/New_York'],
    ['SYS:isoDateTime', 'Asia/Kolkata'],
    ['SYS:longTime', 'America/New_York'],
    ['SYS:expiresHeaderFormat', 'Asia/Kolkata'],
    ['SYS:isoUtcDateTime', 'Asia/Kolkata'],
  ])('%s in TZ=%s', async (pattern, tz) => {
    const dir = tempDir()
    const file = join(dir, 'times.log')
    const input = times.map((time) => `${JSON.stringify({ level: 30, time })}\n`).join('')
    writeFileSync(file, input)
    const theirs = await pinoPretty(file, ['-I', 'time', '-t', pattern], dir, { TZ: tz })
    const ours = await cli(['pretty', '--no-color', '-I', 'time', '-t', pattern], input, { TZ: tz })
    expect(ours.stderr).toBe('')
    expect(theirs.stdout.split('\n').filter(Boolean)).toHaveLength(times.length)
    expect(ours.stdout.split('\n').map((line) => (line === '' ? '' : `[${line}]:`)).join('\n')).toBe(theirs.stdout)
  })
})
