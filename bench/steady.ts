/**
 * Steady rates, as a service logs: what each record costs in CPU across every thread, and how long
 * each log call holds up the calling thread, at 1,000 to 100,000 records/s. ringlog's log.info and
 * log.event against pino's sync and async destinations, and a run that logs nothing.
 *
 * Run:   npm run bench                  (builds, then bench/e2e.ts's sets, then this)
 *        node dist/bench/steady.js      after `npx tsc -p tsconfig.json`
 * Env:   BENCH_RATES=1000,50000     records/s (default 1000,10000,50000,100000)
 *        BENCH_SECONDS=3            measured seconds per run (default 3)
 *        BENCH_WARMUP_MS=500        paced logging before the measured seconds, not measured (default 500)
 *        BENCH_WARM_CODE=50000      records logged at 100,000/s before that, not measured (default 50,000)
 *        BENCH_ROUNDS=3             rounds; at each rate every variant runs once per round, interleaved
 *                                   (default 3, not e2e's 5: 5 variants x 4 rates x ~4.5 s is 90 s a round)
 *
 * Every run is a fresh child process (`node steady.js --run VARIANT RATE`) that imports only its
 * own library and makes its logger writing to a file in a temp dir. A timer ticks about every
 * millisecond and logs however many records are due by then (rate x elapsed): first BENCH_WARM_CODE
 * records at 100,000/s, so that the code is compiled as in a service that has run for a while (at
 * 1,000/s the compiler's threads would otherwise be busy through the measured seconds, on the
 * library's account), then the warm-up at the rate, then the measured seconds, whose last tick
 * logs exactly rate x seconds in all; then the logger is flushed (pino async's destination ended)
 * and the run waits until the file holds every line. Per run:
 * - CPU ns/record: process.cpuUsage() (every thread of the process) from the first measured tick
 *   until the file holds every line, over the measured records. "over no logging" subtracts the
 *   no-logging run's at the same rate in the same round: the pacing loop, its timer and the timing
 *   around each call cost the same there, and what is left is the logger's.
 * - Call latency: performance.now() (the monotonic high-resolution clock) read around each call,
 *   into a Float64Array allocated before the logger; p50, p99, p99.9 and max over the measured
 *   calls. The no-logging row is the floor: the timer reads and an empty call.
 * - Peak RSS: the process's maxRSS.
 * - Measured s: how long the measured ticks took; well over BENCH_SECONDS means the calling thread
 *   could not keep the pace (records were logged in bursts, late).
 * The table shows medians over the rounds; the ratios to pino sync are medians of same-round ratios
 * (below 1 is less CPU, shorter calls).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { childArgs, interleave, machine, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { linesOf, noLogging, PINO_SYNC, pinoAsync, pinoSync, ringlog, type FileLogger } from './file-loggers.js'
import { LineCounter } from './line-counter.js'
import { fail, int, positiveInt } from './numbers.js'
import type { Subject } from './subject.js'

const SELF = fileURLToPath(import.meta.url)
const ROUNDS = positiveInt('BENCH_ROUNDS', 3)
const SECONDS = positiveInt('BENCH_SECONDS', 3)
const WARMUP_MS = positiveInt('BENCH_WARMUP_MS', 500)
const WARM_CODE = positiveInt('BENCH_WARM_CODE', 50_000)
const WARM_CODE_RATE = 100_000
const RATES = (process.env.BENCH_RATES || '1000,10000,50000,100000').split(',').map((rate) => {
  const value = Number(rate.trim().replaceAll('_', ''))
  return Number.isInteger(value) && value > 0 ? value : fail(`BENCH_RATES must be positive whole numbers separated by commas, got ${JSON.stringify(process.env.BENCH_RATES)}`)
})
const TICK_MS = 1
const MiB = 2 ** 20

const VARIANTS: FileLogger[] = [
  ringlog('ringlog info', { bufferSize: 8 << 20 }),
  ringlog('ringlog event', { bufferSize: 8 << 20, call: 'event' }),
  pinoSync,
  pinoAsync,
  noLogging,
]

interface Result {
  cpuNsPerRecord: number
  p50Ns: number
  p99Ns: number
  p999Ns: number
  maxNs: number
  peakRssMiB: number
  measuredSeconds: number
}

/** With the no-logging run's CPU per record, same rate and round, taken away. */
type Netted = Result & { netCpuNsPerRecord: number }

/**
 * Logs records [from, to) at `rate`, starting now: each tick logs the records due by then, each
 * call timed into latencies[i]. Resolves when the last is logged.
 */
function pace(subject: Subject, rate: number, from: number, to: number, latencies: Float64Array): Promise<void> {
  const start = performance.now()
  let i = from
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(to, from + Math.floor((rate * (performance.now() - start)) / 1000))
      for (; i < due; i++) {
        const before = performance.now()
        subject.log(i)
        latencies[i] = performance.now() - before
      }
      if (i === to) {
        clearInterval(timer)
        resolve()
      }
    }, TICK_MS)
  })
}

/** The q-quantile by nearest rank, in ns, of sorted ms. */
const quantileNs = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] * 1e6

function cpuUs(): number {
  const cpu = process.cpuUsage()
  return cpu.user + cpu.system
}

/** One run, in this fresh process. */
async function run(logger: FileLogger, rate: number): Promise<Result> {
  const create = await logger.load()
  const warmup = WARM_CODE + Math.round((rate * WARMUP_MS) / 1000)
  const records = warmup + rate * SECONDS
  const latencies = new Float64Array(records)
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-steady-'))
  const file = join(dir, 'bench.log')
  const counter = new LineCounter(file)
  const lines = linesOf(logger, records)
  try {
    const subject = await create(file, records)
    await pace(subject, WARM_CODE_RATE, 0, WARM_CODE, latencies)
    await pace(subject, rate, WARM_CODE, warmup, latencies)

    const cpuStart = cpuUs()
    const start = performance.now()
    await pace(subject, rate, warmup, records, latencies)
    const measuredSeconds = (performance.now() - start) / 1000
    await subject.drain()
    if (counter.update() < lines) await counter.reach(lines, logger.name)
    const cpu = cpuUs() - cpuStart

    await subject.close()
    if (counter.update() !== lines) fail(`${logger.name}: file has ${counter.lines} lines, expected exactly ${lines}`)
    const sorted = latencies.slice(warmup).sort()
    return {
      cpuNsPerRecord: (cpu * 1000) / (records - warmup),
      p50Ns: quantileNs(sorted, 0.5),
      p99Ns: quantileNs(sorted, 0.99),
      p999Ns: quantileNs(sorted, 0.999),
      maxNs: sorted[sorted.length - 1] * 1e6,
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      measuredSeconds,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function rows(rate: number, results: Map<string, Netted[]>): string[][] {
  return [...results].map(([name, runs]) => {
    const baseline = name === noLogging.name
    const vsPino = (key: keyof Netted & string): string => (baseline ? '' : ratio(pairedRatio(results, name, PINO_SYNC, key)))
    return [
      `${int(rate)}/s ${name}`,
      medianOf(runs, 'cpuNsPerRecord').toFixed(0),
      baseline ? '' : medianOf(runs, 'netCpuNsPerRecord').toFixed(0),
      vsPino('netCpuNsPerRecord'),
      medianOf(runs, 'p50Ns').toFixed(0),
      medianOf(runs, 'p99Ns').toFixed(0),
      medianOf(runs, 'p999Ns').toFixed(0),
      (medianOf(runs, 'maxNs') / 1000).toFixed(0),
      vsPino('p99Ns'),
      medianOf(runs, 'peakRssMiB').toFixed(0),
      medianOf(runs, 'measuredSeconds').toFixed(2),
    ]
  })
}

async function main(): Promise<void> {
  const names = VARIANTS.map((v) => v.name)
  const table: string[][] = []
  for (const rate of RATES) {
    console.error(`steady ${int(rate)} records/s: ${SECONDS} s after ${WARMUP_MS} ms of warm-up (${int(WARM_CODE)} records before), ${ROUNDS} rounds`)
    const results = await interleave(names, ROUNDS, async (name, round) => {
      const r = await runChild<Result>(SELF, [name, String(rate)])
      console.error(
        `round ${round + 1}/${ROUNDS} ${int(rate).padStart(7)}/s ${name.padEnd(14)} CPU ${r.cpuNsPerRecord.toFixed(0).padStart(6)} ns/record  ` +
          `p50 ${r.p50Ns.toFixed(0).padStart(6)} ns  p99 ${r.p99Ns.toFixed(0).padStart(7)} ns  max ${(r.maxNs / 1000).toFixed(0).padStart(6)} µs  ${r.measuredSeconds.toFixed(2)} s`,
      )
      return r
    })
    const floor = results.get(noLogging.name)!
    const netted = new Map([...results].map(([name, runs]) => [name, runs.map((r, round) => ({ ...r, netCpuNsPerRecord: r.cpuNsPerRecord - floor[round].cpuNsPerRecord }))]))
    table.push(...rows(rate, netted))
  }
  console.log(`\n### Steady rates: ${SECONDS} s measured after ${int(WARM_CODE)} records at ${int(WARM_CODE_RATE)}/s and ${WARMUP_MS} ms of warm-up, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable([
    'rate, variant', 'CPU ns/record (all threads)', 'over no logging', `over no logging vs ${PINO_SYNC}`,
    'call p50 ns', 'call p99 ns', 'call p99.9 ns', 'call max µs', `p99 vs ${PINO_SYNC}`, 'peak RSS MiB', 'measured s',
  ], table))
}

const args = childArgs()
if (args !== undefined) {
  const [name, rate] = args
  report(await run(VARIANTS.find((v) => v.name === name) ?? fail(`no variant ${JSON.stringify(name)}`), Number(rate)))
} else {
  await main()
}
