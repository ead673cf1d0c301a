/**
 * Issue 21's performance goal: the calling thread's log.info cost with OpenTelemetry context
 * present, at most 10 % above without, in the same run.
 *
 * Run:   npm run bench:observability            (builds, then this)
 *        node dist/bench/observability.js       after `npx tsc -p tsconfig.json`
 * Env:   BENCH_RECORDS=1000000   records per run (default 1,000,000)
 *        BENCH_ROUNDS=5          rounds, variants interleaved (default 5)
 *        BENCH_RING_MIB=128      the ring, MiB, a power of two (default 128)
 *
 * The variants, each run a fresh child process (`node observability.js --run burst VARIANT N`):
 *   no-otel             `otel: false`, no OTel context manager registered (the API never imported)
 *   otel-no-span        `@opentelemetry/api` with the SDK's AsyncLocalStorageContextManager
 *                       registered and `otel: true`, every record logged outside any span
 *   otel-span           the same, the whole loop inside one active span (tracer.startActiveSpan of
 *                       a BasicTracerProvider's tracer, the default sampler: sampled)
 *   otel-span-per-1000  the same, a new active span every 1,000 records: a new OTel context each
 *                       time, so ringlog's per-context cache misses once per span. The span's
 *                       start and end are inside the timed loop (one per 1,000 records)
 *
 *   alerts              no OTel, with two alert rules (a count of errors, a rate of errors; filters
 *                       on the level) evaluated on every record; its goal is end to end: at least
 *                       90 % of no-otel's records/s
 *
 * A run logs the `fields()` record of bench/record.ts, json to /dev/null with the drain worker
 * (`worker: true`): it makes the logger, waits until the drain worker holds the ring
 * (`transportOf(log).running()`), logs the records in one loop and awaits flush(). The ring, 128 MiB,
 * is more than twice the most the drain worker lagged behind in a burst on a quiet machine here (52
 * MiB), so the loop is the calling thread's own work and does not wait for room: with the default
 * 8 MiB ring a span variant's burst (its frames 208 bytes, not 122) would at times wait for the
 * drain worker. With another process busy on the same CPUs a span run did fill it: the high-water
 * mark is reported, and the bench says so when a run came within 1 MiB of full.
 * Peak RSS counts the ring's pages as the writer touches them: a span variant's burst (208 MB of
 * frames) goes round the whole ring, no-otel's (122 MB) not quite.
 *
 * Per run: the calling thread's ns per record (the loop alone, wall clock: the goal's measure); the
 * same loop's CPU time of the calling thread alone, and the time it was runnable but had no CPU
 * (Linux's /proc schedstat of the main thread: on this shared 2-CPU VM a run's wall clock at times
 * nearly doubles while the thread's own CPU time does not move); end-to-end records/s (the loop's
 * start to flush()); CPU per record of the process (every thread: the drain worker's formatting of
 * the extra fields counts); peak RSS. Ratios are of the same round, against `no-otel`.
 *
 * Before any timed run, one check run per variant logs CHECK_RECORDS records the same way to a
 * file in a temp dir, and the parent reads it: every record there, and in the span variants every
 * record carrying its span's trace_id, span_id and trace_flags (the ids the tracer gave the span),
 * in the other two none. The bench fails if not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createLogger, type LoggerOptions } from '../src/index.js'
import { transportOf } from '../src/logger.js'
import type { WorkerTransport } from '../src/worker-transport.js'
import { checkMetrics, childArgs, interleave, machine, mark, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { fail, int, positiveInt } from './numbers.js'
import { fields, MESSAGE } from './record.js'

const SELF = fileURLToPath(import.meta.url)
const RECORDS = positiveInt('BENCH_RECORDS', 1_000_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const RING_MIB = positiveInt('BENCH_RING_MIB', 128)
/** The check runs: three spans' worth for otel-span-per-1000. */
const CHECK_RECORDS = 3_000
const SPAN_EVERY = 1_000
const MiB = 2 ** 20
/** The goal: the calling thread at most this times no-otel's, same round. */
const GOAL = 1.1
/** The alerts' goal: end to end at least this share of no-otel's records/s, same round. */
const ALERTS_GOAL = 0.9
/** The rules of the `alerts` variant: the two shapes the issue names, on the level (read from the frame's header), neither firing in a burst of info records. */
const RULES: LoggerOptions['alerts'] = [
  { name: 'error-burst', filter: { field: 'level', equals: 'error' }, when: 'count > 50 in 1m', actions: [{ log: 'error' }] },
  { name: 'error-rate', filter: { field: 'level', oneOf: ['error', 'fatal'] }, when: 'rate > 5% in 5m', actions: [{ log: 'error' }] },
]

const VARIANTS = ['no-otel', 'otel-no-span', 'otel-span', 'otel-span-per-1000', 'alerts'] as const
type Variant = (typeof VARIANTS)[number]
const BASE: Variant = 'no-otel'

interface Result {
  callingNsPerRecord: number
  /** The calling thread's own CPU time in the loop (Linux schedstat; NaN elsewhere). */
  callingCpuNsPerRecord: number
  /** Time the calling thread was ready to run in the loop but had no CPU (schedstat). */
  callingWaitNsPerRecord: number
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
  ringHighWaterMiB: number
}

/** The span ids a run's records were logged in, in order, one per span (the check runs). */
interface SpanIds {
  traceId: string
  spanId: string
}

interface CheckResult {
  spans: SpanIds[]
}

/** Runs `body` as the variant has it: `spans` collects the ids of every span it starts. */
type Looper = (records: number, body: (i: number) => void, spans?: SpanIds[]) => void

/**
 * The variant's loop: without OTel, or with the API's global context manager registered and
 * the records inside no span, one span, or a new span every SPAN_EVERY records.
 */
async function looper(variant: Variant): Promise<Looper> {
  const plain: Looper = (records, body) => {
    for (let i = 0; i < records; i++) body(i)
  }
  if (variant === 'no-otel' || variant === 'alerts') return plain
  const api = await import('@opentelemetry/api')
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks')
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base')
  if (!api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())) fail('could not register the OTel context manager')
  const tracer = new BasicTracerProvider().getTracer('ringlog-bench')
  const inSpan = (name: string, spans: SpanIds[] | undefined, run: () => void): void => {
    tracer.startActiveSpan(name, (span) => {
      spans?.push(span.spanContext())
      run()
      span.end()
    })
  }
  switch (variant) {
    case 'otel-no-span':
      return plain
    case 'otel-span':
      return (records, body, spans) => inSpan('burst', spans, () => plain(records, body))
    case 'otel-span-per-1000':
      return (records, body, spans) => {
        for (let from = 0; from < records; from += SPAN_EVERY) {
          const to = Math.min(records, from + SPAN_EVERY)
          inSpan('block', spans, () => {
            for (let i = from; i < to; i++) body(i)
          })
        }
      }
  }
}

function loggerOptions(variant: Variant, path: string): LoggerOptions {
  const otel = variant !== 'no-otel' && variant !== 'alerts'
  return { sinks: [{ type: 'file', path, format: 'json' }], bufferSize: RING_MIB * MiB, worker: true, otel, ...(variant === 'alerts' ? { alerts: RULES } : {}) }
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`

/**
 * The main thread's CPU time and time runnable but waiting for a CPU so far, ns (Linux's
 * schedstat of the thread whose id is the process's; NaN where there is none). The loop's wall
 * clock counts the time another thread or VM had the CPU; this counts the thread's own work.
 */
function threadTimes(): { cpuNs: number; waitNs: number } {
  try {
    const [cpu, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number)
    return { cpuNs: cpu, waitNs: wait }
  } catch {
    return { cpuNs: NaN, waitNs: NaN }
  }
}

/** One timed run, in this fresh process: RECORDS log.info calls to /dev/null. */
async function burst(variant: Variant, records: number): Promise<Result> {
  const loop = await looper(variant)
  const log = createLogger(loggerOptions(variant, '/dev/null'))
  await (transportOf(log) as WorkerTransport).running()
  let start = mark()
  let thread = threadTimes()
  let loopEnd = 0
  let threadEnd = thread
  loop(records, (i) => {
    // The clock starts at the first record: inside the span, once it is active.
    if (i === 0) {
      thread = threadTimes()
      start = mark()
    }
    log.info(MESSAGE, fields(i))
    if (i === records - 1) {
      loopEnd = performance.now()
      threadEnd = threadTimes()
    }
  })
  await log.flush()
  const end = mark()
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB
  checkMetrics(variant, log, records)
  const ringHighWaterMiB = log.metrics().ringHighWater / MiB
  await log.close()
  return {
    callingNsPerRecord: ((loopEnd - start.ms) * 1e6) / records,
    callingCpuNsPerRecord: (threadEnd.cpuNs - thread.cpuNs) / records,
    callingWaitNsPerRecord: (threadEnd.waitNs - thread.waitNs) / records,
    e2eRecordsPerSec: records / ((end.ms - start.ms) / 1000),
    cpuNsPerRecord: ((end.cpuUs - start.cpuUs) * 1000) / records,
    peakRssMiB,
    ringHighWaterMiB,
  }
}

/** One check run: `records` records to `path`; returns the ids of the spans they were logged in. */
async function check(variant: Variant, records: number, path: string): Promise<CheckResult> {
  const loop = await looper(variant)
  const log = createLogger(loggerOptions(variant, path))
  await (transportOf(log) as WorkerTransport).running()
  const spans: SpanIds[] = []
  loop(records, (i) => log.info(MESSAGE, fields(i)), spans)
  await log.flush()
  checkMetrics(`${variant} (check)`, log, records)
  await log.close()
  return { spans }
}

/** The check run of every variant, read back here: fails the bench unless the ids are where they must be. */
async function checkVariants(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-observability-bench-'))
  try {
    for (const variant of VARIANTS) {
      const path = join(dir, `${variant}.log`)
      const { spans } = await runChild<CheckResult>(SELF, ['check', variant, String(CHECK_RECORDS), path])
      const records = readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
      if (records.length !== CHECK_RECORDS) fail(`${variant}: the check file has ${records.length} records, expected ${CHECK_RECORDS}`)
      const spanned = variant === 'otel-span' || variant === 'otel-span-per-1000'
      const expectedSpans = variant === 'otel-span' ? 1 : variant === 'otel-span-per-1000' ? CHECK_RECORDS / SPAN_EVERY : 0
      if (spans.length !== expectedSpans) fail(`${variant}: the check run started ${spans.length} spans, expected ${expectedSpans}`)
      records.forEach((r, i) => {
        if (r.msg !== MESSAGE || r.reqId !== `req-${i}`) fail(`${variant}: check record ${i} is ${JSON.stringify(r)}`)
        if (!spanned) {
          for (const key of ['trace_id', 'span_id', 'trace_flags']) if (key in r) fail(`${variant}: record ${i} carries ${key} (${String(r[key])}), logged outside any span`)
          return
        }
        const span = spans[variant === 'otel-span' ? 0 : Math.floor(i / SPAN_EVERY)]
        if (r.trace_id !== span.traceId || r.span_id !== span.spanId || r.trace_flags !== '01') {
          fail(`${variant}: record ${i} carries trace_id=${String(r.trace_id)} span_id=${String(r.span_id)} trace_flags=${String(r.trace_flags)}, expected its span's ${span.traceId} ${span.spanId} 01`)
        }
      })
      const ids = new Set(records.map((r) => r.span_id)).size
      console.error(`check ${variant.padEnd(18)} ${CHECK_RECORDS} records read back: ${spanned ? `trace_id, span_id, trace_flags on every record, ${ids} span${ids === 1 ? '' : 's'}` : 'no trace ids'}`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  console.error(`observability: ${int(RECORDS)} records per run, ${RING_MIB} MiB ring, ${ROUNDS} rounds (${machine()})`)
  await checkVariants()
  const results = await interleave(VARIANTS, ROUNDS, async (name, round) => {
    const r = await runChild<Result>(SELF, ['burst', name, String(RECORDS)])
    console.error(`round ${round + 1}/${ROUNDS} ${name.padEnd(18)} calling ${r.callingNsPerRecord.toFixed(0).padStart(5)} ns (its CPU ${r.callingCpuNsPerRecord.toFixed(0).padStart(5)}, waiting for a CPU ${r.callingWaitNsPerRecord.toFixed(0).padStart(4)})  e2e ${int(r.e2eRecordsPerSec).padStart(9)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(5)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB  ring high water ${r.ringHighWaterMiB.toFixed(0)} MiB`)
    return r
  })
  console.log(`\n### OpenTelemetry trace context: ${int(RECORDS)} log.info calls per run, json to /dev/null, ${RING_MIB} MiB ring, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'calling thread ns/record', `calling thread vs ${BASE}, same round`, 'goal', 'calling thread CPU ns/record', `its CPU vs ${BASE}, same round`, 'calling thread waiting for a CPU ns/record', 'end-to-end records/s', `e2e vs ${BASE}, same round`, 'CPU ns/record (all threads)', `CPU vs ${BASE}, same round`, 'peak RSS MiB', 'ring high water MiB'],
    VARIANTS.map((name) => {
      const runs = results.get(name)!
      const calling = pairedRatio(results, name, BASE, 'callingNsPerRecord')
      const e2e = pairedRatio(results, name, BASE, 'e2eRecordsPerSec')
      const goal = name === BASE ? '' : name === 'alerts' ? `e2e ≥ ${ALERTS_GOAL.toFixed(2)}×: ${e2e >= ALERTS_GOAL ? 'met' : 'NOT met'}` : `≤ ${GOAL.toFixed(2)}×: ${calling <= GOAL ? 'met' : 'NOT met'}`
      return [
        name, medianOf(runs, 'callingNsPerRecord').toFixed(0), ratio(calling), goal,
        medianOf(runs, 'callingCpuNsPerRecord').toFixed(0), ratio(pairedRatio(results, name, BASE, 'callingCpuNsPerRecord')), medianOf(runs, 'callingWaitNsPerRecord').toFixed(0),
        int(medianOf(runs, 'e2eRecordsPerSec')), ratio(pairedRatio(results, name, BASE, 'e2eRecordsPerSec')),
        medianOf(runs, 'cpuNsPerRecord').toFixed(0), ratio(pairedRatio(results, name, BASE, 'cpuNsPerRecord')),
        medianOf(runs, 'peakRssMiB').toFixed(0), medianOf(runs, 'ringHighWaterMiB').toFixed(0),
      ]
    }),
  ))
  const nearFull = [...results].flatMap(([name, runs]) => runs.filter((r) => r.ringHighWaterMiB > RING_MIB - 1).map(() => name))
  if (nearFull.length > 0) console.log(`\nThe ring came within 1 MiB of full in runs of ${nearFull.join(', ')}: their calling thread may have waited for the drain worker.`)
  else console.log(`\n(No run's ring came within 1 MiB of full: the calling thread never waited for room.)`)
  console.log('\n' + VARIANTS.filter((name) => name !== BASE).map((name) => {
    if (name === 'alerts') {
      const e2e = pairedRatio(results, name, BASE, 'e2eRecordsPerSec')
      return `alerts: end to end ${ratio(e2e)} ${BASE}'s records/s in the same round (goal at least ${ALERTS_GOAL.toFixed(2)}×): ${e2e >= ALERTS_GOAL ? 'met' : 'NOT met'}`
    }
    const calling = pairedRatio(results, name, BASE, 'callingNsPerRecord')
    const cpu = pairedRatio(results, name, BASE, 'callingCpuNsPerRecord')
    return `${name}: the calling thread ${ratio(calling)} ${BASE}'s ns/record in the same round, its CPU ${ratio(cpu)} (goal at most ${GOAL.toFixed(2)}×): ${calling <= GOAL ? 'met' : 'NOT met'}`
  }).join('\n'))
}

const args = childArgs()
if (args !== undefined) {
  const [kind, variant, n, path] = args
  if (!(VARIANTS as readonly string[]).includes(variant)) fail(`no variant ${variant}`)
  if (kind === 'burst') report(await burst(variant as Variant, Number(n)))
  else if (kind === 'check' && path !== undefined) report(await check(variant as Variant, Number(n), path))
  else fail(`no run ${kind} ${variant}`)
} else {
  await main()
}
