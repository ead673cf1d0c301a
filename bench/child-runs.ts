/**
 * Every measured run in a fresh Node process of its own, rounds interleaved, medians: what
 * bench/e2e.ts and bench/steady.ts share. A fresh process per run means no variant inherits another's
 * garbage, compiled code, loaded modules or peak RSS, and process.cpuUsage() in the child is that
 * run's CPU alone (every thread of it: a drain worker's, pino's transport's).
 *
 * The parent spawns `node [...execArgv] SCRIPT --run ...args` (runChild); the child does one run and
 * prints one JSON line on stdout (report); its progress and errors go to stderr, which it shares.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fail, median } from './numbers.js'

/** The child's arguments after `--run`, or undefined in the parent. */
export function childArgs(): string[] | undefined {
  return process.argv[2] === '--run' ? process.argv.slice(3) : undefined
}

/** In the child: the run's one line of results. */
export function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/**
 * Runs `script --run ...args` in a fresh process with this process's execArgv (so
 * `node --expose-gc` or `--cpu-prof` reaches the runs) and returns the JSON line it printed last.
 */
export async function runChild<R>(script: string, args: string[]): Promise<R> {
  const child = spawn(process.execPath, [...process.execArgv, script, '--run', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
  if (code !== 0) fail(`${args.join(' ')}: the run's process exited with ${code ?? signal}`)
  const last = out.trimEnd().split('\n').at(-1)
  if (last === undefined || last === '') fail(`${args.join(' ')}: the run's process printed no result`)
  return JSON.parse(last) as R
}

/**
 * Runs every variant once per round and returns each one's results, in round order. Each round
 * starts one variant further on, so no variant always runs first or always right after a heavy one.
 */
export async function interleave<R>(names: readonly string[], rounds: number, run: (name: string, round: number) => Promise<R>): Promise<Map<string, R[]>> {
  const results = new Map<string, R[]>(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]
      results.get(name)!.push(await run(name, round))
    }
  }
  return results
}

/** The median over the rounds of one measure. */
export function medianOf<R>(runs: readonly R[], key: keyof R & string): number {
  return median(runs.map((r) => r[key] as number))
}

/**
 * The median over the rounds of `name`'s measure divided by `base`'s in the same round: the
 * machine's load drifts over minutes, and a ratio within a round cancels what both runs met.
 */
export function pairedRatio<R>(results: ReadonlyMap<string, readonly R[]>, name: string, base: string, key: keyof R & string): number {
  const ours = results.get(name) ?? fail(`no results for ${name}`)
  const theirs = results.get(base) ?? fail(`no results for ${base}, the variant the ratios are against`)
  return median(ours.map((r, round) => (r[key] as number) / (theirs[round][key] as number)))
}

export const ratio = (n: number): string => `${n.toFixed(2)}×`

/** A markdown table, the first column left-aligned and the rest (numbers) right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n')
}

/** What the numbers were measured on, for the line above a table. */
export function machine(): string {
  return `Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`
}

/** A point in time and the process's CPU so far (µs, every thread). */
export function mark(): { ms: number; cpuUs: number } {
  const cpu = process.cpuUsage()
  return { ms: performance.now(), cpuUs: cpu.user + cpu.system }
}

/** Fails the run unless the logger's metrics say every record was written, none dropped or failed. */
export function checkMetrics(variant: string, log: { metrics(): { written: number; dropped: number; failed: number; lastError: string | undefined } }, records: number): void {
  const m = log.metrics()
  if (m.written !== records || m.dropped !== 0 || m.failed !== 0) fail(`${variant}: metrics say written=${m.written} dropped=${m.dropped} failed=${m.failed}, expected ${records} written: ${String(m.lastError ?? '')}`)
}

