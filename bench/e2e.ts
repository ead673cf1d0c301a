/**
 * End-to-end benchmark: ringlog vs pino 10 vs winston 3, all writing JSON lines to a file, each run
 * in a fresh process of its own.
 *
 * Run:   npm run bench                      (builds, then this file's sets burst, events and short, then bench/steady.ts)
 *        node dist/bench/e2e.js [SET...]    after `npx tsc -p tsconfig.json`: the sets named, in turn
 * Env:   BENCH_SET=files          the set when none is named on the command line (default libraries)
 *        BENCH_RECORDS=200000     records per run (default 1000000; for the set short 60000)
 *        BENCH_ROUNDS=3           rounds; every variant runs once per round, interleaved (default 5)
 * Sets:  libraries   ringlog (8 MiB and 128 MiB rings), pino sync/async/transport, winston
 *        burst       libraries without the 128 MiB ring (what `npm run bench` runs)
 *        events      the same records as a declared event (log.event) against log.info, with the
 *                    default ring and with one that holds the whole run, and pino sync
 *        short       60,000 records with the clock started before the logger is created: ringlog's
 *                    drain worker starting, pino's destination opening (ringlog info/event, pino sync/async)
 *        children    each record from a child logger made for it (`child({ reqId })`, as a request's
 *                    logger), ringlog against pino sync, and both without the child
 *        files       ringlog's file sink plain, and rotating every 10 MB with gzip
 *        policy      ringlog plain against ringlog with per-name levels, a sampler, a rate limiter and
 *                    five redaction paths (all keeping every record), as ratios of plain
 *        formats     ringlog in each of its formats against pino sync
 *
 * Every run is a fresh child process (`node e2e.js --run SET VARIANT RECORDS`) that imports only its
 * own library, makes its logger, logs the records in one synchronous loop into a file in a temp dir,
 * waits until the file holds every line and prints one JSON line. Each round starts one variant
 * further on. Per run: the logger's creation time (for ringlog createLogger() alone, its worker
 * starts while the loop runs; pino async and transport are waited for until ready); the calling
 * thread's ns per record (the loop alone); end-to-end records/s (from the loop's start, or for short
 * from before the logger is created, until the file holds all N lines); total CPU per record
 * (process.cpuUsage(): every thread of the process, drain worker included, over the same span);
 * peak RSS (the process's maxRSS) and RSS growth over the span (sampled every 5 ms and every 10,000
 * records); for ringlog the share of records its calling thread wrote itself because no drain
 * worker had the ring yet. The file must hold exactly N lines and ringlog's metrics must agree.
 * The table shows medians over the rounds; ratios are medians of same-round ratios against pino sync
 * (for policy, ringlog plain), "× as fast" (above 1 is faster). For winston, the polling that waits
 * for its last lines reads the file in the same process, and so counts in its CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { childArgs, interleave, machine, mark, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { linesOf, PINO_SYNC, pinoAsync, pinoSync, pinoSyncChild, pinoTransport, ringlog, winstonFile, type FileLogger } from './file-loggers.js'
import { LineCounter } from './line-counter.js'
import { fail, int, positiveInt } from './numbers.js'
import { RssSampler } from './rss-sampler.js'

const SELF = fileURLToPath(import.meta.url)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const RSS_EVERY_RECORDS = 10_000
const MiB = 2 ** 20
const POLICY_BASELINE = 'ringlog plain'
const RING = 8 << 20
const WHOLE_RUN_RING = 128 << 20

interface BenchSet {
  variants: FileLogger[]
  /** The variant the ratios are against (default pino sync). */
  baseline?: string
  /** Records per run unless BENCH_RECORDS says (default 1,000,000). */
  records?: number
  /** The clock starts before the logger is created, not once it is ready. */
  fromCreation?: boolean
  /** An extra ratio column: end to end against another variant of the set, same round. */
  versus?: { label: string; of: Record<string, string> }
}

interface Result {
  createMs: number
  callingNsPerRecord: number
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
  rssGrowthMiB: number
  /** ringlog: the share of records its calling thread wrote itself. */
  onCaller?: number
}

const libraries = [ringlog('ringlog 8 MiB', { bufferSize: RING }), ringlog('ringlog 128 MiB', { bufferSize: WHOLE_RUN_RING }), pinoSync, pinoAsync, pinoTransport, winstonFile]
const eventVsInfo = {
  label: 'e2e vs log.info, same ring',
  of: { 'ringlog event': 'ringlog info', 'ringlog event 128 MiB': 'ringlog info 128 MiB' },
}

const SETS: Record<string, BenchSet> = {
  libraries: { variants: libraries },
  burst: { variants: libraries.filter((v) => v.name !== 'ringlog 128 MiB') },
  events: {
    variants: [
      ringlog('ringlog event', { bufferSize: RING, call: 'event' }),
      ringlog('ringlog info', { bufferSize: RING }),
      ringlog('ringlog event 128 MiB', { bufferSize: WHOLE_RUN_RING, call: 'event' }),
      ringlog('ringlog info 128 MiB', { bufferSize: WHOLE_RUN_RING }),
      pinoSync,
    ],
    versus: eventVsInfo,
  },
  short: {
    variants: [ringlog('ringlog info', { bufferSize: RING }), ringlog('ringlog event', { bufferSize: RING, call: 'event' }), pinoSync, pinoAsync],
    records: 60_000,
    fromCreation: true,
    versus: eventVsInfo,
  },
  children: {
    variants: [ringlog('ringlog child', { bufferSize: RING, call: 'child' }), pinoSyncChild, ringlog('ringlog info', { bufferSize: RING }), pinoSync],
    baseline: 'pino sync child',
  },
  files: {
    variants: [
      ringlog('ringlog file', { bufferSize: RING }),
      ringlog('ringlog rotate+gzip', { bufferSize: RING, lines: 'rotated', file: { rotate: { size: '10 MB' }, compress: 'gzip', retain: { count: 3 } } }),
      pinoSync,
    ],
  },
  policy: {
    variants: [
      // Both named, so both write the same records: the difference is the policy's cost.
      ringlog(POLICY_BASELINE, { bufferSize: RING, options: { name: 'http.api' } }),
      ringlog('ringlog policy', {
        bufferSize: RING,
        options: {
          // Every stage runs on every record, and keeps it: the cost is the stages', not fewer records written.
          name: 'http.api',
          levels: { db: 'debug', 'http.*': 'info', 'http.static': 'warn' },
          sample: { first: 100, thereafter: 1 },
          rateLimit: { rate: 1e9, per: '1s' },
          redact: ['req.headers.authorization', '*.password', 'user.email', 'card.number', 'users[*].ssn'],
        },
      }),
      ringlog('ringlog redact hit', { bufferSize: RING, options: { name: 'http.api', redact: ['reqId', '*.password', 'user.email', 'card.number', 'users[*].ssn'] } }),
    ],
    baseline: POLICY_BASELINE,
  },
  formats: {
    variants: [
      ringlog('ringlog json', { bufferSize: RING }),
      ringlog('ringlog logfmt', { bufferSize: RING, options: { format: 'logfmt' } }),
      ringlog('ringlog text', { bufferSize: RING, options: { format: 'text' } }),
      ringlog('ringlog csv', { bufferSize: RING, options: { format: 'csv', columns: ['time', 'level', 'msg', 'reqId', 'userId', 'path', 'status', 'durationMs'] }, lines: { perRecord: 1, header: 1 } }),
      ringlog('ringlog pretty', { bufferSize: RING, options: { format: 'pretty', colors: false }, lines: { perRecord: 6, header: 0 } }),
      pinoSync,
    ],
  },
}

function setNamed(name: string): BenchSet {
  return SETS[name] ?? fail(`the set must be one of ${Object.keys(SETS).join(', ')}, got ${JSON.stringify(name)}`)
}

/** One run, in this fresh process. */
async function run(set: BenchSet, logger: FileLogger, records: number): Promise<Result> {
  const create = await logger.load()
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-bench-'))
  const file = join(dir, 'bench.log')
  const counter = new LineCounter(file)
  const rss = new RssSampler()
  const lines = linesOf(logger, records)
  try {
    let start = mark()
    if (set.fromCreation) rss.start()
    const subject = await create(file, records)
    const createMs = performance.now() - start.ms
    if (!set.fromCreation) {
      rss.start()
      start = mark()
    }
    const rssBefore = rss.peak

    const loopStart = performance.now()
    for (let i = 0; i < records; i++) {
      subject.log(i)
      if (i % RSS_EVERY_RECORDS === 0) rss.sample()
    }
    const loopEnd = performance.now()

    await subject.drain()
    let end = mark()
    if (counter.update() < lines) {
      await counter.reach(lines, logger.name)
      end = mark()
    }
    rss.stop()

    await subject.close()
    if (logger.lines !== 'rotated' && counter.update() !== lines) fail(`${logger.name}: file has ${counter.lines} lines, expected exactly ${lines}`)
    const onCaller = subject.writtenOnCaller?.()
    return {
      createMs,
      callingNsPerRecord: ((loopEnd - loopStart) * 1e6) / records,
      e2eRecordsPerSec: records / ((end.ms - start.ms) / 1000),
      cpuNsPerRecord: ((end.cpuUs - start.cpuUs) * 1000) / records,
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      rssGrowthMiB: (rss.peak - rssBefore) / MiB,
      ...(onCaller === undefined ? {} : { onCaller: onCaller / records }),
    }
  } finally {
    rss.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function table(set: BenchSet, results: Map<string, Result[]>): string {
  const baseline = set.baseline ?? PINO_SYNC
  const versus = set.versus
  const header = [
    'variant', 'create ms', 'calling thread ns/record', 'end-to-end records/s', 'CPU ns/record (all threads)', 'peak RSS MiB', 'RSS growth MiB',
    `calling vs ${baseline} (× as fast)`, `e2e vs ${baseline} (× as fast)`, ...(versus === undefined ? [] : [versus.label]), 'written by the calling thread',
  ]
  const rows = [...results].map(([name, runs]) => {
    const other = versus?.of[name]
    const onCaller = runs[0].onCaller === undefined ? '' : `${(medianOf(runs, 'onCaller') * 100).toFixed(1)}%`
    return [
      name,
      medianOf(runs, 'createMs').toFixed(1),
      medianOf(runs, 'callingNsPerRecord').toFixed(0),
      int(medianOf(runs, 'e2eRecordsPerSec')),
      medianOf(runs, 'cpuNsPerRecord').toFixed(0),
      medianOf(runs, 'peakRssMiB').toFixed(0),
      medianOf(runs, 'rssGrowthMiB').toFixed(0),
      // ns per record: the baseline's over ours is how many times as fast.
      ratio(pairedRatio(results, baseline, name, 'callingNsPerRecord')),
      ratio(pairedRatio(results, name, baseline, 'e2eRecordsPerSec')),
      ...(versus === undefined ? [] : [other === undefined ? '' : ratio(pairedRatio(results, name, other, 'e2eRecordsPerSec'))]),
      onCaller,
    ]
  })
  return markdownTable(header, rows)
}

async function measure(setName: string): Promise<void> {
  const set = setNamed(setName)
  const records = positiveInt('BENCH_RECORDS', set.records ?? 1_000_000)
  console.error(`BENCH_SET=${setName}: ${int(records)} records x ${ROUNDS} rounds`)
  const results = await interleave(set.variants.map((v) => v.name), ROUNDS, async (name, round) => {
    const r = await runChild<Result>(SELF, [setName, name, String(records)])
    console.error(
      `round ${round + 1}/${ROUNDS} ${name.padEnd(22)} calling ${r.callingNsPerRecord.toFixed(0).padStart(6)} ns  ` +
        `e2e ${int(r.e2eRecordsPerSec).padStart(10)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(6)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    )
    return r
  })
  const clock = set.fromCreation ? 'clock from before the logger is created' : 'clock from the first call'
  console.log(`\n### BENCH_SET=${setName}: ${int(records)} records per run, ${clock}, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(table(set, results))
}

const args = childArgs()
if (args !== undefined) {
  const [setName, name, records] = args
  const set = setNamed(setName)
  const logger = set.variants.find((v) => v.name === name) ?? fail(`set ${setName} has no variant ${JSON.stringify(name)}`)
  report(await run(set, logger, Number(records)))
} else {
  const sets = process.argv.length > 2 ? process.argv.slice(2) : [process.env.BENCH_SET || 'libraries']
  for (const set of sets) setNamed(set) // every name checked before the first run
  for (const set of sets) await measure(set)
}
