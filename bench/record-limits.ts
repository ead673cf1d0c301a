/**
 * How long one log.info takes on the calling thread for inputs that used to hold it for long, at the
 * default record limits (maxRecordValues 10,000, maxRecordSize 1 MiB).
 *
 * Run:   npm run build && node dist/bench/record-limits.js [BASELINE_INDEX_JS]
 * Env:   BENCH_ROUNDS=5   rounds; every input runs once per round in a fresh process, in turn (default 5)
 *
 * A run (`node record-limits.js --run INPUT INDEX_JS`) builds its input, logs it 7 times to /dev/null
 * and prints the fastest call and the first (cold) one in ms. The parent prints the medians over the
 * rounds. With a baseline (an earlier build's dist/src/index.js), every input except the sparse array
 * (which took more than 30 s a call there) runs against it too.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

interface LoggerLike {
  info(message: string, fields: Record<string, unknown>): void
  close(): Promise<void>
}

const CALLS = 7
const self = fileURLToPath(import.meta.url)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

const INPUTS: Record<string, () => unknown> = {
  'five flat fields': () => 'x',
  'array of 9,000 numbers': () => Array.from({ length: 9000 }, (_, i) => i),
  'array of 20,000 objects': () => Array.from({ length: 20_000 }, (_, i) => ({ i })),
  'sparse array, length 2^32-1': () => {
    const sparse: unknown[] = []
    sparse.length = 2 ** 32 - 1
    return sparse
  },
  'object of 70,000 keys': () => Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
  'Map of 70,000 entries': () => new Map(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
  'string of 8 MiB': () => 'x'.repeat(8 << 20),
}

async function run(input: string, indexJs: string): Promise<void> {
  const { createLogger } = (await import(pathToFileURL(indexJs).href)) as { createLogger: (options: object) => LoggerLike }
  const log = createLogger({ destination: '/dev/null' })
  const value = INPUTS[input]()
  const times: number[] = []
  for (let call = 0; call < CALLS; call++) {
    const fields = input === 'five flat fields' ? { reqId: `req-${call}`, userId: 1000, path: '/api/users/1', status: 200, durationMs: 3 } : { id: call, value }
    const start = process.hrtime.bigint()
    log.info('limits', fields)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  await log.close()
  process.stdout.write(JSON.stringify({ fastest: Math.min(...times), first: times[0] }))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function main(): Promise<void> {
  const current = fileURLToPath(new URL('../src/index.js', import.meta.url))
  const baseline = process.argv[2]
  const builds: [string, string][] = [['this build', current]]
  if (baseline !== undefined) builds.push(['baseline', baseline])
  const results = new Map<string, { fastest: number; first: number }[]>()
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}/${ROUNDS}\n`)
    for (const input of Object.keys(INPUTS)) {
      for (const [name, indexJs] of builds) {
        if (name === 'baseline' && input.startsWith('sparse')) continue
        const out = execFileSync(process.execPath, [self, '--run', input, indexJs], { encoding: 'utf8', maxBuffer: 1 << 20 })
        const key = `${input}\t${name}`
        results.set(key, [...(results.get(key) ?? []), JSON.parse(out) as { fastest: number; first: number }])
      }
    }
  }
  console.log(`${ROUNDS} rounds, ${CALLS} calls per run; medians over the rounds, ms per call`)
  console.log('| input | build | fastest call | first call |')
  console.log('|---|---|---:|---:|')
  for (const [key, runs] of results) {
    const [input, name] = key.split('\t')
    console.log(`| ${input} | ${name} | ${median(runs.map((r) => r.fastest)).toFixed(3)} | ${median(runs.map((r) => r.first)).toFixed(3)} |`)
  }
}

if (process.argv[2] === '--run') await run(process.argv[3], process.argv[4])
else await main()
