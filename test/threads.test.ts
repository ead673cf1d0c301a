/**
 * Loggers in worker threads. A logger made in any thread has its own ring, and the process's one
 * drain worker, started by the thread that loaded ringlog first (the host, normally the main
 * thread), reads every ring. So what a thread put in its ring is written however the thread ends,
 * loggers of several threads naming one file share its writer, and each logger keeps its own format,
 * level and destination.
 *
 * Each test runs a fixture (test/fixtures/thread-*.mjs) in a fresh Node process.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../dist/src/config.js'
import { readRecords, runFixture, tempDir, type RunResult } from './helpers/files.js'

const COUNT = 50_000
const WARNING =
  'ringlog: loaded first in a worker thread, which now hosts the drain worker of every thread: records in the rings are lost if this thread is terminated. ' +
  'Import ringlog in the main thread before starting worker threads.'

/** What a failure should show about a run. */
function describeRun(run: RunResult): string {
  return `code ${run.code}, signal ${run.signal}, stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr.slice(0, 2000))}`
}

/** The file holds exactly `count` records `record { seq }`, seq 0 to count-1 in order: one message naming the first wrong place. */
function expectNumbered(file: string, count: number, context: string): void {
  const records = readRecords(file)
  const wrong = records.findIndex((record, i) => record.msg !== 'record' || record.seq !== i)
  if (wrong !== -1) {
    expect.fail(`${context}: ${records.length} records, the one at index ${wrong} is ${JSON.stringify(records[wrong])} ` +
      `(seqs around it: ${JSON.stringify(records.slice(Math.max(0, wrong - 3), wrong + 4).map((record) => record.seq))})`)
  }
  expect(records.length, context).toBe(count)
}

/** Runs thread-ending.mjs in MODE, the worker logging COUNT records to a new file; returns the run and the file. */
async function runEnding(mode: string): Promise<{ run: RunResult; file: string; context: string }> {
  const file = join(tempDir(), `${mode}.log`)
  const run = await runFixture('thread-ending.mjs', [file, mode, String(COUNT)])
  return { run, file, context: `${mode}: ${describeRun(run)}` }
}

describe('a worker thread that ends at once after logging, the main thread having loaded ringlog first', () => {
  it.each([
    ['terminated by the main thread (worker.terminate())', 'terminate', 'worker exit 1\n'],
    ['calling process.exit(0)', 'exit', 'worker exit 0\n'],
    ['throwing, while the process goes on', 'throw', 'worker error thrown after logging\nworker exit 1\n'],
  ])('%s: all 50,000 records are written, each once, in order', async (_how, mode, exited) => {
    const { run, file, context } = await runEnding(mode)
    expect(run.code, context).toBe(0)
    expect(run.stdout, context).toBe(`${exited}written ${COUNT}\n`)
    expect(run.stderr, context).toBe('')
    expectNumbered(file, COUNT, context)
  })
})

describe('SIGTERM right after a worker thread logged, the main thread having loaded ringlog but made no logger', () => {
  // The drain worker is started by the worker's first logger, so it may still be starting when the signal comes.
  for (let i = 1; i <= 5; i++) {
    it(`run ${i}: all 50,000 records are written, each once, in order, and the process dies of SIGTERM`, async () => {
      const { run, file, context } = await runEnding('sigterm')
      expect(run.signal, context).toBe('SIGTERM')
      expect(run.code, context).toBeNull()
      expect(run.stdout, context).toBe('')
      expect(run.stderr, context).toBe('')
      expectNumbered(file, COUNT, context)
    })
  }
})

describe('ringlog loaded first in a worker thread', () => {
  it('warns on stderr, once, and the records that thread logged before process.exit() are written', async () => {
    const { run, file, context } = await runEnding('unhosted')
    expect(run.code, context).toBe(0)
    expect(run.stderr, context).toBe(`${WARNING}\n`)
    expect(run.stdout, context).toBe(`worker exit 0\nwritten ${COUNT}\n`)
    expectNumbered(file, COUNT, context)
  })
})

describe('memory and threads of loggers in many worker threads', () => {
  const THREADS = 16
  const MiB = 1 << 20
  /** What a logger may cost beyond its ring: its thread's share of the pipeline, encoder, buffers. */
  const OVERHEAD = 3 * MiB
  /** Threads the process may have beyond the no-logger run: the one drain worker, and some slack for Node's own. */
  const EXTRA_TASKS = 3

  interface Usage {
    rss: number
    tasks: number
  }

  async function usage(mode: 'loggers' | 'bare'): Promise<{ usage: Usage; dir: string }> {
    const dir = tempDir()
    const run = await runFixture('thread-memory.mjs', [dir, mode, String(THREADS)])
    const context = `${mode}: ${describeRun(run)}`
    expect(run.code, context).toBe(0)
    expect(run.stderr, context).toBe('')
    expect(run.stdout, context).toMatch(/^\{"rss":\d+,"tasks":\d+\}\n$/)
    return { usage: JSON.parse(run.stdout) as Usage, dir }
  }

  it.skipIf(process.platform !== 'linux')(
    `16 threads with a default logger each cost at most 16 × (bufferSize + 3 MiB) more RSS than 16 without, and share one drain worker`,
    async () => {
      const { bufferSize } = resolveOptions({})
      const bare = await usage('bare')
      const loggers = await usage('loggers')
      const extra = loggers.usage.rss - bare.usage.rss
      const budget = THREADS * (bufferSize + OVERHEAD)
      const figures = `RSS with 16 loggers ${(loggers.usage.rss / MiB).toFixed(1)} MiB, without ${(bare.usage.rss / MiB).toFixed(1)} MiB: ` +
        `${(extra / MiB).toFixed(1)} MiB more (${(extra / THREADS / MiB).toFixed(2)} MiB a thread; budget ${(budget / MiB).toFixed(0)} MiB). ` +
        `OS threads: ${loggers.usage.tasks} with loggers, ${bare.usage.tasks} without`
      console.log(`[threads] ${figures}`)

      // Every logger did log: the figures are not those of idle loggers.
      for (let n = 0; n < THREADS; n++) {
        const records = readRecords(join(loggers.dir, `thread-${n}.log`))
        expect(records.map((record) => record.i), `thread ${n}`).toEqual(Array.from({ length: 1000 }, (_, i) => i))
        expect(records.every((record) => record.n === n), `thread ${n}`).toBe(true)
      }
      expect(extra, figures).toBeLessThanOrEqual(budget)
      // A drain worker per logger would be 16 more threads.
      expect(loggers.usage.tasks, figures).toBeLessThanOrEqual(bare.usage.tasks + EXTRA_TASKS)
    },
  )
})

describe('many loggers in one process', () => {
  it('200 loggers share one drain thread: one more OS thread, tens of MiB, calls of microseconds, every record written', async () => {
    const dir = tempDir()
    const run = await runFixture('many-loggers.mjs', [dir, '200'])
    const result = JSON.parse(run.stdout) as { threadsAdded: number; rssAddedMiB: number; callUs: number; perLogger: number; written: number; failed: number; dropped: number }
    console.log(`[many loggers] 200 loggers: ${result.threadsAdded} thread(s), ${result.rssAddedMiB} MiB more RSS, ${result.callUs.toFixed(1)} us a call`)
    // A thread per logger cost 200 threads, 2.2 GiB and 0.3 ms a call.
    expect(result.threadsAdded).toBe(1)
    expect(result.rssAddedMiB).toBeLessThan(200)
    expect(result.callUs).toBeLessThan(100)
    expect({ written: result.written, failed: result.failed, dropped: result.dropped }).toEqual({ written: 20_000, failed: 0, dropped: 0 })
    for (let i = 0; i < 200; i++) {
      const rounds = readRecords(join(dir, `${i}.log`)).map((record) => record.round)
      expect(rounds, `logger ${i}`).toEqual([...Array(result.perLogger).keys()])
    }
  })
})

describe('loggers of two threads writing the same file', () => {
  it('20,000 records each, up to 8,000 characters, logged at once, through one file descriptor: every line is one whole record, each once, in order per thread', async () => {
    const count = 20_000
    const file = join(tempDir(), 'same.log')
    const run = await runFixture('thread-same-file.mjs', [file, String(count)])
    const context = describeRun(run)
    expect(run.code, context).toBe(0)
    // One writer: the process has the file open once while both loggers are open.
    const fds = process.platform === 'linux' ? 'fds 1' : 'fds ?'
    expect(run.stdout, context).toBe(`${fds}\nworker exit 0\nworker exit 0\n`)
    expect(run.stderr, context).toBe('')

    const text = readFileSync(file, 'utf8')
    expect(text.endsWith('\n'), 'the file ends with a whole line').toBe(true)
    const lines = text.slice(0, -1).split('\n')
    const next: Record<string, number> = { a: 0, b: 0 }
    let longest = 0
    let switches = 0
    let previous = ''
    for (const [index, line] of lines.entries()) {
      let record: { thread: string; i: number; len: number; pad: string }
      try {
        record = JSON.parse(line) as typeof record
      } catch {
        return expect.fail(`line ${index + 1} is not JSON (torn or mixed): ${JSON.stringify(line.slice(0, 200))}... (${line.length} characters)`)
      }
      const { thread, i, len, pad } = record
      if (!(thread in next) || i !== next[thread] || pad !== thread.repeat(len)) {
        return expect.fail(`line ${index + 1}: thread ${thread} record ${i} (pad of ${pad?.length}, len ${len}), expected record ${next[thread]} of that thread`)
      }
      next[thread]++
      longest = Math.max(longest, len)
      if (previous !== '' && thread !== previous) switches++
      previous = thread
    }
    expect(next).toEqual({ a: count, b: count })
    expect(lines).toHaveLength(2 * count)
    expect(longest, 'records of several KB were among them').toBeGreaterThan(7000)
    // The threads' records meet in the file, else the file proves nothing about sharing its writer.
    expect(switches, 'times the file goes from one thread to the other').toBeGreaterThan(1)
  })
})

describe('loggers with different options in different threads', () => {
  it('each file has its own logger\'s format and levels, byte for byte', async () => {
    const dir = tempDir()
    const run = await runFixture('thread-options.mjs', [dir])
    const context = describeRun(run)
    expect(run.code, context).toBe(0)
    expect(run.stdout, context).toBe('worker exit 0\nworker exit 0\n')
    expect(run.stderr, context).toBe('')

    // Thread a: logfmt, warn and up.
    expect(readFileSync(join(dir, 'a.log'), 'utf8')).toBe([
      'time=2026-11-28T02:04:27.000Z level=warn msg="a warn" n=3',
      'time=2026-11-28T02:04:27.001Z level=error msg="a error" n=4',
      'time=2026-11-28T02:04:27.002Z level=fatal msg="a fatal" n=5',
      '',
    ].join('\n'))
    // Thread b: json, debug and up.
    expect(readFileSync(join(dir, 'b.log'), 'utf8')).toBe([
      '{"time":"2026-11-28T02:04:28.000Z","level":"debug","msg":"b debug","n":1}',
      '{"time":"2026-11-28T02:04:28.001Z","level":"info","msg":"b info","n":2}',
      '{"time":"2026-11-28T02:04:28.002Z","level":"warn","msg":"b warn","n":3}',
      '{"time":"2026-11-28T02:04:28.003Z","level":"error","msg":"b error","n":4}',
      '{"time":"2026-11-28T02:04:28.004Z","level":"fatal","msg":"b fatal","n":5}',
      '',
    ].join('\n'))
    // The main thread: json, the default level (info).
    expect(readFileSync(join(dir, 'main.log'), 'utf8')).toBe([
      '{"time":"2026-11-28T02:04:29.000Z","level":"info","msg":"main info","n":2}',
      '{"time":"2026-11-28T02:04:29.001Z","level":"warn","msg":"main warn","n":3}',
      '{"time":"2026-11-28T02:04:29.002Z","level":"error","msg":"main error","n":4}',
      '{"time":"2026-11-28T02:04:29.003Z","level":"fatal","msg":"main fatal","n":5}',
      '',
    ].join('\n'))
  })
})
