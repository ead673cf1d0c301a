/**
 * Memory while the destination is down (issue 16): an http sink with `buffer: '16 MiB'` whose
 * destination refuses connections (nothing listening) or accepts and never answers (a receiver
 * process in stall mode), for the whole run, without and with a disk spool. The bound: RSS
 * stays within the configured buffer plus 30 MB.
 *
 * Run:   npm run bench:ship-down   (= tsc -p tsconfig.json && node dist/bench/ship-down.js)
 * Env:   BENCH_RECORDS=1000000     records per run (default 1000000)
 *        BENCH_ROUNDS=3            rounds; every variant runs once per round, every other round in reverse (default 3)
 *        BENCH_BUFFER=16MiB        the sink's `buffer` (default '16 MiB')
 *
 * Each run is a fresh process (`node --expose-gc ship-down.js --run VARIANT URL DIR`): it collects
 * garbage and reads RSS, creates the logger, logs the records in a synchronous loop (the `fields()`
 * record of bench/e2e.ts), then awaits flush() and close() (which give up on the dead destination after
 * `closeTimeout`, 5 s by default, and spool or count what is left). RSS is sampled every 5 ms and every
 * 10,000 records from before createLogger until close() returns. Growth is the peak less RSS before
 * createLogger: the 8 MiB ring and the drain worker's isolate are in it, so a logger with no network
 * sink writing the same records to /dev/null is measured beside, for what a logger costs anyway; the
 * bound is checked on the growth over that logger's in the same round (largest over the rounds).
 * 30 MB is taken as 30,000,000 bytes.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createLogger, type LoggerOptions } from '../src/index.js'
import { parseSize } from '../src/units.js'
import { fail, int, median, positiveInt } from './numbers.js'
import { startReceiver, type Receiver } from './receiver.js'
import { fields, MESSAGE } from './record.js'
import { RssSampler } from './rss-sampler.js'

const RECORDS = positiveInt('BENCH_RECORDS', 1_000_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 3)
const BUFFER = process.env.BENCH_BUFFER || '16 MiB'
const BUFFER_BYTES = parseSize('BENCH_BUFFER', BUFFER)
const ALLOWANCE_BYTES = 30_000_000
const RSS_EVERY_RECORDS = 10_000
const SELF = fileURLToPath(import.meta.url)
const MiB = 2 ** 20

type Destination = 'refused' | 'stalled' | 'none'

interface Variant {
  name: string
  destination: Destination
  spool: boolean
}

/** The same records with no network sink: the ring and the drain worker every logger has. */
const REFERENCE: Variant = { name: 'no http sink (/dev/null)', destination: 'none', spool: false }
const VARIANTS: Variant[] = [
  { name: 'refused', destination: 'refused', spool: false },
  { name: 'stalled', destination: 'stalled', spool: false },
  { name: 'refused, spool', destination: 'refused', spool: true },
  { name: 'stalled, spool', destination: 'stalled', spool: true },
  REFERENCE,
]

interface RunResult {
  rssBeforeMiB: number
  peakMiB: number
  growthMiB: number
  seconds: number
  sent: number
  dropped: number
  spooled: number
  failed: number
  onDiskMiB: number
}

function options(variant: Variant, url: string, dir: string): LoggerOptions {
  if (variant.destination === 'none') return { destination: '/dev/null' }
  return { sinks: [{ type: 'http', url, compression: 'gzip', batch: { records: 1000 }, buffer: BUFFER, ...(variant.spool ? { spool: { dir } } : {}) }] }
}

function bytesIn(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0)
}

/** One run, in this fresh process; prints its RunResult as JSON. */
async function run(name: string, url: string, dir: string): Promise<void> {
  const variant = VARIANTS.find((v) => v.name === name) ?? fail(`no variant ${name}`)
  globalThis.gc?.()
  const rss = new RssSampler()
  rss.start()
  const before = rss.peak
  const start = performance.now()
  const log = createLogger(options(variant, url, dir))
  for (let i = 0; i < RECORDS; i++) {
    log.info(MESSAGE, fields(i))
    if (i % RSS_EVERY_RECORDS === 0) rss.sample()
  }
  await log.flush()
  await log.close()
  rss.stop()
  const sink = log.metrics().sinks[0]
  const result: RunResult = {
    rssBeforeMiB: before / MiB,
    peakMiB: rss.peak / MiB,
    growthMiB: (rss.peak - before) / MiB,
    seconds: (performance.now() - start) / 1000,
    sent: sink?.sent ?? 0,
    dropped: sink?.dropped ?? 0,
    spooled: sink?.spooled ?? 0,
    failed: sink?.failed ?? 0,
    onDiskMiB: bytesIn(dir) / MiB,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** A URL nothing listens on: a port the system gave out, closed again. */
async function refusedUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return `http://127.0.0.1:${port}/logs`
}

async function measure(variant: Variant): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-ship-down-'))
  let stalled: Receiver | undefined
  try {
    if (variant.destination === 'stalled') stalled = await startReceiver('stall')
    const url = stalled === undefined ? await refusedUrl() : `http://127.0.0.1:${stalled.ports[0]}/logs`
    const child = spawn(process.execPath, ['--expose-gc', SELF, '--run', variant.name, url, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    const [code] = (await once(child, 'exit')) as [number | null]
    if (code !== 0) fail(`${variant.name}: the logging process exited with ${code}`)
    return JSON.parse(out) as RunResult
  } finally {
    await stalled?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const results = new Map<string, RunResult[]>(VARIANTS.map((v) => [v.name, []]))
  console.log(`${int(RECORDS)} records per run, ${ROUNDS} rounds, buffer ${BUFFER}; load average at start ${loadavg().map((n) => n.toFixed(2)).join(' ')}`)
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round in reverse: no variant always runs first, or always after a given one.
    for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const r = await measure(variant)
      results.get(variant.name)!.push(r)
      console.error(`round ${round + 1}/${ROUNDS} ${variant.name.padEnd(26)} before ${r.rssBeforeMiB.toFixed(0)} MiB  peak ${r.peakMiB.toFixed(0)} MiB  growth ${r.growthMiB.toFixed(1)} MiB  ${r.seconds.toFixed(1)} s  sent ${r.sent} dropped ${r.dropped} spooled ${r.spooled} on disk ${r.onDiskMiB.toFixed(1)} MiB`)
    }
  }
  const bound = (BUFFER_BYTES + ALLOWANCE_BYTES) / MiB
  console.log(`load average at end ${loadavg().map((n) => n.toFixed(2)).join(' ')}; medians over the rounds, the largest growth beside\n`)
  console.log(`| variant | RSS before MiB | peak RSS MiB | growth MiB (largest) | growth over the /dev/null logger's, same round, MiB (largest) | within buffer + 30 MB = ${bound.toFixed(1)} MiB? | run s | sent | dropped | spooled | failed | spool on disk at exit MiB |`)
  console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|')
  const reference = results.get(REFERENCE.name)!
  for (const { name } of VARIANTS) {
    const list = results.get(name)!
    const of = (key: keyof RunResult): number => median(list.map((r) => r[key]))
    const largest = Math.max(...list.map((r) => r.growthMiB))
    // What the sink holds for a dead destination, beside the ring and the worker every logger has.
    const over = list.map((r, round) => r.growthMiB - reference[round].growthMiB)
    const verdict = Math.max(...over) <= bound ? 'yes' : 'NO'
    console.log(`| ${name} | ${of('rssBeforeMiB').toFixed(1)} | ${of('peakMiB').toFixed(1)} | ${of('growthMiB').toFixed(1)} (${largest.toFixed(1)}) | ${median(over).toFixed(1)} (${Math.max(...over).toFixed(1)}) | ${name === REFERENCE.name ? '' : verdict} | ${of('seconds').toFixed(1)} | ${int(of('sent'))} | ${int(of('dropped'))} | ${int(of('spooled'))} | ${int(of('failed'))} | ${of('onDiskMiB').toFixed(1)} |`)
  }
}

if (process.argv[2] === '--run') {
  await run(process.argv[3], process.argv[4], process.argv[5])
} else {
  await main()
}
