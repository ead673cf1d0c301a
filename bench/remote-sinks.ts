/**
 * The cloud and database sinks end to end (issues 18 and 19): records/s through each official
 * client to a local stand-in of its cloud service, or to a real PostgreSQL and Redis, batches of
 * 1,000, and the calling thread's cost against a file sink in the same round.
 *
 * Run:   npm run bench:sinks                   (builds, then this)
 *        node dist/bench/remote-sinks.js       after `npx tsc -p tsconfig.json`
 * Env:   BENCH_RECORDS=200000   records per run (default 200000)
 *        BENCH_ROUNDS=3         rounds, variants interleaved (default 3)
 *        BENCH_RATE=20000       records/s of the steady runs (default 20000), for BENCH_SECONDS=3 s
 *
 * Every run is a fresh child process (`node remote-sinks.js --run VARIANT RECORDS PORTS`) that makes its
 * logger, waits until the drain worker holds the ring, logs the records (the `fields()` record of
 * bench/e2e.ts) in one loop and awaits flush(), which resolves once every batch is acknowledged by
 * the stand-in. The stand-ins run in this (parent) process and only count what they are given: the
 * PutLogEvents JSON 1.1 call, Cloud Logging's REST `entries:write`, and over https with a
 * self-signed certificate (trusted by the children through NODE_EXTRA_CA_CERTS) Entra's token
 * endpoint and the Logs Ingestion API. PostgreSQL and Redis are the real servers, started by this
 * process with scripts/services/postgres.sh and redis.sh in a temp dir (MongoDB cannot be installed
 * here: its sink is not measured). Per run: the calling thread's ns per record (the loop), end
 * to end records/s (the loop's start to flush()), CPU per record of the logging process (every
 * thread), and peak RSS; the receiving side's CPU is this process's, not counted.
 *
 * A burst outruns every cloud sink: its SDK's work per record (JSON, protobuf, gzip) is the drain
 * worker's, the ring fills and the calling thread waits for room. The steady runs log at a rate
 * each sink keeps up with, a tick every millisecond as bench/steady.ts does, and time each call:
 * there the calling thread's cost is the log call's alone.
 */
import { execFileSync, spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { createLogger, type SinkOptions } from '../src/index.js'
import { transportOf } from '../src/logger.js'
import type { WorkerTransport } from '../src/worker-transport.js'
import { childArgs, interleave, machine, markdownTable, medianOf, pairedRatio, ratio, report, runChild } from './child-runs.js'
import { fail, int, positiveInt } from './numbers.js'
import { fields, MESSAGE } from './record.js'

const SELF = fileURLToPath(import.meta.url)
const RECORDS = positiveInt('BENCH_RECORDS', 200_000)
const ROUNDS = positiveInt('BENCH_ROUNDS', 3)
const RATE = positiveInt('BENCH_RATE', 20_000)
const SECONDS = positiveInt('BENCH_SECONDS', 3)
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const VARIANTS = ['file', 'cloudwatch', 'gcp', 'azure', 'postgres', 'redis'] as const
type Variant = (typeof VARIANTS)[number]

interface Result {
  callingNsPerRecord: number
  e2eRecordsPerSec: number
  cpuNsPerRecord: number
  peakRssMiB: number
}

interface SteadyResult {
  /** Time inside the log calls, over the records. */
  callNsPerRecord: number
  p99Ns: number
}

/** The sink of each variant, batches of 1,000, a buffer that holds the whole run (a burst must not drop). */
function sinkOf(variant: Variant, [cw, gcp, az, pg, redis]: number[]): SinkOptions {
  const shipped = { batch: { records: 1000 }, buffer: '512 MiB' }
  switch (variant) {
    case 'file':
      return { type: 'file', path: '/dev/null' }
    case 'cloudwatch':
      return { type: 'cloudwatch', logGroup: 'bench', logStream: 'bench', region: 'us-east-1', endpoint: `http://127.0.0.1:${cw}`, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }, ...shipped }
    case 'gcp': {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
      return { type: 'gcp', logName: 'bench', projectId: 'bench-project', resource: { type: 'global' }, credentials: { client_email: 'bench@bench-project.iam.gserviceaccount.com', private_key: privateKey }, apiEndpoint: `http://127.0.0.1:${gcp}`, ...shipped }
    }
    case 'postgres':
      return { type: 'postgres', connectionString: `postgres://postgres@127.0.0.1:${pg}/postgres`, table: `bench_${process.pid}`, ...shipped }
    case 'redis':
      return { type: 'redis', url: `redis://127.0.0.1:${redis}`, key: `bench:${process.pid}`, maxLength: 0, ...shipped }
    case 'azure':
      return {
        type: 'azure', endpoint: `https://127.0.0.1:${az}`, ruleId: 'dcr-0123456789abcdef0123456789abcdef', streamName: 'Custom-Bench_CL',
        credential: { tenantId: TENANT, clientId: 'bench', clientSecret: 'bench' }, authorityHost: `https://127.0.0.1:${az}`, ...shipped,
      }
  }
}

/** One run, in this fresh process. */
async function run(variant: Variant, records: number, ports: number[]): Promise<Result> {
  const log = createLogger({ sinks: [sinkOf(variant, ports)] })
  await (transportOf(log) as WorkerTransport).running()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < records; i++) log.info(MESSAGE, fields(i))
  const loopEnd = performance.now()
  await log.flush()
  const end = performance.now()
  const cpu = process.cpuUsage(cpuBefore)
  const sink = log.metrics().sinks[0]
  if (sink !== undefined && (sink.sent !== records || sink.failed !== 0 || sink.dropped !== 0)) fail(`${variant}: sent ${sink.sent}, failed ${sink.failed}, dropped ${sink.dropped} of ${records}: ${sink.lastError ?? ''}`)
  await log.close()
  return {
    callingNsPerRecord: ((loopEnd - start) * 1e6) / records,
    e2eRecordsPerSec: records / ((end - start) / 1000),
    cpuNsPerRecord: ((cpu.user + cpu.system) * 1000) / records,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }
}

/** Logs `records` at `rate`, a tick every millisecond, timing each call; then flushes. */
async function steady(variant: Variant, rate: number, records: number, ports: number[]): Promise<SteadyResult> {
  const log = createLogger({ sinks: [sinkOf(variant, ports)] })
  await (transportOf(log) as WorkerTransport).running()
  const took = new Float64Array(records)
  const start = performance.now()
  let i = 0
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(records, Math.floor((rate * (performance.now() - start)) / 1000))
      for (; i < due; i++) {
        const before = performance.now()
        log.info(MESSAGE, fields(i))
        took[i] = performance.now() - before
      }
      if (i === records) {
        clearInterval(timer)
        resolve()
      }
    }, 1)
  })
  await log.flush()
  const sink = log.metrics().sinks[0]
  if (sink !== undefined && sink.sent !== records) fail(`${variant}: sent ${sink.sent} of ${records}: ${sink.lastError ?? ''}`)
  await log.close()
  // The first second warms the code up; the rest is measured.
  const measured = took.slice(rate).sort()
  return {
    callNsPerRecord: (measured.reduce((sum, ms) => sum + ms, 0) * 1e6) / measured.length,
    p99Ns: measured[Math.ceil(0.99 * measured.length) - 1] * 1e6,
  }
}

/** Each stand-in counts what it is given, by variant. */
const received: Record<string, number> = { cloudwatch: 0, gcp: 0, azure: 0 }

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': status === 200 && res.req.headers['x-amz-target'] !== undefined ? 'application/x-amz-json-1.1' : 'application/json' })
  res.end(JSON.stringify(value))
}

async function standIns(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-cloud-bench-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  // Read by each child at its start.
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'cert.pem')
  const cloudwatch = createHttpServer(async (req, res) => {
    const call = JSON.parse((await body(req)).toString()) as { logEvents?: unknown[] }
    received.cloudwatch += call.logEvents?.length ?? 0
    json(res, 200, {})
  })
  const gcp = createHttpServer(async (req, res) => {
    const { entries = [] } = JSON.parse((await body(req)).toString()) as { entries?: { jsonPayload?: Record<string, unknown> }[] }
    received.gcp += entries.filter((entry) => entry.jsonPayload?.['logging.googleapis.com/diagnostic'] === undefined).length
    json(res, 200, {})
  })
  const azure = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, async (req, res) => {
    const bytes = await body(req)
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const base = `https://127.0.0.1:${(azure.address() as { port: number }).port}/${TENANT}`
    if (url.pathname.endsWith('/openid-configuration')) {
      return json(res, 200, { token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, end_session_endpoint: `${base}/oauth2/v2.0/logout`, issuer: `${base}/v2.0`, jwks_uri: `${base}/keys`, response_types_supported: ['code'], scopes_supported: ['openid'] })
    }
    if (url.pathname.endsWith('/token')) return json(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: 'bench' })
    received.azure += (JSON.parse(gunzipSync(bytes).toString()) as unknown[]).length
    res.writeHead(204)
    res.end()
  })
  const listen = (server: ReturnType<typeof createHttpServer>): Promise<number> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))
  const ports = [await listen(cloudwatch), await listen(gcp), await listen(azure)]
  for (const script of ['postgres.sh', 'redis.sh']) {
    // A free port: taken and given back, for the server the script starts.
    const probe = createHttpServer()
    const port = await listen(probe)
    await new Promise((resolve) => probe.close(resolve))
    ports.push(await service(script, port))
  }
  return ports
}

/** A real server from scripts/services (in a temp dir of its own, which the script may give to the server's user), up once its port takes connections; ended with this process. */
async function service(script: string, port: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `ringlog-${script.replace('.sh', '')}-bench-`))
  const child = spawn(fileURLToPath(new URL(`../../scripts/services/${script}`, import.meta.url)), [dir, String(port)], { stdio: 'ignore' })
  process.once('exit', () => child.kill('SIGINT'))
  for (const start = Date.now(); !(await accepts(port)); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (child.exitCode !== null || Date.now() - start > 30_000) fail(`${script} did not start on port ${port}`)
  }
  // PostgreSQL takes connections a moment before it takes queries.
  await new Promise((resolve) => setTimeout(resolve, 500))
  return port
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function main(): Promise<void> {
  const ports = await standIns()
  console.error(`remote sinks: ${int(RECORDS)} records per run, ${ROUNDS} rounds (${machine()})`)
  const results = await interleave(VARIANTS, ROUNDS, async (name, round) => {
    const before = received[name] ?? 0
    const r = await runChild<Result>(SELF, [name, String(RECORDS), ports.join(',')])
    if (name in received && received[name] - before !== RECORDS) fail(`${name}: the stand-in got ${received[name] - before} records, expected ${RECORDS}`)
    console.error(`round ${round + 1}/${ROUNDS} ${name.padEnd(10)} calling ${r.callingNsPerRecord.toFixed(0).padStart(5)} ns  e2e ${int(r.e2eRecordsPerSec).padStart(9)}/s  CPU ${r.cpuNsPerRecord.toFixed(0).padStart(6)} ns  peak RSS ${r.peakRssMiB.toFixed(0)} MiB`)
    return r
  })
  console.log(`\n### Cloud and database sinks: ${int(RECORDS)} records per run, batches of 1,000, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'calling thread ns/record', 'calling thread vs file sink, same round', 'end-to-end records/s', 'CPU ns/record (all threads)', 'peak RSS MiB'],
    VARIANTS.map((name) => {
      const runs = results.get(name)!
      return [
        name, medianOf(runs, 'callingNsPerRecord').toFixed(0), ratio(pairedRatio(results, name, 'file', 'callingNsPerRecord')),
        int(medianOf(runs, 'e2eRecordsPerSec')), medianOf(runs, 'cpuNsPerRecord').toFixed(0), medianOf(runs, 'peakRssMiB').toFixed(0),
      ]
    }),
  ))

  const records = RATE * (SECONDS + 1)
  const calm = await interleave(VARIANTS, ROUNDS, async (name, round) => {
    const r = await runChild<SteadyResult>(SELF, [name, String(records), ports.join(','), String(RATE)])
    console.error(`steady round ${round + 1}/${ROUNDS} ${name.padEnd(10)} call ${r.callNsPerRecord.toFixed(0).padStart(5)} ns  p99 ${r.p99Ns.toFixed(0).padStart(6)} ns`)
    return r
  })
  console.log(`\n### Cloud and database sinks at ${int(RATE)} records/s: ${SECONDS} s measured after 1 s, median of ${ROUNDS} rounds (${machine()})\n`)
  console.log(markdownTable(
    ['variant', 'log call ns/record', 'vs file sink, same round', 'log call p99 ns'],
    VARIANTS.map((name) => {
      const runs = calm.get(name)!
      return [name, medianOf(runs, 'callNsPerRecord').toFixed(0), ratio(pairedRatio(calm, name, 'file', 'callNsPerRecord')), medianOf(runs, 'p99Ns').toFixed(0)]
    }),
  ))
  process.exit(0)
}

const args = childArgs()
if (args !== undefined) {
  const [variant, records, ports, rate] = args
  if (!(VARIANTS as readonly string[]).includes(variant)) fail(`no variant ${variant}`)
  const portList = ports.split(',').map(Number)
  report(rate === undefined ? await run(variant as Variant, Number(records), portList) : await steady(variant as Variant, Number(rate), Number(records), portList))
} else {
  await main()
}
