/**
 * The calling thread's cost of log.info(), for a logger in the main thread and for one in a worker
 * thread, and for a build of ringlog given as a baseline (an earlier commit's dist/src/index.js).
 *
 * Run:   npm run build && node dist/bench/thread-cost.js [BASELINE_INDEX_JS]
 * Env:   BENCH_ROUNDS=15      rounds; every variant runs once per round, in turn, every other round in reverse (default 11)
 *        BENCH_BATCHES=40     batches of BENCH_BATCH records per run, the first quarter not timed (default 40)
 *        BENCH_BATCH=10000    records per batch: 1 MB of ring, well inside the default 8 MiB (default 10000)
 *        BENCH_CALLS=1        also the variants 'printf' (the path and duration through `%s` and `%d`)
 *                             and 'mixin' (a mixin adds a field), both in the main thread
 *
 * Every run is a fresh child process (`node thread-cost.js --run VARIANT INDEX_JS`), so no variant
 * inherits another's garbage or compiled code. A run logs in batches with the default options to
 * /dev/null, and between batches gives the event loop a turn and waits for log.flush(): the timed
 * loop is the calling thread's work alone, never waiting for room, and the drain worker writes. It prints ns per call (the median timed batch), process CPU per record (every
 * thread, the whole run) and peak RSS. The parent prints the median of each over the rounds, and
 * each variant's calling-thread cost as a ratio of the first variant's.
 */
import { execFileSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

interface RunResult {
  nsPerCall: number
  cpuNsPerRecord: number
  peakRssMiB: number
}

interface LoggerLike {
  info(...args: unknown[]): void
  flush(): Promise<void>
  close(): Promise<void>
}

const self = fileURLToPath(import.meta.url)
const ROUNDS = positiveInt('BENCH_ROUNDS', 11)
const BATCHES = positiveInt('BENCH_BATCHES', 40)
const BATCH = positiveInt('BENCH_BATCH', 10_000)
const WARMUP_BATCHES = Math.floor(BATCHES / 4)

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  return value
}

/**
 * Logs BATCHES batches; returns the median time of a timed batch in ns (a batch that met a GC or
 * the other core's work does not move it). `call`: 'printf' logs the same record's path and
 * duration through printf specifiers, 'mixin' adds a field through a mixin; otherwise all five as fields.
 */
async function logBatches(indexJs: string, call: string): Promise<number> {
  const { createLogger } = (await import(pathToFileURL(indexJs).href)) as { createLogger: (options: object) => LoggerLike }
  const log = createLogger(call === 'mixin' ? { destination: '/dev/null', mixin: () => ({ region: 'eu' }) } : { destination: '/dev/null' })
  const timed: number[] = []
  for (let batch = 0, i = 0; batch < BATCHES; batch++) {
    const start = process.hrtime.bigint()
    if (call === 'printf') {
      for (const end = i + BATCH; i < end; i++) {
        log.info({ reqId: 'req-' + i, userId: 1000 + (i % 5000), status: 200 }, 'request %s handled in %d ms', '/api/users/' + (i % 100), i % 97)
      }
    } else {
      for (const end = i + BATCH; i < end; i++) {
        log.info('request handled', { reqId: 'req-' + i, userId: 1000 + (i % 5000), path: '/api/users/' + (i % 100), status: 200, durationMs: i % 97 })
      }
    }
    if (batch >= WARMUP_BATCHES) timed.push(Number(process.hrtime.bigint() - start))
    // A turn of the event loop, as a service gives between requests: the drain worker, not this
    // thread, writes the batch (a flush alone, resolved in a microtask, would let this thread write it).
    await sleep(2)
    await log.flush()
  }
  await log.close()
  return median(timed)
}

/** One run, in this fresh process: in the main thread, or in a worker thread with ringlog loaded in the main thread first. */
async function run(variant: string, indexJs: string): Promise<void> {
  const cpuBefore = process.cpuUsage()
  let timedNs: number
  if (variant.endsWith('thread')) {
    await import(pathToFileURL(indexJs).href)
    const worker = new Worker(self, { workerData: { indexJs } })
    const [result] = (await Promise.all([
      new Promise((resolve) => worker.once('message', resolve)),
      new Promise((resolve) => worker.once('exit', resolve)),
    ])) as [number, unknown]
    timedNs = result
  } else {
    timedNs = await logBatches(indexJs, variant)
  }
  const cpu = process.cpuUsage(cpuBefore)
  const records = BATCHES * BATCH
  const result: RunResult = {
    nsPerCall: timedNs / BATCH,
    cpuNsPerRecord: ((cpu.user + cpu.system) * 1000) / records,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function main(): void {
  const current = fileURLToPath(new URL('../src/index.js', import.meta.url))
  const baseline = process.argv[2]
  const variants: [string, string][] = [
    ...(baseline === undefined ? [] : [['baseline main', baseline] as [string, string]]),
    ['main', current],
    ['worker thread', current],
    // The same record through printf's specifiers, and with a mixin: the general call path's cost.
    ...(process.env.BENCH_CALLS === '1' ? [['printf', current], ['mixin', current]] as [string, string][] : []),
  ]
  const results = new Map<string, RunResult[]>(variants.map(([name]) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round in reverse: no variant always runs first, or always after a given one.
    for (const [name, indexJs] of round % 2 === 0 ? variants : [...variants].reverse()) {
      const out = execFileSync(process.execPath, [self, '--run', name, indexJs], { encoding: 'utf8' })
      results.get(name)!.push(JSON.parse(out) as RunResult)
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`)
  }
  const first = median(results.get(variants[0][0])!.map((r) => r.nsPerCall))
  console.log(`${ROUNDS} rounds, ${BATCHES} batches of ${BATCH} records per run (${WARMUP_BATCHES} not timed); medians`)
  console.log('| variant | calling thread ns/call | vs first | vs first, same round | range over rounds | CPU ns/record (all threads) | peak RSS MiB |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const [name] of variants) {
    const list = results.get(name)!
    const ns = median(list.map((r) => r.nsPerCall))
    const all = list.map((r) => r.nsPerCall)
    // The machine's load drifts over minutes: a ratio within each round cancels what both runs met.
    const paired = median(all.map((value, round) => value / results.get(variants[0][0])![round].nsPerCall))
    console.log(`| ${name} | ${ns.toFixed(0)} | ${(ns / first).toFixed(3)}× | ${paired.toFixed(3)}× | ${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)} | ${median(list.map((r) => r.cpuNsPerRecord)).toFixed(0)} | ${median(list.map((r) => r.peakRssMiB)).toFixed(1)} |`)
  }
}

if (!isMainThread) {
  parentPort!.postMessage(await logBatches((workerData as { indexJs: string }).indexJs, 'fields'))
} else if (process.argv[2] === '--run') {
  await run(process.argv[3], process.argv[4])
} else {
  main()
}
