/**
 * HTTP benchmark: requests/s of GET /hello ('hello world') per framework with ringlog's integration,
 * with pino's usual setup for that framework, and with no logging (setups: bench/http-server.ts).
 * Loggers write to a file in a temp dir: ringlog with createLogger({ destination }) (its worker
 * thread), pino with pino.destination({ sync: false }) (its async mode).
 *
 * Run:   npx tsc -p tsconfig.json && node dist/bench/http.js
 * Env:   BENCH_SECONDS=5              measured seconds per run, after a 1 s warm-up (default 5)
 *        BENCH_ROUNDS=3               rounds; every variant runs once per round, interleaved (default 3)
 *        BENCH_FRAMEWORKS=express,koa a subset of express, koa, hono, fastify, nestjs (default all)
 *
 * Each server runs in a child process, loaded by autocannon from this one. With two CPUs or more and
 * `taskset` (util-linux) present, the server (its threads, ringlog's drain worker among them) is
 * confined to CPU 0 and this process to CPU 1, as a service does not share its cores with its load;
 * BENCH_PIN=0 lets them share every core.
 * A run is reported loudly unless every response was 2xx and, after a graceful stop, the log file
 * holds exactly one access record ('request completed') per request the server got (warm-up included).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { FRAMEWORKS, type Framework, type Variant } from './http-server.js'
import { fail, median, positiveInt } from './numbers.js'

const SECONDS = positiveInt('BENCH_SECONDS', 5)
const ROUNDS = positiveInt('BENCH_ROUNDS', 3)
const CONNECTIONS = 50
const WARMUP_SECONDS = 1
const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url))
const ACCESS_RECORD = Buffer.from('"msg":"request completed"')
const CPUS = availableParallelism()
const PIN = process.env.BENCH_PIN !== '0' && CPUS >= 2 && spawnSync('taskset', ['-V']).status === 0

// autocannon ships no types: this is the part used (duration in seconds).
type LoadResult = Record<'2xx' | 'non2xx' | 'errors' | 'timeouts' | 'duration', number>
const autocannon = createRequire(import.meta.url)('autocannon') as (options: { url: string; connections: number; pipelining: number; duration: number }) => Promise<LoadResult>

function selected(): Framework[] {
  const names = process.env.BENCH_FRAMEWORKS || FRAMEWORKS.map((f) => f.name).join(',')
  return names.split(',').map((name) => FRAMEWORKS.find((f) => f.name === name.trim()) ?? fail(`BENCH_FRAMEWORKS: no ${JSON.stringify(name)}; there are ${FRAMEWORKS.map((f) => f.name).join(', ')}`))
}

/** Starts a server and resolves once it listens; stop() resolves to the requests it received. */
async function startServer(name: string, file: string): Promise<{ url: string; stop(): Promise<number> }> {
  const command = [process.execPath, SERVER, name, file]
  const child = PIN ? spawn('taskset', ['-c', '0', ...command], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const read = async (prefix: string): Promise<number> => {
    const line = await lines.next()
    return line.done !== true && line.value.startsWith(prefix) ? Number(line.value.slice(prefix.length)) : fail(`${name}: expected "${prefix}N" from the server, got ${JSON.stringify(line.value)}`)
  }
  const port = await read('port ')
  return {
    url: `http://127.0.0.1:${port}/hello`,
    async stop() {
      child.kill('SIGTERM')
      const requests = await read('requests ')
      const code = await exited
      return code === 0 ? requests : fail(`${name}: server exited with ${code}`)
    },
  }
}

function accessRecords(file: string): number {
  if (!existsSync(file)) return 0
  const text = readFileSync(file)
  let count = 0
  for (let at = text.indexOf(ACCESS_RECORD); at !== -1; at = text.indexOf(ACCESS_RECORD, at + 1)) count++
  return count
}

const problems: string[] = []
function problem(message: string): void {
  problems.push(message)
  console.error(`\n!!! ${message}\n`)
}

/** One run: 2xx responses per second while measured. */
async function run(name: string, variant: Variant, file: string): Promise<number> {
  const server = await startServer(name, file)
  const load = (duration: number) => autocannon({ url: server.url, connections: CONNECTIONS, pipelining: 1, duration })
  let result: LoadResult
  let requests: number
  try {
    await load(WARMUP_SECONDS)
    result = await load(SECONDS)
  } finally {
    requests = await server.stop()
  }
  const { non2xx, errors, timeouts } = result
  if (non2xx + errors + timeouts > 0) problem(`${name}: ${non2xx} non-2xx responses, ${errors} errors, ${timeouts} timeouts`)
  const records = accessRecords(file)
  const expected = variant.logger === 'none' ? 0 : requests
  if (records !== expected) problem(`${name}: MISMATCH, ${records} access records in the log file for ${requests} requests (expected ${expected})`)
  rmSync(file, { force: true })
  return result['2xx'] / result.duration
}

const int = (n: number | undefined): string => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'))
const ratio = (n: number | undefined, of: number | undefined): string => (n === undefined || of === undefined ? '—' : `${(n / of).toFixed(2)}×`)
const cost = (n: number | undefined, of: number | undefined): string => (n === undefined || of === undefined ? '—' : `${(100 * (1 - n / of)).toFixed(1)} %`)

async function main(): Promise<void> {
  // Every thread of this process (autocannon's load) to CPU 1.
  if (PIN) execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' })
  const frameworks = selected()
  const runs = frameworks.flatMap((framework) => framework.variants.map((variant) => ({ framework, variant, name: `${framework.name}:${variant.logger}`, rates: [] as number[] })))
  const env = Object.entries(process.env).filter(([key]) => key.startsWith('BENCH_')).map(([key, value]) => `${key}=${value} `)
  console.log(`Command: ${env.join('')}${[process.argv0, ...process.execArgv, relative(process.cwd(), process.argv[1]), ...process.argv.slice(2)].join(' ')}`)
  console.log(`Node ${process.version}, ${CPUS} CPUs${PIN ? ', server on CPU 0, load on CPU 1 (taskset)' : ''}; autocannon ${CONNECTIONS} connections, pipelining 1, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per run\n`)
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-http-bench-'))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the start of each round so no variant always runs first (or right after a heavy one).
      for (let k = 0; k < runs.length; k++) {
        const entry = runs[(round + k) % runs.length]
        const rate = await run(entry.name, entry.variant, join(dir, `${entry.name.replace(':', '-')}-${round}.log`))
        entry.rates.push(rate)
        console.error(`round ${round + 1}/${ROUNDS} ${entry.name.padEnd(16)} ${int(rate).padStart(8)} req/s`)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  console.log(`\nGET /hello, requests/s, median of ${ROUNDS} round(s) of ${SECONDS} s\n`)
  console.log("| framework | none | ringlog | ringlog, context: false | pino | ringlog/none | ringlog bare/none | pino/none | ringlog's cost | ringlog bare's cost | pino's cost |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
  for (const framework of frameworks) {
    const rate = (logger: Variant['logger']): number | undefined => {
      const rates = runs.find((r) => r.framework === framework && r.variant.logger === logger)?.rates
      return rates === undefined ? undefined : median(rates)
    }
    const [none, ringlog, bare, pino] = [rate('none'), rate('ringlog'), rate('ringlog-bare'), rate('pino')]
    console.log(`| ${framework.name} | ${int(none)} | ${int(ringlog)} | ${int(bare)} | ${int(pino)} | ${ratio(ringlog, none)} | ${ratio(bare, none)} | ${ratio(pino, none)} | ${cost(ringlog, none)} | ${cost(bare, none)} | ${cost(pino, none)} |`)
  }
  console.log('\nSetups (ringlog: createLogger({ destination: file }), its worker thread):')
  for (const { name, variant } of runs) if (variant.logger !== 'none') console.log(`- ${name}: ${variant.setup}`)
  for (const { name, note } of frameworks) if (note !== undefined) console.log(`- ${name}: ${note}`)
  if (problems.length > 0) {
    console.log(`\n${problems.length} PROBLEM(S): the figures above are not to be trusted\n${problems.map((p) => `- ${p}`).join('\n')}`)
    process.exitCode = 1
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
