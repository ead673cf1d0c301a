import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { captureLogs, createLogger, type FormatName, type Logger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, runFixture, tempDir } from './helpers/files.js'

/** A Writable that keeps every chunk it is given, optionally slowly. */
function collector(options: { highWaterMark?: number; delayMs?: number } = {}): { stream: Writable; text: () => string; chunks: number } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      if (options.delayMs === undefined) callback()
      else setTimeout(callback, options.delayMs)
    },
  })
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), get chunks() { return chunks.length } }
}

async function started(log: Logger, worker: boolean): Promise<void> {
  if (worker) await (transportOf(log) as WorkerTransport).running()
}

const FORMATS: FormatName[] = ['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp']

describe.each([true, false])('stream sinks (worker: %s)', (worker) => {
  it.each(FORMATS)('a Writable gets byte for byte what a file sink gets, in %s', async (format) => {
    const dir = tempDir()
    const file = join(dir, `out.${format}`)
    const out = collector()
    const restore = fixedClock()
    try {
      const log = createLogger({
        level: 'debug',
        worker,
        format,
        colors: false,
        sinks: [{ type: 'file', path: file }, { type: 'stream', stream: out.stream }],
      })
      await started(log, worker)
      const db = log.child({ name: 'db' })
      db.debug('query', { userId: 1, sql: 'select 1' })
      log.info('user logged in', { userId: 42, tags: ['a', 'b'] })
      log.warn('odd "quotes" and\nnewline', { path: 'C:\\temp', nested: { deep: { value: true } } })
      log.error(Object.assign(new Error('boom'), { stack: 'Error: boom' }))
      await log.flush()
      expect(out.text()).toBe(readFileSync(file, 'utf8'))
      expect(out.text().length).toBeGreaterThan(0)
      await log.close()
      // With the worker, the drain worker formatted every record and handed the stream's bytes back.
      expect(log.metrics()).toMatchObject({ written: 8, failed: 0, dropped: 0, writtenOnCaller: worker ? 0 : 8 })
    } finally {
      restore()
    }
  })

  it('loses nothing to a slow stream with a small highWaterMark: flush() waits until it has taken everything', async () => {
    const out = collector({ highWaterMark: 64, delayMs: 1 })
    const log = createLogger({ worker, destination: out.stream, bufferSize: 16384, now: () => 0 })
    await started(log, worker)
    for (let i = 0; i < 3000; i++) log.info('record', { i })
    await log.flush()
    const lines = out.text().split('\n').slice(0, -1)
    expect(lines).toHaveLength(3000)
    expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(Array.from({ length: 3000 }, (_, i) => i))
    await log.close()
    expect(log.metrics()).toMatchObject({ written: 3000, failed: 0, dropped: 0 })
  })

  it('two loggers of one thread write to their own streams', async () => {
    const first = collector()
    const second = collector()
    const a = createLogger({ worker, destination: first.stream, now: () => 0 })
    const b = createLogger({ worker, destination: second.stream, format: 'logfmt', now: () => 0 })
    await Promise.all([started(a, worker), started(b, worker)])
    for (let i = 0; i < 100; i++) {
      a.info('from a', { i })
      b.info('from b', { i })
    }
    await Promise.all([a.close(), b.close()])
    const aLines = first.text().split('\n').slice(0, -1)
    const bLines = second.text().split('\n').slice(0, -1)
    expect(aLines).toHaveLength(100)
    expect(bLines).toHaveLength(100)
    expect(aLines[99]).toBe('{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"from a","i":99}')
    expect(bLines[99]).toBe('time=1970-01-01T00:00:00.000Z level=info msg="from b" i=99')
  })

  it('leaves the stream open at close(): it is the application\'s', async () => {
    const out = collector()
    const log = createLogger({ worker, destination: out.stream })
    log.info('one')
    await log.close()
    expect(out.stream.writable).toBe(true)
  })
})

describe('captureLogs()', () => {
  it('gives the lines and the records of the json format', async () => {
    const capture = captureLogs()
    const log = createLogger({ destination: capture.stream, now: () => 0 })
    await started(log, true)
    log.info('hello', { user: 7 })
    log.child({ requestId: 'r1' }).warn('slow', { ms: 950 })
    await log.flush()
    expect(capture.lines()).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"hello","user":7}',
      '{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"slow","requestId":"r1","ms":950}',
    ])
    expect(capture.records()).toEqual([
      { time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'hello', user: 7 },
      { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'slow', requestId: 'r1', ms: 950 },
    ])
    capture.clear()
    log.info('after clear')
    await log.close()
    expect(capture.records()).toEqual([{ time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'after clear' }])
  })

  it('gives the exact lines of logfmt', async () => {
    const capture = captureLogs()
    const log = createLogger({ destination: capture.stream, format: 'logfmt', now: () => 0 })
    log.info('hello world', { user: 7, note: 'a "quoted" word' })
    await log.close()
    expect(capture.lines()).toEqual(['time=1970-01-01T00:00:00.000Z level=info msg="hello world" user=7 note="a \\"quoted\\" word"'])
    expect(() => capture.records()).toThrow(SyntaxError)
  })
})

const index = fileURLToPath(new URL('../dist/src/index.js', import.meta.url))

function run(script: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--input-type=module', '-e', `import { createLogger } from ${JSON.stringify(index)}\n${script}`], { encoding: 'utf8' })
}

describe('stream sinks in a process of their own', () => {
  it('counts the records of a stream that fails as failed, and says so once on stderr', () => {
    const result = run(`import { Writable } from 'node:stream'
const stream = new Writable({ write(chunk, encoding, callback) { callback(Object.assign(new Error('disk gone'), { code: 'EGONE' })) } })
const log = createLogger({ destination: stream })
for (let i = 0; i < 50; i++) log.info('lost', { i })
await log.flush()
for (let i = 0; i < 50; i++) log.info('lost again', { i })
await log.close()
const { written, failed, lastError } = log.metrics()
console.log(JSON.stringify({ written, failed, lastError }))`)
    expect(result.status).toBe(0)
    // The latest error: the writes after the first find the stream destroyed.
    expect(JSON.parse(result.stdout)).toEqual({ written: 0, failed: 100, lastError: 'write ERR_STREAM_DESTROYED: Cannot call write after a stream was destroyed' })
    expect(result.stderr).toBe('ringlog: cannot write records to the stream (EGONE): disk gone; failed records are counted in metrics().failed\n')
  })

  it('writes every record when the event loop runs out, to a PassThrough piped to a file', () => {
    const file = join(tempDir(), 'piped.log')
    const result = run(`import { createWriteStream } from 'node:fs'
import { PassThrough } from 'node:stream'
const through = new PassThrough()
through.pipe(createWriteStream(${JSON.stringify(file)}))
const log = createLogger({ destination: through })
for (let i = 0; i < 5000; i++) log.info('record', { i })`)
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1)
    expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(Array.from({ length: 5000 }, (_, i) => i))
  })

  it('writes every record logged before a flush() that process.exit() follows', () => {
    const file = join(tempDir(), 'exit.log')
    const result = run(`import { openSync, writeSync } from 'node:fs'
import { Writable } from 'node:stream'
const fd = openSync(${JSON.stringify(file)}, 'a')
// Like process.stdout on a file: written synchronously.
const stream = new Writable({ write(chunk, encoding, callback) { writeSync(fd, chunk); callback() } })
const log = createLogger({ destination: stream })
for (let i = 0; i < 5000; i++) log.info('record', { i })
await log.flush()
process.exit(0)`)
    expect(result.status).toBe(0)
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1)
    expect(lines).toHaveLength(5000)
  })

  it('at process.exit() without a flush, writes every record to the stream or says on stderr how many it could not', () => {
    const file = join(tempDir(), 'exit.log')
    const count = 100_000
    const result = run(`import { openSync, writeSync } from 'node:fs'
import { Writable } from 'node:stream'
const fd = openSync(${JSON.stringify(file)}, 'a')
const stream = new Writable({ write(chunk, encoding, callback) { writeSync(fd, chunk); callback() } })
const log = createLogger({ destination: stream })
await new Promise((resolve) => setTimeout(resolve, 50))
// One synchronous loop: the batches the drain worker hands back meanwhile wait for an event loop turn that never comes.
for (let i = 0; i < ${count}; i++) log.info('record', { i })
process.exit(0)`)
    expect(result.status).toBe(0)
    const written = readFileSync(file, 'utf8').split('\n').slice(0, -1).map((line) => (JSON.parse(line) as { i: number }).i)
    expect(new Set(written).size).toBe(written.length)
    const unwritten = /^ringlog: (\d+) records formatted for a stream sink were not written: the process exited before its event loop took them; await log.flush\(\) before process.exit\(\)\n$/.exec(result.stderr)
    expect(written.length + Number(unwritten?.[1] ?? 0)).toBe(count)
    if (unwritten === null) expect(result.stderr).toBe('')
  })

  it("a worker thread's stream gets its records from the drain worker, on that thread", async () => {
    const run = await runFixture('stream-thread.mjs', ['2000'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout) as { lines: string[]; written: number; writtenOnCaller: number; failed: number }
    expect(result).toMatchObject({ written: 2000, writtenOnCaller: 0, failed: 0 })
    expect(result.lines).toEqual(Array.from({ length: 2000 }, (_, i) => `{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"from a worker thread","i":${i}}`))
  })

  it('a stream nobody reads does not keep the process from ending', () => {
    const started = performance.now()
    const result = run(`import { PassThrough } from 'node:stream'
const stream = new PassThrough()
const log = createLogger({ destination: stream })
for (let i = 0; i < 20000; i++) log.info('record', { i })
// The drain worker's batches arrive in turns of this event loop: wait for the first (a loaded machine is slow).
const since = Date.now()
const check = () => (stream.writableLength > 0 || Date.now() - since > 5000 ? console.log(stream.writableLength > 0) : setTimeout(check, 10))
check()`)
    expect(result.status).toBe(0)
    expect(result.stdout).toBe('true\n')
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})
