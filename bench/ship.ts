/**
 * Shipping end to end (issue 16): records from log.info() until a local server, in a process of its
 * own (bench/ship-receiver.ts), has received every one. ringlog's http sink against pino with
 * transports that ship over the network.
 *
 * Run:   npm run bench:ship     (= tsc -p tsconfig.json && node dist/bench/ship.js)
 * Env:   BENCH_RECORDS=1000000  records per run (default 1000000; a multiple of 1,000 keeps every batch full)
 *        BENCH_ROUNDS=5         rounds; every variant runs once per round, every other round in reverse (default 5)
 *        BENCH_VARIANTS=a,b     a subset, by name (default all)
 *        BENCH_BUFFER=16MiB     the ringlog sinks' `buffer` (default '256 MiB': see BUFFER below)
 *        BENCH_CPU_PROF=DIR     run the ringlog variants under `node --cpu-prof --cpu-prof-dir=DIR`
 *                               (one .cpuprofile per thread: the main thread and the drain worker)
 *
 * Each run is a fresh receiver process and a fresh logging process (`node ship.js --run VARIANT
 * URL PORT`, forked with an IPC channel). The logging process logs the records in a synchronous loop
 * (the `fields()` record of bench/e2e.ts), then waits for the receiver's word that the last record is
 * in, relayed by this process; it reports the loop's time per record (calling thread), the records/s
 * from the first call until the receiver had them all (both processes read the same clock:
 * `performance.timeOrigin + performance.now()`), its own CPU over that span (process.cpuUsage: every
 * thread of the logging process, not the receiver's, which is reported beside it) and its peak RSS.
 * Loggers are created and, for pino's transports, given time to become ready before the clock starts;
 * ringlog starts its worker inside the timed span (as in bench/e2e.ts). tinybench does not fit here: a
 * run is one timed burst across two processes, not a function called in a loop.
 *
 * The receiver counts newline-terminated records (gunzipping HTTP bodies) and must end with exactly
 * the records logged; ringlog's metrics must say every record was sent.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { createLogger, type HttpSinkOptions } from '../src/index.js'
import { transportOf } from '../src/logger.js'
import type { WorkerTransport } from '../src/worker-transport.js'
import { fail, int, median, positiveInt } from './numbers.js'
import { fields, MESSAGE } from './record.js'
import type { Subject } from './subject.js'
import { startReceiver, type Receiver, type ReceiverResult } from './receiver.js'

const RECORDS = positiveInt('BENCH_RECORDS', 1_000_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 5)
const RECEIVE_TIMEOUT_MS = 180_000
/**
 * The http sink's memory buffer. The default (16 MiB) holds about 95,000 of these records, and a
 * burst the sender cannot keep up with drops the oldest batches beyond it (no spool here): the burst
 * must fit for every record to arrive, as pino, which blocks the calling thread instead, delivers all.
 */
const BUFFER = process.env.BENCH_BUFFER || '256 MiB'
const SELF = fileURLToPath(import.meta.url)
const HTTP_SEND_TRANSPORT = fileURLToPath(new URL('./pino-http-send-transport.js', import.meta.url))

interface Variant {
  name: string
  /** How it is set up, for the output. */
  setup: string
  create(url: string, tcpPort: number): Promise<Subject>
}

interface RunResult {
  callingNsPerRecord: number
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
}

function ringlogHttp(name: string, options: Partial<HttpSinkOptions>): Variant {
  return {
    name,
    setup: `createLogger({ sinks: [{ type: 'http', url, batch: { records: 1000 }, buffer: '${BUFFER}'${options.compression === 'gzip' ? ", compression: 'gzip'" : ''} }] }), default ring (8 MiB)`,
    async create(url) {
      const log = createLogger({ sinks: [{ type: 'http', url, batch: { records: 1000 }, buffer: BUFFER, ...options }] })
      // As pino's transport is waited for ('ready'): the drain worker has the ring before the clock starts.
      await (transportOf(log) as WorkerTransport).running()
      return {
        log: (i) => log.info(MESSAGE, fields(i)),
        async drain() {
          await log.flush()
          // Records the sink dropped never reach the receiver: say so rather than wait for them.
          const sink = log.metrics().sinks[0]
          if (sink.dropped !== 0 || sink.failed !== 0) fail(`${name}: the sink dropped ${sink.dropped} and failed ${sink.failed} of ${RECORDS} records (sent ${sink.sent}; buffer ${BUFFER})`)
        },
        async close() {
          await log.close()
          const sink = log.metrics().sinks[0]
          if (sink.sent !== RECORDS || sink.dropped !== 0 || sink.failed !== 0) throw new Error(`${name}: metrics say sent=${sink.sent} dropped=${sink.dropped} failed=${sink.failed}, expected ${RECORDS} sent`)
        },
      }
    },
  }
}

/** pino with a transport in its worker thread, ready before the clock starts. */
function pinoTransport(name: string, setup: string, target: (url: string, tcpPort: number) => pino.TransportSingleOptions): Variant {
  return {
    name,
    setup,
    async create(url, tcpPort) {
      const transport = pino.transport(target(url, tcpPort))
      await once(transport, 'ready')
      const log = pino(transport)
      return {
        log: (i) => log.info(fields(i), MESSAGE),
        // The receiver's count says when everything is through: pino has no flush that waits for its worker's destination.
        drain: async () => {},
        // Every record is at the receiver by now, and the process exits next: pino-http-send's stream
        // never finishes ending (thread-stream gives up after 10 s and throws).
        close: async () => {},
      }
    },
  }
}

const VARIANTS: Variant[] = [
  ringlogHttp('ringlog http gzip', { compression: 'gzip' }),
  ringlogHttp('ringlog http', {}),
  pinoTransport('pino-socket', "pino.transport({ target: 'pino-socket', options: { mode: 'tcp' } }), pino-socket 8: a TCP stream of lines, no batches, no HTTP, no gzip", (_url, port) => ({
    target: 'pino-socket',
    options: { address: '127.0.0.1', port, mode: 'tcp' },
  })),
  pinoTransport('pino-http-send', "pino.transport({ target: bench/pino-http-send-transport.js, options: { bodyType: 'ndjson', batchSize: 1000 } }), pino-http-send 0.4 (got 11): no gzip, a request per batch without waiting for the last", (url) => ({
    target: HTTP_SEND_TRANSPORT,
    options: { url, bodyType: 'ndjson', batchSize: 1000 },
  })),
]

const now = (): number => performance.timeOrigin + performance.now()

/** One run, in this fresh process: the parent relays the receiver's `{ at }` once it has every record. */
async function run(name: string, url: string, tcpPort: number): Promise<void> {
  const variant = VARIANTS.find((v) => v.name === name) ?? fail(`no variant ${name}`)
  // Listening first keeps the IPC channel, and so the process, alive: pino's worker is unref'd.
  const received = once(process, 'message') as Promise<[{ at: number }]>
  const subject = await variant.create(url, tcpPort)
  const cpuBefore = process.cpuUsage()
  const start = now()
  for (let i = 0; i < RECORDS; i++) subject.log(i)
  const loopEnd = now()
  await subject.drain()
  const [{ at }] = await received
  const cpu = process.cpuUsage(cpuBefore)
  const result: RunResult = {
    callingNsPerRecord: ((loopEnd - start) * 1e6) / RECORDS,
    e2eRecordsPerSec: RECORDS / ((at - start) / 1000),
    cpuNsPerRecord: ((cpu.user + cpu.system) * 1000) / RECORDS,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }
  await subject.close()
  process.send!(result, () => process.exit(0))
}


async function measure(variant: Variant): Promise<RunResult & ReceiverResult> {
  const receiver = await startReceiver('count', RECORDS)
  try {
    return await measureWith(variant, receiver)
  } catch (err) {
    // Not left behind holding this process's output open; a race may have read its last line already.
    await receiver.stop().catch(() => {})
    throw err
  }
}

async function measureWith(variant: Variant, receiver: Receiver): Promise<RunResult & ReceiverResult> {
  const url = `http://127.0.0.1:${receiver.ports[0]}/logs`
  const profile = process.env.BENCH_CPU_PROF
  const execArgv = profile !== undefined && variant.name.startsWith('ringlog') ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []
  const child = fork(SELF, ['--run', variant.name, url, String(receiver.ports[1])], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = once(child, 'exit') as Promise<[number | null]>
  const result = once(child, 'message') as Promise<[RunResult]>
  const timeout = setTimeout(() => {
    child.kill('SIGKILL')
    console.error(`${variant.name}: the receiver did not get ${RECORDS} records in ${RECEIVE_TIMEOUT_MS} ms`)
    process.exit(1)
  }, RECEIVE_TIMEOUT_MS)
  // A logging process that fails (records dropped) ends before the receiver has them all.
  const [word, , at] = await Promise.race([receiver.next(), exited.then(([code]) => fail(`${variant.name}: the logging process exited with ${code} before the receiver had every record`))])
  clearTimeout(timeout)
  if (word !== 'received') fail(`receiver: expected "received", got ${word}`)
  child.send({ at: Number(at) })
  const [[measured], [code]] = await Promise.all([result, exited])
  if (code !== 0) fail(`${variant.name}: the logging process exited with ${code}`)
  const counted = await receiver.stop()
  // Exactly once: nothing more may arrive after the logger closed.
  if (counted.records !== RECORDS) fail(`${variant.name}: the receiver counted ${counted.records} records, expected ${RECORDS}`)
  return { ...measured, ...counted }
}

async function main(): Promise<void> {
  const names = process.env.BENCH_VARIANTS?.split(',').map((name) => name.trim())
  const variants = names === undefined ? VARIANTS : names.map((name) => VARIANTS.find((v) => v.name === name) ?? fail(`BENCH_VARIANTS: no ${JSON.stringify(name)}; there are ${VARIANTS.map((v) => v.name).join(', ')}`))
  const results = new Map<string, (RunResult & ReceiverResult)[]>(variants.map((v) => [v.name, []]))
  console.log(`${RECORDS.toLocaleString('en-US')} records per run, ${ROUNDS} rounds; Node ${process.version}, ${availableParallelism()} CPUs, load average at start ${loadavg().map((n) => n.toFixed(2)).join(' ')}`)
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round in reverse: no variant always runs first, or always after a given one.
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const r = await measure(variant)
      results.get(variant.name)!.push(r)
      console.error(`round ${round + 1}/${ROUNDS} ${variant.name.padEnd(18)} calling ${r.callingNsPerRecord.toFixed(0).padStart(5)} ns  e2e ${int(r.e2eRecordsPerSec).padStart(9)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(5)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`)
    }
  }
  console.log(`load average at end ${loadavg().map((n) => n.toFixed(2)).join(' ')}; medians over the rounds\n`)
  const pinos = variants.filter((v) => v.name.startsWith('pino'))
  const of = (name: string, key: keyof (RunResult & ReceiverResult)): number[] => results.get(name)!.map((r) => r[key])
  console.log(`| variant | calling thread ns/record | end-to-end records/s |${pinos.map((p) => ` e2e vs ${p.name}, same round |`).join('')} CPU ns/record, logging process (all threads) | receiver CPU ns/record | peak RSS MiB | requests | bytes on the wire/record |`)
  console.log(`|---|---:|---:|${pinos.map(() => '---:|').join('')}---:|---:|---:|---:|---:|`)
  for (const { name } of variants) {
    const e2e = of(name, 'e2eRecordsPerSec')
    // The machine's load drifts over minutes: a ratio within each round cancels what both runs met.
    const ratios = pinos.map((p) => `${median(e2e.map((value, round) => value / of(p.name, 'e2eRecordsPerSec')[round])).toFixed(2)}×`)
    console.log(`| ${name} | ${median(of(name, 'callingNsPerRecord')).toFixed(0)} | ${int(median(e2e))} (${int(Math.min(...e2e))}-${int(Math.max(...e2e))}) | ${ratios.join(' | ')}${ratios.length > 0 ? ' |' : ''} ${median(of(name, 'cpuNsPerRecord')).toFixed(0)} | ${median(of(name, 'cpuUs').map((us) => (us * 1000) / RECORDS)).toFixed(0)} | ${median(of(name, 'peakRssMiB')).toFixed(1)} | ${int(median(of(name, 'requests')))} | ${median(of(name, 'wireBytes').map((b) => b / RECORDS)).toFixed(1)} |`)
  }
  console.log('\nSetups:')
  for (const { name, setup } of variants) console.log(`- ${name}: ${setup}`)
}

if (process.argv[2] === '--run') {
  await run(process.argv[3], process.argv[4], Number(process.argv[5]))
} else {
  await main()
}
