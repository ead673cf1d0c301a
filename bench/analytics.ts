/**
 * Issue 22's live goal: template mining and anomaly detection in the drain worker cost at most 20 %
 * of end-to-end throughput.
 *
 * Run:   npm run bench:analytics             (builds, then this)
 * Env:   BENCH_RECORDS=1000000   records per run (default 1,000,000)
 *        BENCH_ROUNDS=5          rounds, variants interleaved (default 5)
 *
 * Two workloads, each without and with `analytics: { templates: true, anomalies: true }`, every
 * run a fresh child process (`node analytics.js --run VARIANT N`), json to /dev/null with the drain
 * worker and a 128 MiB ring (the loop never waits for room):
 *   structured     the `fields()` record of bench/record.ts: one message, the values in fields, as
 *                  pino and ringlog users log. The message repeats: the miner sees it once.
 *   free-text      messages with their values inside, as printf-style logs have them (`user 1234
 *                  logged in from 10.0.3.7 in 12ms`, five shapes, numbers from i): nearly every
 *                  message is new, and each is mined.
 * Measured: end-to-end records/s (the loop's start to flush(): the drain worker's time counts),
 * CPU per record (all threads), peak RSS. Ratios are against the same workload without analytics,
 * same round. A check run per variant reads `metrics().analytics` (templates found: 1 and 5).
 */
import { fileURLToPath } from 'node:url'
import { createLogger } from '../src/index.js'
import { transportOf } from '../src/logger.js'
import type { WorkerTransport } from '../src/worker-transport.js'
import { checkMetrics, childArgs, interleave, machine, mark, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { fail, int, positiveInt } from './numbers.js'
import { fields, MESSAGE } from './record.js'

const SELF = fileURLToPath(import.meta.url)
const RECORDS = positiveInt('BENCH_RECORDS', 1_000_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const MiB = 2 ** 20
const GOAL = 0.8

const VARIANTS = ['structured', 'structured+analytics', 'free-text', 'free-text+analytics'] as const
type Variant = (typeof VARIANTS)[number]

interface Result {
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
  templates: number
}

/** Five printf-style shapes, their values from i. */
function freeText(i: number): string {
  switch (i % 5) {
    case 0: return `user ${1000 + (i % 5000)} logged in from 10.0.${i % 256}.${(i >> 8) % 256} in ${i % 97}ms`
    case 1: return `GET /api/users/${i % 100} returned 200 in ${(i % 1000) / 10}ms`
    case 2: return `cache miss for key session:${i.toString(16)}`
    case 3: return `job ${i} finished: ${i % 13} items, ${i % 7} retries`
    default: return `connection ${i % 4096} closed by peer after ${i % 300}s`
  }
}

async function run(variant: Variant, records: number): Promise<Result> {
  const analytics = variant.endsWith('+analytics')
  const log = createLogger({
    sinks: [{ type: 'file', path: '/dev/null', format: 'json' }], bufferSize: 128 * MiB, worker: true,
    ...(analytics ? { analytics: { templates: true, anomalies: true } } : {}),
  })
  await (transportOf(log) as WorkerTransport).running()
  const structured = variant.startsWith('structured')
  const start = mark()
  if (structured) for (let i = 0; i < records; i++) log.info(MESSAGE, fields(i))
  else for (let i = 0; i < records; i++) log.info(freeText(i))
  await log.flush()
  const end = mark()
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB
  checkMetrics(variant, log, records)
  const { templates } = log.metrics().analytics
  const expected = !analytics ? 0 : structured ? 1 : 5
  if (templates !== expected) fail(`${variant}: metrics().analytics.templates is ${templates}, expected ${expected}`)
  await log.close()
  return { e2eRecordsPerSec: records / ((end.ms - start.ms) / 1000), cpuNsPerRecord: ((end.cpuUs - start.cpuUs) * 1000) / records, peakRssMiB, templates }
}

async function main(): Promise<void> {
  console.error(`analytics: ${int(RECORDS)} records per run, ${ROUNDS} rounds (${machine()})`)
  const results = await interleave(VARIANTS, ROUNDS, async (name, round) => {
    const r = await runChild<Result>(SELF, [name, String(RECORDS)])
    console.error(`round ${round + 1}/${ROUNDS} ${name.padEnd(21)} e2e ${int(r.e2eRecordsPerSec).padStart(9)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(5)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`)
    return r
  })
  console.log(`\n### Live analytics: ${int(RECORDS)} log.info calls per run, json to /dev/null, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'end-to-end records/s', 'vs without analytics, same round', 'goal', 'CPU ns/record (all threads)', 'CPU vs without', 'peak RSS MiB'],
    VARIANTS.map((name) => {
      const runs = results.get(name)!
      const base = name.replace('+analytics', '')
      const e2e = pairedRatio(results, name, base, 'e2eRecordsPerSec')
      return [
        name, int(medianOf(runs, 'e2eRecordsPerSec')), name === base ? '' : ratio(e2e), name === base ? '' : `≥ ${GOAL.toFixed(2)}×: ${e2e >= GOAL ? 'met' : 'NOT met'}`,
        medianOf(runs, 'cpuNsPerRecord').toFixed(0), name === base ? '' : ratio(pairedRatio(results, name, base, 'cpuNsPerRecord')), medianOf(runs, 'peakRssMiB').toFixed(0),
      ]
    }),
  ))
}

const args = childArgs()
if (args !== undefined) {
  const [variant, n] = args
  if (!(VARIANTS as readonly string[]).includes(variant)) fail(`no variant ${variant}`)
  report(await run(variant as Variant, Number(n)))
} else {
  await main()
}
