import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions, type RingLogger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { Metrics } from '../dist/src/transport.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixture, readRecords, runFixture, tempDir, type RunResult } from './helpers/files.js'

// A file sink that cannot write: records counted as failed, the error in metrics().lastError and
// once on stderr, the process running on, the file tried again at most once a second, writing
// resumed when the problem is gone. And external rotation (mv + SIGHUP or log.reopen()).
//
// The tests run as root in CI, so nothing here relies on file permissions: a directory where the
// file should be (EISDIR), a regular file where a directory should be (ENOTDIR), /dev/full
// (ENOSPC), a deleted directory (ENOENT).

const modes = [
  { mode: 'worker', worker: true },
  { mode: 'inline', worker: false },
] as const

/** More than the sink's one second between attempts to open the file again. */
const RETRY_WAIT_MS = 1100

async function started(log: RingLogger, worker: boolean): Promise<void> {
  if (worker) await (transportOf(log) as WorkerTransport).running()
}

/** A logger that is closed after `body`, whatever happens in it. */
async function withLogger(options: LoggerOptions, body: (log: RingLogger) => Promise<void>): Promise<void> {
  const log = createLogger(options)
  try {
    await started(log, options.worker !== false)
    await body(log)
  } finally {
    await log.close()
  }
}

const seqs = (path: string): unknown[] => readRecords(path).map((record) => record.seq)
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)
const reportLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('ringlog: cannot write records'))

describe.each(modes)('external rotation: mv, then SIGHUP or log.reopen() ($mode)', ({ mode, worker }) => {
  const COUNT = 2000

  it('with reopen: SIGHUP, the moved file has exactly the records before and the new file the ones after', async () => {
    const dir = tempDir()
    const path = join(dir, 'app.log')
    const moved = join(dir, 'app.log.1')
    let output = ''
    let rotated = false
    const run = await runFixture('file-errors-sighup.mjs', [path, mode, String(COUNT)], (chunk, child) => {
      output += chunk
      if (rotated || !output.includes('ready\n')) return
      rotated = true
      // As logrotate does: move the file, then tell the process. SIGUSR2 (the fixture's own)
      // then makes it log the second batch.
      renameSync(path, moved)
      child.kill('SIGHUP')
      setTimeout(() => child.kill('SIGUSR2'), 50)
    })
    expect(rotated).toBe(true)
    // The fixture has no SIGHUP listener of its own: the logger's handler is what kept it alive.
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' })
    const result = JSON.parse(output.slice(output.indexOf('ready\n') + 'ready\n'.length)) as {
      metrics: Metrics
      sighupListeners: number
      sighupListenersAfterClose: number
    }
    expect(seqs(moved)).toEqual(range(0, COUNT))
    expect(seqs(path)).toEqual(range(COUNT, 2 * COUNT))
    expect(readRecords(moved).every((record) => record.phase === 'before')).toBe(true)
    expect(readRecords(path).every((record) => record.phase === 'after')).toBe(true)
    expect(result.metrics).toMatchObject({ written: 2 * COUNT, failed: 0, dropped: 0 })
    expect(result.metrics.lastError).toBeUndefined()
    expect(result.sighupListeners).toBe(1)
    // close() removes the handler.
    expect(result.sighupListenersAfterClose).toBe(0)
  })

  it('with await log.reopen() in the process, the same', async () => {
    const dir = tempDir()
    const path = join(dir, 'app.log')
    const moved = join(dir, 'app.log.1')
    await withLogger({ sinks: [{ type: 'file', path }], worker }, async (log) => {
      for (let seq = 0; seq < COUNT; seq++) log.info('record', { seq })
      await log.flush()
      renameSync(path, moved)
      await log.reopen()
      for (let seq = COUNT; seq < 2 * COUNT; seq++) log.info('record', { seq })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 2 * COUNT, failed: 0, dropped: 0, lastError: undefined })
    })
    expect(seqs(moved)).toEqual(range(0, COUNT))
    expect(seqs(path)).toEqual(range(COUNT, 2 * COUNT))
  })

  it('records logged before reopen() but not yet written go to the moved file, not the new one', async () => {
    // README: "records logged before go to the moved file, the rest to a new one at the path".
    // Here the records are logged before the file is moved and before reopen() is called, with no
    // flush in between. In worker mode a first sink, a FIFO nobody reads yet, stalls the drain
    // worker, so most of them are certainly not written when the file is moved.
    const dir = tempDir()
    const path = join(dir, 'app.log')
    const moved = join(dir, 'app.log.1')
    const stall = worker ? stalledFifo(dir) : undefined
    const before = 20_000
    const log = createLogger({
      sinks: [...(stall ? [{ type: 'fd' as const, fd: stall.fd }] : []), { type: 'file', path }],
      worker,
    })
    try {
      await started(log, worker)
      for (let seq = 0; seq < before; seq++) log.info('record', { seq, pad: 'x'.repeat(100) })
      renameSync(path, moved)
      const reopened = log.reopen()
      for (let seq = before; seq < 2 * before; seq++) log.info('record', { seq, pad: 'x'.repeat(100) })
      stall?.release()
      await reopened
      await log.flush()
    } finally {
      stall?.release()
      await log.close()
      await stall?.ended()
    }
    expect(log.metrics()).toMatchObject({ failed: 0, dropped: 0 })
    // None lost or written twice in any case...
    expect([...seqs(moved), ...seqs(path)]).toEqual(range(0, 2 * before))
    // ...and the split is at the reopen() call.
    expect(seqs(path)[0]).toBe(before)
    expect(seqs(moved)).toEqual(range(0, before))
    expect(seqs(path)).toEqual(range(before, 2 * before))
  })

  it('reopen() with the file still in place goes on appending to it, nothing lost or repeated', async () => {
    const path = join(tempDir(), 'app.log')
    await withLogger({ destination: path, worker }, async (log) => {
      for (let seq = 0; seq < COUNT; seq++) log.info('record', { seq })
      await log.reopen()
      for (let seq = COUNT; seq < 2 * COUNT; seq++) log.info('record', { seq })
      await log.reopen()
    })
    expect(seqs(path)).toEqual(range(0, 2 * COUNT))
  })
})

describe('a destination that is full (/dev/full: ENOSPC)', () => {
  interface FullResult {
    before: string | null
    metrics: Metrics
  }
  const parse = (run: RunResult): FullResult => JSON.parse(run.stdout) as FullResult

  describe.each(modes)('$mode', ({ mode }) => {
    it.each(['destination', 'sink'])('as %s: counts the records as failed, names ENOSPC, says so once on stderr, exits 0', async (kind) => {
      const run = await runFixture('file-errors-full.mjs', ['/dev/full', kind, mode])
      expect(run).toMatchObject({ code: 0, signal: null })
      const { before, metrics } = parse(run)
      expect(before).toBeNull()
      expect(metrics).toMatchObject({ written: 0, failed: 1000, dropped: 0, bytes: 0 })
      expect(metrics.lastError).toContain('ENOSPC')
      expect(metrics.lastError).toMatch(/^write /)
      const lines = run.stderr.split('\n').filter((line) => line !== '')
      expect(reportLines(run.stderr)).toHaveLength(1)
      expect(lines).toEqual([expect.stringMatching(/^ringlog: cannot write records \(ENOSPC\): .*no space left on device/)])
    })
  })

  it('says so once on stderr also when the calling thread wrote some records before the drain worker was up', async () => {
    const run = await runFixture('file-errors-full.mjs', ['/dev/full', 'sink', 'worker', 'early'])
    expect(run).toMatchObject({ code: 0, signal: null })
    expect(parse(run).metrics).toMatchObject({ written: 0, failed: 1000 })
    expect(reportLines(run.stderr)).toHaveLength(1)
  })

  it('metrics().lastError reads "<stage> <CODE>: <message>", the code not repeated', async () => {
    // transport.ts: "like `write ENOSPC: no space left on device`".
    const run = await runFixture('file-errors-full.mjs', ['/dev/full', 'sink', 'inline'])
    expect(parse(run).metrics.lastError).toBe('write ENOSPC: no space left on device, write')
  })
})

describe.each(modes)('a deleted directory ($mode)', ({ worker }) => {
  it('with mkdir: true (the default) the directory is made again and writing goes on by itself', async () => {
    const dir = tempDir()
    const sub = join(dir, 'sub')
    const path = join(sub, 'app.log')
    await withLogger({ sinks: [{ type: 'file', path }], worker }, async (log) => {
      log.info('before', { seq: 0 })
      await log.flush()
      expect(seqs(path)).toEqual([0])
      rmSync(sub, { recursive: true })

      // The open file's link count is 0 now: the path is opened again, folder made, before the write.
      log.info('while deleted', { seq: 1 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 2, failed: 0, lastError: undefined })

      log.info('after', { seq: 2 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 3, failed: 0, dropped: 0 })
      expect(existsSync(path)).toBe(true)
      expect(seqs(path)).toEqual([1, 2])
    })
  })

  it('a file deleted again and again between records: every record written is in the file at the path, none in a deleted one', async () => {
    const dir = tempDir()
    const path = join(dir, 'app.log')
    const kept: unknown[] = []
    await withLogger({ sinks: [{ type: 'file', path }], worker }, async (log) => {
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 100; i++) log.info('r', { seq: round * 100 + i })
        await log.flush()
        kept.push(...seqs(path))
        rmSync(path)
      }
      log.info('last', { seq: 300 })
      await log.flush()
      kept.push(...seqs(path))
      // Counted written is what the files held at the path, each deleted only after it was read.
      expect(log.metrics()).toMatchObject({ written: 301, failed: 0, dropped: 0 })
    })
    expect(kept).toEqual(Array.from({ length: 301 }, (_, i) => i))
  })

  it('with mkdir: false it fails (ENOENT) until the directory is back, then writing resumes', async () => {
    const dir = tempDir()
    const sub = join(dir, 'sub')
    const path = join(sub, 'app.log')
    mkdirSync(sub)
    await withLogger({ sinks: [{ type: 'file', path, mkdir: false }], worker }, async (log) => {
      log.info('before', { seq: 0 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 1, failed: 0, lastError: undefined })
      rmSync(sub, { recursive: true })
      await sleep(RETRY_WAIT_MS)

      log.info('while deleted', { seq: 1 })
      log.info('while deleted', { seq: 2 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 1, failed: 2 })
      expect(log.metrics().lastError).toContain('ENOENT')

      // A second later the file is tried again, and fails again: the sink does not make the directory.
      await sleep(RETRY_WAIT_MS)
      log.info('still deleted', { seq: 3 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 1, failed: 3 })
      expect(log.metrics().lastError).toContain('ENOENT')
      expect(existsSync(sub)).toBe(false)

      mkdirSync(sub)
      await sleep(RETRY_WAIT_MS)
      log.info('back', { seq: 4 })
      log.info('back', { seq: 5 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 3, failed: 3 })
    })
    // Records logged while failing are lost; the later ones are written.
    expect(seqs(path)).toEqual([4, 5])
  })
})

describe.each(modes)('a path that cannot be opened ($mode)', ({ mode, worker }) => {
  const cases: { name: string; code: string; mkdir: boolean; setup: (dir: string) => string }[] = [
    { name: 'the path is a directory', code: 'EISDIR', mkdir: true, setup: (dir) => dir },
    { name: 'the path is a directory', code: 'EISDIR', mkdir: false, setup: (dir) => dir },
    { name: 'its parent is a regular file', code: 'ENOTDIR', mkdir: false, setup: (dir) => regularFileIn(dir, 'app.log') },
    { name: 'its parent is a regular file', code: 'ENOTDIR', mkdir: true, setup: (dir) => regularFileIn(dir, 'app.log') },
    { name: 'a directory above it is a regular file', code: 'ENOTDIR', mkdir: true, setup: (dir) => regularFileIn(dir, join('sub', 'app.log')) },
  ]

  it.each(cases)('$name (mkdir: $mkdir): createLogger() does not throw, records fail with $code, quickly', async ({ code, mkdir, setup }) => {
    const path = setup(tempDir())
    await withLogger({ sinks: [{ type: 'file', path, mkdir }], worker }, async (log) => {
      const start = performance.now()
      for (let seq = 0; seq < 10_000; seq++) log.info('record', { seq, path: '/api/users', status: 200 })
      await log.flush()
      // No busy loop of attempts to open the file: 10,000 failing records take about as long as written ones.
      expect(performance.now() - start).toBeLessThan(2000)
      const metrics = log.metrics()
      expect(metrics).toMatchObject({ written: 0, failed: 10_000, dropped: 0, bytes: 0 })
      expect(metrics.lastError).toContain(code)
    })
  })

  it('tries to open the file again at most once a second, and does try again', async () => {
    const dir = tempDir()
    const run = await runProbed(dir, ['file-errors-spin.mjs', dir, mode, 'false', '2200'])
    expect(run).toMatchObject({ code: 0, signal: null })
    const result = JSON.parse(run.stdout) as { burstMs: number; totalMs: number; logged: number; metrics: Metrics }
    expect(result.burstMs).toBeLessThan(2000)
    expect(result.metrics).toMatchObject({ written: 0, failed: result.logged })
    expect(result.metrics.lastError).toContain('EISDIR')
    expect(reportLines(run.stderr)).toHaveLength(1)
    // Attempts to open the path, per thread that has a pipeline for it.
    const perThread = new Map<string, number>()
    for (const line of run.stderr.split('\n')) {
      const match = /^probe (\d+) openSync (.*)$/.exec(line)
      if (match && match[2] === dir) perThread.set(match[1], (perThread.get(match[1]) ?? 0) + 1)
    }
    expect(perThread.size).toBeGreaterThan(0)
    const bound = 1 + Math.ceil(result.totalMs / 1000)
    for (const attempts of perThread.values()) expect(attempts).toBeLessThanOrEqual(bound)
    // Over more than two seconds of failing records it did try again (the first attempt is at start).
    expect(Math.max(...perThread.values())).toBeGreaterThanOrEqual(2)
  })
})

describe.each(modes)('metrics().lastError without errors ($mode)', ({ worker }) => {
  it('is undefined from the start, after writing, and after reopen()', async () => {
    const path = join(tempDir(), 'logs', 'app.log')
    await withLogger({ sinks: [{ type: 'file', path }], worker }, async (log) => {
      expect(log.metrics().lastError).toBeUndefined()
      for (let seq = 0; seq < 100; seq++) log.info('record', { seq })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 100, failed: 0 })
      expect(log.metrics().lastError).toBeUndefined()
      await log.reopen()
      log.info('record', { seq: 100 })
      await log.flush()
      expect(log.metrics()).toMatchObject({ written: 101, failed: 0 })
      expect(log.metrics().lastError).toBeUndefined()
    })
    expect(seqs(path)).toEqual(range(0, 101))
  })
})

/**
 * The write end of a FIFO read by `cat`, whose output is not read until release(): a sink writing
 * to it blocks once the pipes are full. (An fd sink, so that reopen() leaves it alone.) `ended`
 * resolves when the descriptor is closed and cat has read everything and exited.
 */
function stalledFifo(dir: string): { fd: number; release: () => void; ended: () => Promise<void> } {
  const fifo = join(dir, 'stall.fifo')
  execFileSync('mkfifo', [fifo])
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] })
  reader.stdout.pause()
  const exited = new Promise<void>((resolve) => reader.on('close', () => resolve()))
  // Returns once cat has opened the FIFO for reading.
  const fd = openSync(fifo, 'w')
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    reader.stdout.on('data', () => {})
    reader.stdout.resume()
  }
  return {
    fd,
    release,
    ended: () => {
      release()
      closeSync(fd)
      return exited
    },
  }
}

/** A regular file `blocker` in dir, and the path `rest` under it (which cannot exist). */
function regularFileIn(dir: string, rest: string): string {
  const blocker = join(dir, 'blocker')
  writeFileSync(blocker, 'not a directory\n')
  return join(blocker, rest)
}

/** Runs a fixture with file-errors-probe.mjs preloaded, counting open attempts under `root` (on stderr). */
function runProbed(root: string, [name, ...args]: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', fixture('file-errors-probe.mjs'), fixture(name), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FILE_ERRORS_PROBE: root },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** A 64 KiB tmpfs mounted for the test (root only), or undefined with the reason it could not be. */
function smallFilesystem(): { dir: string } | { why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    return { why: `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}): the full-disk tests are skipped` }
  }
  afterAll(() => {
    execFileSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir }
}

const fullDisk = smallFilesystem()
if ('why' in fullDisk) console.warn(fullDisk.why)

describe.skipIf('why' in fullDisk).each(modes)('a disk that fills up, then has room again ($mode)', ({ worker }) => {
  it('counts whole records written and the rest failed, exactly; ends the cut record with a line feed before the next one', async () => {
    if ('why' in fullDisk) return
    const { dir } = fullDisk
    const path = join(dir, `${worker ? 'worker' : 'inline'}.log`)
    const filler = join(dir, 'filler')
    writeFileSync(filler, Buffer.alloc(16 << 10))
    const pad = 'p'.repeat(250)
    await withLogger({ destination: path, worker }, async (log) => {
      for (let seq = 0; seq < 400; seq++) log.info('r', { seq, pad })
      await log.flush()
      const full = log.metrics()
      expect(full.failed).toBeGreaterThan(0)
      expect(full.written + full.failed + full.dropped).toBe(400)
      expect(full.lastError).toContain('ENOSPC')

      // Room again: the file is opened again after a second, its cut record ended first.
      rmSync(filler)
      await sleep(RETRY_WAIT_MS)
      for (let seq = 400; seq < 410; seq++) log.info('r', { seq, pad })
      await log.flush()
      const after = log.metrics()
      expect(after.written + after.failed + after.dropped).toBe(410)
      expect(after.written).toBe(full.written + 10)

      const lines = readFileSync(path, 'utf8').split('\n')
      expect(lines.pop()).toBe('')
      const whole = lines.filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as { seq: number; pad: string })
      // Every record counted written is a whole line; one line is the record the full disk cut, ended
      // by a line feed of its own, not glued to the next record.
      expect(whole).toHaveLength(after.written)
      expect(lines.length - whole.length).toBe(1)
      expect(whole.every((record) => record.pad === pad)).toBe(true)
      expect(whole.slice(-10).map((record) => record.seq)).toEqual(range(400, 410))
    })
    rmSync(path)
  })
})

describe('a file whose last line was cut (a process killed while writing)', () => {
  it.each(modes)('gets a line feed before the first new record ($mode)', async ({ worker }) => {
    const path = join(tempDir(), 'app.log')
    writeFileSync(path, '{"level":"info","msg":"whole"}\n{"level":"info","ms')
    await withLogger({ destination: path, worker }, async (log) => {
      log.info('next')
      await log.flush()
    })
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines.slice(0, 2)).toEqual(['{"level":"info","msg":"whole"}', '{"level":"info","ms'])
    expect(JSON.parse(lines[2])).toMatchObject({ level: 'info', msg: 'next' })
    expect(lines).toHaveLength(4)
  })
})
