/**
 * Issue 20's performance goals: field encryption and tamper evidence against a plain file sink,
 * and what `durability: 'fsync'` costs a program that awaits flush() after each record.
 *
 * Run:   npm run bench:security                (builds, then this)
 *        node dist/bench/security.js           after `npx tsc -p tsconfig.json`
 * Env:   BENCH_RECORDS=300000   records per burst run (default 300000)
 *        BENCH_ROUNDS=5         rounds, variants interleaved (default 5)
 *        BENCH_SECONDS=5        seconds of each flusher run (default 5)
 *
 * Every run is a fresh child process (`node security.js --run burst|flushers VARIANT N`) logging
 * JSON lines to a file in a temp dir of its own, with the drain worker (`worker: true`) and an
 * 8 MiB ring. Every record is the `fields()` record of bench/record.ts with two nested objects
 * more, `user` (with `ssn`) and `card` (with `number`), in every variant: the baseline logs the
 * same record the encrypting one seals.
 *
 * The burst runs (`file`, `encrypt`, `integrity`) do what bench/remote-sinks.ts does: make the
 * logger, wait until the drain worker holds the ring, log the records in one loop and await
 * flush(). Per run: the calling thread's ns per record (the loop), end-to-end records/s (the
 * loop's start to flush()), CPU per record of the logging process (every thread: the drain
 * worker's encryption and hashing count), and peak RSS. After the clock, the run checks the file:
 * exactly one line per record (and the checkpoints), for `encrypt` every ssn and card number
 * sealed and none left plain, for `integrity` the chain verified as `ringlog verify` does.
 * Ratios are of the same round, against `file`.
 *
 * The flusher runs (`fsync`, `flush-nofsync`): 100 async tasks, each looping { log one record;
 * await log.flush(); note how long the flush took } for BENCH_SECONDS, to a file sink with
 * `durability: 'fsync'` (each batch fdatasync'ed before a flush that waits for it resolves) and
 * with the default 'none'. Per run: records/s over the whole span, p50 and p99 of the flush
 * latencies, CPU per record and peak RSS.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { verifyFiles } from '../src/integrity/verify-files.js'
import { createLogger, type LoggerOptions } from '../src/index.js'
import { CHECKPOINT_START } from '../src/integrity/checkpoint.js'
import { transportOf } from '../src/logger.js'
import type { WorkerTransport } from '../src/worker-transport.js'
import { checkMetrics, childArgs, interleave, machine, mark, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { fail, int, median, positiveInt } from './numbers.js'
import { fields, MESSAGE, type Fields } from './record.js'

const SELF = fileURLToPath(import.meta.url)
const RECORDS = positiveInt('BENCH_RECORDS', 300_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const SECONDS = positiveInt('BENCH_SECONDS', 5)
const FLUSHERS = 100
const RING = 8 << 20
const MiB = 2 ** 20
/** 32 bytes, hex: the same in every run. */
const ENCRYPTION_KEY = createHash('sha256').update('ringlog bench: encryption').digest('hex')
const INTEGRITY_KEY = createHash('sha256').update('ringlog bench: integrity').digest('hex')
const SSN = '123-45-6789'
const CARD = '4111111111111111'

const BURST = ['file', 'encrypt', 'integrity'] as const
type Burst = (typeof BURST)[number]
const FLUSHING = ['flush-nofsync', 'fsync'] as const
type Flushing = (typeof FLUSHING)[number]
/** The burst table's goals: end-to-end records/s at least this share of `file`'s, same round. */
const GOALS: Record<Exclude<Burst, 'file'>, number> = { encrypt: 0.7, integrity: 0.8 }

interface BurstResult {
  callingNsPerRecord: number
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
  /** Checkpoint lines in the file (integrity). */
  checkpoints: number
}

interface FlushResult {
  records: number
  recordsPerSec: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  cpuNsPerRecord: number
  peakRssMiB: number
}

interface SecurityFields extends Fields {
  user: { id: number; ssn: string }
  card: { number: string; brand: string }
}

/** fields(i), and the two values `encrypt` seals. */
function record(i: number): SecurityFields {
  const f = fields(i) as SecurityFields
  f.user = { id: f.userId, ssn: SSN }
  f.card = { number: CARD, brand: 'visa' }
  return f
}

function loggerOptions(variant: Burst | Flushing, path: string): LoggerOptions {
  const file = { type: 'file' as const, path, format: 'json' as const }
  switch (variant) {
    case 'file':
    case 'flush-nofsync':
      return { sinks: [file], bufferSize: RING, worker: true }
    case 'encrypt':
      return { sinks: [file], bufferSize: RING, worker: true, encrypt: { paths: ['user.ssn', 'card.number'], key: ENCRYPTION_KEY } }
    case 'integrity':
      return { sinks: [{ ...file, integrity: { key: INTEGRITY_KEY } }], bufferSize: RING, worker: true }
    case 'fsync':
      return { sinks: [{ ...file, durability: 'fsync' }], bufferSize: RING, worker: true }
  }
}

/** The file's lines: records and checkpoints, checked against what the variant must have written. */
async function checkFile(variant: Burst | Flushing, path: string, records: number): Promise<number> {
  const text = readFileSync(path, 'utf8')
  if (!text.endsWith('\n')) fail(`${variant}: the file does not end with a line feed`)
  const lines = text.slice(0, -1).split('\n')
  const checkpoints = lines.filter((line) => line.startsWith(CHECKPOINT_START)).length
  if (lines.length - checkpoints !== records) fail(`${variant}: the file has ${lines.length - checkpoints} record lines, expected ${records}`)
  if (variant === 'encrypt') {
    if (text.includes(SSN) || text.includes(CARD)) fail('encrypt: a value left plain in the file')
    const sealed = text.split('"enc:v1:').length - 1
    if (sealed !== 2 * records) fail(`encrypt: ${sealed} sealed values in the file, expected ${2 * records}`)
  } else if (!text.includes(SSN) || !text.includes(CARD)) {
    fail(`${variant}: the record's ssn and card number are not in the file`)
  }
  if (variant === 'integrity') {
    if (checkpoints === 0) fail('integrity: no checkpoint in the file')
    const verified = await verifyFiles([path], { hmac: new Map([['k1', Buffer.from(INTEGRITY_KEY, 'hex')]]) })
    if (!verified.ok) fail(`integrity: the chain does not verify: line ${verified.line}: ${verified.message}`)
    if (verified.lines !== records) fail(`integrity: the chain seals ${verified.lines} lines, expected ${records}`)
  } else if (checkpoints !== 0) {
    fail(`${variant}: ${checkpoints} checkpoint lines without integrity`)
  }
  return checkpoints
}

/** One burst run, in this fresh process. */
async function burst(variant: Burst, records: number): Promise<BurstResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-security-bench-'))
  const path = join(dir, 'bench.log')
  try {
    const log = createLogger(loggerOptions(variant, path))
    await (transportOf(log) as WorkerTransport).running()
    const start = mark()
    for (let i = 0; i < records; i++) log.info(MESSAGE, record(i))
    const loopEnd = performance.now()
    await log.flush()
    const end = mark()
    const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB
    checkMetrics(variant, log, records)
    await log.close()
    // After the clock: the file holds what it must.
    const checkpoints = await checkFile(variant, path, records)
    return {
      callingNsPerRecord: ((loopEnd - start.ms) * 1e6) / records,
      e2eRecordsPerSec: records / ((end.ms - start.ms) / 1000),
      cpuNsPerRecord: ((end.cpuUs - start.cpuUs) * 1000) / records,
      peakRssMiB,
      checkpoints,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One flusher run: FLUSHERS tasks, each logging a record and awaiting flush() in turn, for `seconds`. */
async function flushers(variant: Flushing, seconds: number): Promise<FlushResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-security-bench-'))
  const path = join(dir, 'bench.log')
  try {
    const log = createLogger(loggerOptions(variant, path))
    await (transportOf(log) as WorkerTransport).running()
    const latencies: number[] = []
    let logged = 0
    const start = mark()
    const deadline = start.ms + seconds * 1000
    const task = async (): Promise<void> => {
      while (performance.now() < deadline) {
        log.info(MESSAGE, record(logged++))
        const before = performance.now()
        await log.flush()
        latencies.push(performance.now() - before)
      }
    }
    await Promise.all(Array.from({ length: FLUSHERS }, task))
    const end = mark()
    const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB
    checkMetrics(variant, log, logged)
    await log.close()
    await checkFile(variant, path, logged)
    latencies.sort((a, b) => a - b)
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]
    return {
      records: logged,
      recordsPerSec: logged / ((end.ms - start.ms) / 1000),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: latencies[latencies.length - 1],
      cpuNsPerRecord: ((end.cpuUs - start.cpuUs) * 1000) / logged,
      peakRssMiB,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  console.error(`security: ${int(RECORDS)} records per burst run, ${FLUSHERS} flushers for ${SECONDS} s, ${ROUNDS} rounds (${machine()})`)
  const results = await interleave(BURST, ROUNDS, async (name, round) => {
    const r = await runChild<BurstResult>(SELF, ['burst', name, String(RECORDS)])
    console.error(`round ${round + 1}/${ROUNDS} ${name.padEnd(10)} calling ${r.callingNsPerRecord.toFixed(0).padStart(5)} ns  e2e ${int(r.e2eRecordsPerSec).padStart(9)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(6)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`)
    return r
  })
  console.log(`\n### Field encryption and integrity: ${int(RECORDS)} records per run, json to a file, 8 MiB ring, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'calling thread ns/record', 'calling thread vs file, same round', 'end-to-end records/s', 'e2e vs file, same round', 'goal', 'CPU ns/record (all threads)', 'CPU vs file, same round', 'peak RSS MiB'],
    BURST.map((name) => {
      const runs = results.get(name)!
      const e2e = pairedRatio(results, name, 'file', 'e2eRecordsPerSec')
      const goal = name === 'file' ? '' : `≥ ${GOALS[name].toFixed(2)}×: ${e2e >= GOALS[name] ? 'met' : 'NOT met'}`
      return [
        name, medianOf(runs, 'callingNsPerRecord').toFixed(0), ratio(pairedRatio(results, name, 'file', 'callingNsPerRecord')),
        int(medianOf(runs, 'e2eRecordsPerSec')), ratio(e2e), goal,
        medianOf(runs, 'cpuNsPerRecord').toFixed(0), ratio(pairedRatio(results, name, 'file', 'cpuNsPerRecord')), medianOf(runs, 'peakRssMiB').toFixed(0),
      ]
    }),
  ))
  const checkpoints = median(results.get('integrity')!.map((r) => r.checkpoints))
  console.log(`\n(integrity: ${int(checkpoints)} checkpoint lines a run, median; every run's file verified)`)

  const flushed = await interleave(FLUSHING, ROUNDS, async (name, round) => {
    const r = await runChild<FlushResult>(SELF, ['flushers', name, String(SECONDS)])
    console.error(`round ${round + 1}/${ROUNDS} ${name.padEnd(13)} ${int(r.recordsPerSec).padStart(8)} records/s  flush p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  max ${r.maxMs.toFixed(1)} ms  CPU ${r.cpuNsPerRecord.toFixed(0)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`)
    return r
  })
  console.log(`\n### ${FLUSHERS} flushers, each { log one record; await flush() } for ${SECONDS} s, json to a file, 8 MiB ring, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'records/s', 'vs flush-nofsync, same round', 'flush p50 ms', 'flush p99 ms', 'flush max ms', 'CPU ns/record (all threads)', 'peak RSS MiB', 'records a run'],
    FLUSHING.map((name) => {
      const runs = flushed.get(name)!
      return [
        name, int(medianOf(runs, 'recordsPerSec')), ratio(pairedRatio(flushed, name, 'flush-nofsync', 'recordsPerSec')),
        medianOf(runs, 'p50Ms').toFixed(2), medianOf(runs, 'p99Ms').toFixed(2), medianOf(runs, 'maxMs').toFixed(1),
        medianOf(runs, 'cpuNsPerRecord').toFixed(0), medianOf(runs, 'peakRssMiB').toFixed(0), int(medianOf(runs, 'records')),
      ]
    }),
  ))
  console.log('\n' + (Object.keys(GOALS) as (keyof typeof GOALS)[]).map((name) => {
    const e2e = pairedRatio(results, name, 'file', 'e2eRecordsPerSec')
    return `${name}: end to end ${ratio(e2e)} file's records/s in the same round (goal at least ${GOALS[name].toFixed(2)}×): ${e2e >= GOALS[name] ? 'met' : 'NOT met'}`
  }).join('\n'))
}

const args = childArgs()
if (args !== undefined) {
  const [kind, variant, n] = args
  if (kind === 'burst' && (BURST as readonly string[]).includes(variant)) report(await burst(variant as Burst, Number(n)))
  else if (kind === 'flushers' && (FLUSHING as readonly string[]).includes(variant)) report(await flushers(variant as Flushing, Number(n)))
  else fail(`no run ${kind} ${variant}`)
} else {
  await main()
}
