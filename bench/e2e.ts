/**
 * End-to-end benchmark: ringlog vs pino 10 vs winston 3, all writing JSON lines to a file.
 *
 * Run:   npm run bench            (= tsc -p tsconfig.json && node dist/bench/e2e.js)
 * Env:   BENCH_RECORDS=200000     records per run (default 1000000)
 *        BENCH_ROUNDS=3           rounds; every variant runs once per round, interleaved (default 5)
 *        BENCH_SET=formats        ringlog in each of its formats against pino sync, instead of the
 *                                 default set (ringlog, pino sync/async/transport, winston)
 *        BENCH_SET=files          ringlog's file sink plain, and rotating every 10 MB with gzip
 *        BENCH_SET=policy         ringlog plain against ringlog with per-name levels, a sampler, a rate
 *                                 limiter and five redaction paths (all keeping every record), as ratios of plain
 *        BENCH_SET=events         the same records as a declared event (log.event), with the default
 *                                 ring and with one that holds the whole run, against log.info and pino sync
 * Tip:   node --expose-gc dist/bench/e2e.js   runs a full GC between runs for steadier RSS numbers.
 *
 * Per run it measures: logs/sec on the calling thread (the logging loop alone), logs/sec end to end
 * (until the file holds all N lines) and peak RSS, then checks the file has exactly N lines.
 * The table shows the median of each measure over the rounds, and ratios against pino sync.
 */
import { EventEmitter, once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import winston from 'winston'
import { createLogger, defineEvent, type FileSinkOptions, type Logger, type LoggerOptions } from '../src/index.js'
import { int, median, positiveInt } from './numbers.js'
import { fields, MESSAGE } from './record.js'
import type { Subject } from './subject.js'
import { RssSampler } from './rss-sampler.js'

const RECORDS = positiveInt('BENCH_RECORDS', 1_000_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const RSS_EVERY_RECORDS = 10_000
const POLL_TIMEOUT_MS = 120_000
const PINO_SYNC = 'pino sync'
const POLICY_BASELINE = 'ringlog plain'

interface Variant {
  name: string
  /**
   * Lines each record takes in the file (pretty writes one per field too), and lines before the
   * first (csv's header); 'rotated' when the file is rotated away, so only the logger's own count
   * (checked at close) says everything was written.
   */
  lines?: { perRecord: number; header: number } | 'rotated'
  /** Creates a fresh logger writing to file and waits until it is ready to take records. */
  create(file: string): Promise<Subject>
}

/** Resolves on `event`, rejects on 'error'; attach before triggering the event. */
function waitFor(emitter: EventEmitter, event: string): Promise<void> {
  return once(emitter, event).then(() => undefined)
}

/** The record shape of fields(), declared: what `BENCH_SET=events` logs with log.event(). */
const RequestHandled = defineEvent({
  name: 'request.handled', version: 1, message: MESSAGE,
  fields: { reqId: 'string', userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64' },
})

/** How a ringlog variant logs record i. */
type Call = (log: Logger, i: number) => void
const logInfo: Call = (log, i) => log.info(MESSAGE, fields(i))
const logEvent: Call = (log, i) => log.event(RequestHandled, fields(i))

function ringlog(bufferSize: number, name: string, options: LoggerOptions = {}, lines?: Variant['lines'], file?: FileSinkOptions, call = logInfo): Variant {
  return {
    name,
    lines,
    async create(path) {
      const target = file === undefined ? { destination: path } : { sinks: [{ type: 'file' as const, path, ...file }] }
      const log = createLogger({ ...options, ...target, bufferSize, worker: true })
      return {
        log: (i) => call(log, i),
        drain: () => log.flush(),
        async close() {
          await log.close()
          const m = log.metrics()
          if (m.written !== RECORDS || m.dropped !== 0 || m.failed !== 0) {
            throw new Error(`${name}: metrics say written=${m.written} dropped=${m.dropped} failed=${m.failed}, expected ${RECORDS} written`)
          }
        },
      }
    },
  }
}

const pinoSync: Variant = {
  name: PINO_SYNC,
  async create(file) {
    const dest = pino.destination({ dest: file, sync: true })
    const log = pino(dest)
    return {
      log: (i) => log.info(fields(i), MESSAGE),
      drain: async () => {}, // every write was a writeSync
      async close() {
        const closed = waitFor(dest, 'close')
        dest.end()
        await closed
      },
    }
  },
}

const pinoAsync: Variant = {
  name: 'pino async',
  async create(file) {
    const dest = pino.destination({ dest: file, sync: false })
    await waitFor(dest, 'ready')
    const log = pino(dest)
    return {
      log: (i) => log.info(fields(i), MESSAGE),
      async drain() {
        const closed = waitFor(dest, 'close')
        dest.end()
        await closed
      },
      close: async () => {}, // drain() already ended and closed it
    }
  },
}

const pinoTransport: Variant = {
  name: 'pino transport',
  async create(file) {
    const transport = pino.transport({ target: 'pino/file', options: { destination: file } })
    await waitFor(transport, 'ready')
    const log = pino(transport)
    return {
      log: (i) => log.info(fields(i), MESSAGE),
      async drain() {
        const closed = waitFor(transport, 'close')
        transport.end()
        await closed
      },
      close: async () => {}, // drain() already ended the worker
    }
  },
}

const winstonFile: Variant = {
  name: 'winston',
  async create(file) {
    const transport = new winston.transports.File({ filename: file })
    await waitFor(transport, 'open')
    const log = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [transport] })
    return {
      log: (i) => void log.info(MESSAGE, fields(i)),
      async drain() {
        // 'finish' can come before the file stream has written everything; run() polls the file after.
        const finished = waitFor(log, 'finish')
        log.end()
        await finished
      },
      async close() {
        log.close()
      },
    }
  },
}

const SETS: Record<string, Variant[]> = {
  libraries: [
    ringlog(8 << 20, 'ringlog 8 MiB'),
    ringlog(128 << 20, 'ringlog 128 MiB'),
    pinoSync,
    pinoAsync,
    pinoTransport,
    winstonFile,
  ],
  files: [
    ringlog(8 << 20, 'ringlog file'),
    ringlog(8 << 20, 'ringlog rotate+gzip', {}, 'rotated', { rotate: { size: '10 MB' }, compress: 'gzip', retain: { count: 3 } }),
    pinoSync,
  ],
  policy: [
    // Both named, so both write the same records: the difference is the policy's cost.
    ringlog(8 << 20, POLICY_BASELINE, { name: 'http.api' }),
    ringlog(8 << 20, 'ringlog policy', {
      // Every stage runs on every record, and keeps it: the cost is the stages', not fewer records written.
      name: 'http.api',
      levels: { db: 'debug', 'http.*': 'info', 'http.static': 'warn' },
      sample: { first: 100, thereafter: 1 },
      rateLimit: { rate: 1e9, per: '1s' },
      redact: ['req.headers.authorization', '*.password', 'user.email', 'card.number', 'users[*].ssn'],
    }),
    ringlog(8 << 20, 'ringlog redact hit', { name: 'http.api', redact: ['reqId', '*.password', 'user.email', 'card.number', 'users[*].ssn'] }),
  ],
  events: [
    ringlog(8 << 20, 'ringlog event', {}, undefined, undefined, logEvent),
    ringlog(128 << 20, 'ringlog event 128 MiB', {}, undefined, undefined, logEvent),
    ringlog(128 << 20, 'ringlog info 128 MiB'),
    pinoSync,
  ],
  formats: [
    ringlog(8 << 20, 'ringlog json'),
    ringlog(8 << 20, 'ringlog logfmt', { format: 'logfmt' }),
    ringlog(8 << 20, 'ringlog text', { format: 'text' }),
    ringlog(8 << 20, 'ringlog csv', { format: 'csv', columns: ['time', 'level', 'msg', 'reqId', 'userId', 'path', 'status', 'durationMs'] }, { perRecord: 1, header: 1 }),
    ringlog(8 << 20, 'ringlog pretty', { format: 'pretty', colors: false }, { perRecord: 6, header: 0 }),
    pinoSync,
  ],
}
const SET = process.env.BENCH_SET || 'libraries'
/** The variant the ratios are against: pino sync, or for the policy set ringlog without a policy. */
const BASELINE = SET === 'policy' ? POLICY_BASELINE : PINO_SYNC
const VARIANTS = SETS[SET] ?? (() => { throw new Error(`BENCH_SET must be one of ${Object.keys(SETS).join(', ')}, got ${JSON.stringify(SET)}`) })()

/** Counts newlines in a growing file, reading only what was appended since the last call. */
class LineCounter {
  lines = 0
  private offset = 0
  private readonly chunk = Buffer.allocUnsafe(1 << 20)

  constructor(private readonly file: string) {}

  update(): number {
    let fd: number
    try {
      fd = openSync(this.file, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.lines
      throw err
    }
    try {
      for (;;) {
        const n = readSync(fd, this.chunk, 0, this.chunk.length, this.offset)
        if (n === 0) break
        this.offset += n
        for (let at = this.chunk.indexOf(10); at !== -1 && at < n; at = this.chunk.indexOf(10, at + 1)) this.lines++
      }
    } finally {
      closeSync(fd)
    }
    return this.lines
  }
}

interface Result {
  callingOpsPerSec: number
  e2eOpsPerSec: number
  peakRssMiB: number
  rssGrowthMiB: number
}

async function run(variant: Variant, dir: string, round: number): Promise<Result> {
  const file = join(dir, `${variant.name.replaceAll(/\W+/g, '-')}-${round}.log`)
  globalThis.gc?.()
  const subject = await variant.create(file)
  const counter = new LineCounter(file)
  const rss = new RssSampler()
  const layout = variant.lines === 'rotated' ? undefined : variant.lines
  const lines = variant.lines === 'rotated' ? 0 : RECORDS * (layout?.perRecord ?? 1) + (layout?.header ?? 0)
  try {
    rss.start()
    const baseline = rss.peak

    const start = performance.now()
    for (let i = 0; i < RECORDS; i++) {
      subject.log(i)
      if (i % RSS_EVERY_RECORDS === 0) rss.sample()
    }
    const loopEnd = performance.now()

    await subject.drain()
    let end = performance.now()
    if (counter.update() < lines) {
      const deadline = end + POLL_TIMEOUT_MS
      while (counter.update() < lines) {
        if (performance.now() > deadline) throw new Error(`${variant.name}: file has ${counter.lines} of ${lines} lines after ${POLL_TIMEOUT_MS} ms`)
        await sleep(1)
      }
      end = performance.now()
    }
    rss.stop()

    await subject.close()
    if (variant.lines !== 'rotated' && counter.update() !== lines) throw new Error(`${variant.name}: file has ${counter.lines} lines, expected exactly ${lines}`)

    return {
      callingOpsPerSec: RECORDS / ((loopEnd - start) / 1000),
      e2eOpsPerSec: RECORDS / ((end - start) / 1000),
      peakRssMiB: rss.peak / 2 ** 20,
      rssGrowthMiB: (rss.peak - baseline) / 2 ** 20,
    }
  } finally {
    rss.stop()
    rmSync(file, { force: true })
  }
}

const ratio = (n: number): string => `${n.toFixed(2)}×`

function table(results: Map<string, Result[]>): string {
  const medians = new Map<string, Result>()
  for (const [name, runs] of results) {
    medians.set(name, {
      callingOpsPerSec: median(runs.map((r) => r.callingOpsPerSec)),
      e2eOpsPerSec: median(runs.map((r) => r.e2eOpsPerSec)),
      peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
      rssGrowthMiB: median(runs.map((r) => r.rssGrowthMiB)),
    })
  }
  const base = medians.get(BASELINE)
  if (base === undefined) throw new Error(`no results for ${BASELINE}`)
  const lines = [
    `| variant | calling thread logs/s | end-to-end logs/s | peak RSS MiB | RSS growth MiB | calling vs ${BASELINE} | e2e vs ${BASELINE} |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [name, m] of medians) {
    lines.push(
      `| ${name} | ${int(m.callingOpsPerSec)} | ${int(m.e2eOpsPerSec)} | ${m.peakRssMiB.toFixed(0)} | ${m.rssGrowthMiB.toFixed(0)} | ` +
        `${ratio(m.callingOpsPerSec / base.callingOpsPerSec)} | ${ratio(m.e2eOpsPerSec / base.e2eOpsPerSec)} |`,
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-bench-'))
  const results = new Map<string, Result[]>(VARIANTS.map((v) => [v.name, []]))
  try {
    console.error(`${RECORDS.toLocaleString('en-US')} records x ${ROUNDS} rounds, Node ${process.version}${globalThis.gc ? ', gc between runs' : ''}`)
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the start of each round so no variant always runs first (or right after a heavy one).
      for (let k = 0; k < VARIANTS.length; k++) {
        const variant = VARIANTS[(round + k) % VARIANTS.length]
        const r = await run(variant, dir, round)
        results.get(variant.name)?.push(r)
        console.error(
          `round ${round + 1}/${ROUNDS} ${variant.name.padEnd(16)} calling ${int(r.callingOpsPerSec).padStart(11)}/s  ` +
            `e2e ${int(r.e2eOpsPerSec).padStart(11)}/s  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
        )
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`\n${RECORDS.toLocaleString('en-US')} records per run, median of ${ROUNDS} rounds\n`)
  console.log(table(results))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
