/**
 * Signals with ringlog's default `handleSignals: true` (src/exit.ts): on SIGTERM, SIGINT and SIGHUP
 * everything logged so far, in every thread, is written; then the process dies of the signal unless
 * the application listens for it itself (or, for SIGHUP, a logger reopens its files on it).
 *
 * Each run is test/fixtures/signal-burst.mjs logging 300,000 records in chunks of 1,000 and printing
 * "logged N" after each; the test signals it after a number of those lines picked by a seeded PRNG
 * (mulberry32). A failure names the seed; SIGNAL_SEED=<n> runs another.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixture, readRecords, tempDir } from './helpers/files.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.SIGNAL_SEED ?? 0x5167a15) >>> 0
const SEED_TEXT = `SIGNAL_SEED=${SEED}`
const TOTAL = 300_000
/** A run that is still going after this long is killed (SIGKILL) and fails: it never ends otherwise. */
const RUN_LIMIT_MS = 30_000

/** After how many "logged" lines (between 5 and 250) run `salt` sends its signal. */
function moment(salt: number): number {
  return 5 + new Random((SEED ^ salt) >>> 0).int(246)
}

interface SignalRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The last "logged N" the fixture printed before the signal was sent: at least N records were logged. */
  lastPrinted: number
  /** Whether the signal was sent at all (the run may have ended before the chosen moment). */
  sent: boolean
}

interface RunOptions {
  /** Runs the fixture as `sh -c 'node fixture file mode; echo status=$?'`, the signal going to node. */
  shell?: boolean
}

/**
 * Runs signal-burst.mjs with FILE and MODE and sends `signal` to the node process once it has
 * printed `after` "logged N" lines.
 */
function runAndSignal(file: string, mode: string, signal: NodeJS.Signals, after: number, { shell = false }: RunOptions = {}): Promise<SignalRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = shell
      ? spawn('sh', ['-c', '"$1" "$2" "$3" "$4"; echo status=$?', 'sh', process.execPath, fixture('signal-burst.mjs'), file, mode], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [fixture('signal-burst.mjs'), file, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let pid: number | undefined
    let lines = 0
    let lastPrinted = -1
    let sent = false
    let parsed = 0
    const limit = setTimeout(() => {
      stderr += `\n[test] still running after ${RUN_LIMIT_MS} ms: killed\n`
      if (pid !== undefined) process.kill(pid, 'SIGKILL')
      child.kill('SIGKILL')
    }, RUN_LIMIT_MS)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      // Complete lines only: a chunk may end inside one.
      const end = stdout.lastIndexOf('\n') + 1
      for (const line of stdout.slice(parsed, end).split('\n')) {
        const pidMatch = /^pid (\d+)$/.exec(line)
        if (pidMatch !== null) pid = Number(pidMatch[1])
        const logged = /^logged (\d+)$/.exec(line)
        if (logged !== null && !sent) {
          lines++
          lastPrinted = Number(logged[1])
        }
      }
      parsed = end
      if (!sent && lines >= after && pid !== undefined) {
        sent = true
        process.kill(pid, signal)
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, closeSignal) => {
      clearTimeout(limit)
      resolve({ code, signal: closeSignal, stdout, stderr, lastPrinted, sent })
    })
  })
}

/** What a failure should show about the run. */
function describeRun(run: SignalRun): string {
  const tail = run.stdout.split('\n').slice(-4).join('|')
  return `${SEED_TEXT}; code ${run.code}, signal ${run.signal}, last printed ${run.lastPrinted}, stdout ends ${JSON.stringify(tail)}, stderr ${JSON.stringify(run.stderr.slice(0, 2000))}`
}

/**
 * The seqs of the 'record' records of `file`, checked to be exactly 0..k-1 in order (each once);
 * returns k. One message naming the first wrong place instead of an expect per record.
 */
function contiguousRecords(file: string, context: string): number {
  const seqs = readRecords(file).filter((record) => record.msg === 'record').map((record) => record.seq)
  const wrong = seqs.findIndex((seq, i) => seq !== i)
  if (wrong !== -1) {
    expect.fail(
      `${context}: ${seqs.length} records, the record at index ${wrong} has seq ${String(seqs[wrong])} ` +
        `(around it: ${JSON.stringify(seqs.slice(Math.max(0, wrong - 3), wrong + 4))})`,
    )
  }
  return seqs.length
}

/** The run died of `signal`, and every record logged before it was sent is in `file`, contiguous from 0. */
function expectKilledWithEverything(run: SignalRun, file: string, signal: NodeJS.Signals): void {
  const context = describeRun(run)
  expect(run.sent, context).toBe(true)
  expect(run.lastPrinted, context).toBeGreaterThan(0)
  expect(run.signal, context).toBe(signal)
  expect(run.code, context).toBeNull()
  expect(existsSync(file), `${context}: no log file`).toBe(true)
  const k = contiguousRecords(file, context)
  expect(k, `${context}: records written`).toBeGreaterThanOrEqual(run.lastPrinted)
  expect(k, context).toBeLessThanOrEqual(TOTAL)
}

/** The signal came, the process lived on to its natural end, and every record is in the file. Returns the run's description. */
function expectLivedOnWithEverything(run: Awaited<ReturnType<typeof runAndSignal>>, file: string): string {
  const context = describeRun(run)
  expect(run.sent, context).toBe(true)
  expect(run.signal, context).toBeNull()
  expect(run.code, context).toBe(0)
  expect(run.stdout, context).toContain('done\n')
  expect(contiguousRecords(file, context), context).toBe(TOTAL)
  return context
}

describe(`signals with the default handleSignals (${SEED_TEXT})`, () => {
  for (const [signal, salts, name] of [['SIGTERM', [0x7e01, 0x7e02, 0x7e03], 'term'], ['SIGINT', [0x1e01, 0x1e02, 0x1e03], 'int']] as const) {
    for (const [i, salt] of salts.entries()) {
      const after = moment(salt)
      it(`${signal} at a random moment (after ${after} chunks, ${SEED_TEXT}, run ${i + 1}) with default options: every record logged before it is written, and the process dies of ${signal}`, async () => {
        const file = join(tempDir(), `${name}.log`)
        const run = await runAndSignal(file, 'default', signal, after)
        expectKilledWithEverything(run, file, signal)
      })
    }
  }

  {
    const after = moment(0x5e11)
    it(`SIGTERM through a shell (after ${after} chunks, ${SEED_TEXT}): the shell sees exit status 143, as without ringlog`, async () => {
      const file = join(tempDir(), 'shell.log')
      const run = await runAndSignal(file, 'default', 'SIGTERM', after, { shell: true })
      const context = describeRun(run)
      expect(run.sent, context).toBe(true)
      // The shell itself ends normally, after printing node's status.
      expect(run.code, context).toBe(0)
      expect(run.stdout, context).toMatch(/^status=143$/m)
      const k = contiguousRecords(file, context)
      expect(k, context).toBeGreaterThanOrEqual(run.lastPrinted)
    })
  }

  {
    const after = moment(0xa991)
    it(`SIGTERM with an application listener (after ${after} chunks, ${SEED_TEXT}): ringlog writes everything and the application's process.exit(7) decides`, async () => {
      const file = join(tempDir(), 'listener.log')
      const run = await runAndSignal(file, 'listener', 'SIGTERM', after)
      const context = describeRun(run)
      expect(run.sent, context).toBe(true)
      expect(run.code, context).toBe(7)
      expect(run.signal, context).toBeNull()
      const k = contiguousRecords(file, context)
      expect(k, context).toBeGreaterThanOrEqual(run.lastPrinted)
      const records = readRecords(file)
      const app = records.findIndex((record) => record.msg === 'app handler')
      expect(app, `${context}: no 'app handler' record`).toBeGreaterThanOrEqual(0)
      // Logged by the listener, so after every record printed as logged before the signal.
      expect(app, context).toBeGreaterThanOrEqual(run.lastPrinted)
    })
  }

  {
    const after = moment(0xbee9)
    it(`SIGTERM with an application listener that keeps running (after ${after} chunks, ${SEED_TEXT}): the process lives on and all 300,000 records are written once, in order`, async () => {
      const file = join(tempDir(), 'keep.log')
      const run = await runAndSignal(file, 'keep', 'SIGTERM', after)
      const context = expectLivedOnWithEverything(run, file)
      const handled = run.stdout.indexOf('handled\n')
      expect(handled, context).toBeGreaterThanOrEqual(0)
      expect(run.stdout.indexOf('done\n'), context).toBeGreaterThan(handled)
      expect(run.stdout, context).toContain(`logged ${TOTAL}\n`)
      expect(readRecords(file), context).toHaveLength(TOTAL)
    })
  }

  {
    const after = moment(0x0ff0)
    it(`handleSignals: false (after ${after} chunks, ${SEED_TEXT}): no signal listener is installed and SIGTERM ends the process by default`, async () => {
      const file = join(tempDir(), 'off.log')
      const run = await runAndSignal(file, 'off', 'SIGTERM', after)
      const context = describeRun(run)
      expect(run.sent, context).toBe(true)
      // Printed right after createLogger(), before any "logged" line.
      expect(run.stdout, context).toMatch(/^pid \d+\nlisteners 0\nother listeners SIGINT 0 SIGHUP 0\n/)
      expect(run.signal, context).toBe('SIGTERM')
      expect(run.code, context).toBeNull()
    })
  }

  {
    const after = moment(0x4b01)
    it(`SIGHUP without reopen (after ${after} chunks, ${SEED_TEXT}): every record logged before it is written, and the process dies of SIGHUP`, async () => {
      const file = join(tempDir(), 'hup.log')
      const run = await runAndSignal(file, 'default', 'SIGHUP', after)
      expectKilledWithEverything(run, file, 'SIGHUP')
    })
  }

  {
    const after = moment(0x4e09)
    it(`SIGHUP with reopen: 'SIGHUP' (after ${after} chunks, ${SEED_TEXT}): the files are reopened, the process lives on and all 300,000 records are written`, async () => {
      const file = join(tempDir(), 'reopen.log')
      const run = await runAndSignal(file, 'reopen', 'SIGHUP', after)
      expectLivedOnWithEverything(run, file)
    })
  }

  for (const [i, salt] of [0x7d01, 0x7d02, 0x7d03].entries()) {
    const after = moment(salt)
    it(`SIGTERM at a random moment while a worker_thread logs (after ${after} chunks, ${SEED_TEXT}, run ${i + 1}): the thread's records logged before it are written, and the process dies of SIGTERM`, async () => {
      const file = join(tempDir(), 'thread.log')
      const run = await runAndSignal(file, 'thread', 'SIGTERM', after)
      expectKilledWithEverything(run, file, 'SIGTERM')
      // The main thread's own logger is written too.
      const main = readRecords(`${file}.main`)
      expect(main.map((record) => record.msg), describeRun(run)).toEqual(['main ready'])
    })
  }

  // The drain worker, started by the main thread's logger, may still be loading when the thread's
  // ring is announced, and so get it only with its task, after the signal: the host announces every
  // ring again with the exit request.
  it.each([1, 2, 3])('SIGTERM after the first chunk of a worker_thread, while the drain worker may still be starting (run %i): the chunk is written', async () => {
    const file = join(tempDir(), 'thread-early.log')
    const run = await runAndSignal(file, 'thread', 'SIGTERM', 1)
    expectKilledWithEverything(run, file, 'SIGTERM')
  })
})
