/**
 * Micro-benchmarks of the pieces of the hot path. With tinybench:
 *   - a call at a disabled level (the shared no-op)
 *   - encoding one record into a frame on the calling thread (FrameEncoder.record)
 *   - formatting that frame as a JSON line on the worker side (Pipeline.frame, output to /dev/null)
 *   - pino's own serialization of the same record, for scale (pino to a /dev/null sync destination)
 * Then, with plain timed loops, a whole log.info on the calling thread (worker mode, a 256 MiB ring
 * the drain worker keeps from filling), outside any request context and inside one with 3 fields:
 * the context must add less than 10 percent. The two alternate over ROUNDS rounds; medians.
 * Last, a declared event of the same fields (log.event) against log.info and pino's sync
 * destination, also as plain timed loops alternated over ROUNDS rounds.
 * (Not with tinybench: its promise-based loop, run inside an AsyncLocalStorage context, pays Node's
 * promise hooks on every iteration, which a synchronous caller does not.)
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/micro.js
 */
import { RingMetrics } from '../src/ring-metrics.js'
import { pino } from 'pino'
import { Bench } from 'tinybench'
import { pipelineOptions, resolveOptions } from '../src/config.js'
import { STAT_COUNT } from '../src/ring.js'
import { FrameEncoder } from '../src/encode.js'
import { createLogger, defineEvent, withContext } from '../src/index.js'
import { Pipeline } from '../src/worker/pipeline.js'

const ROUNDS = 7
const LOOP = 300_000

const fields = (i: number): Record<string, unknown> => ({
  reqId: `req-${i}`,
  userId: i % 1000,
  path: `/api/users/${i % 100}`,
  status: 200,
  durationMs: i / 7,
})

const encoder = new FrameEncoder()
const frames: Buffer[] = []
for (let i = 0; i < 1024; i++) {
  const length = encoder.record(30, Date.now(), 0, 0, 'request handled', fields(i))
  frames.push(Buffer.from(encoder.buffer.subarray(0, length)))
}
const pipeline = new Pipeline(pipelineOptions(resolveOptions({ destination: '/dev/null' })), new Float64Array(STAT_COUNT), RingMetrics.alone())
const disabled = createLogger({ level: 'warn', destination: '/dev/null', worker: false })
const log = createLogger({ destination: '/dev/null', bufferSize: 256 << 20 })
const pinoSync = pino(pino.destination({ dest: '/dev/null', sync: true }))
let i = 0

const parts = new Bench({ time: 1000, warmupTime: 300 })
  .add('log.info at a disabled level', () => {
    disabled.info('request handled', fields(i++))
  })
  .add('FrameEncoder.record (calling thread)', () => {
    encoder.record(30, Date.now(), 0, 0, 'request handled', fields(i++))
  })
  .add('Pipeline.frame, JSON line (worker side)', () => {
    const frame = frames[i++ & 1023]
    pipeline.frame(frame, 0, frame.length)
    if ((i & 255) === 0) pipeline.write()
  })
  .add('pino.info to /dev/null, sync (for scale)', () => {
    pinoSync.info(fields(i++), 'request handled')
  })

const rows = new Map<string, number[]>()
function record(name: string, ns: number): void {
  rows.set(name, [...(rows.get(name) ?? []), ns])
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

await parts.run()
for (const task of parts.tasks) {
  const result = task.result as { latency?: { p50?: number } } | undefined
  record(task.name, (result?.latency?.p50 ?? NaN) * 1e6)
}

function timedLoop(): number {
  const start = performance.now()
  for (let n = 0; n < LOOP; n++) log.info('request handled', fields(i++))
  return ((performance.now() - start) * 1e6) / LOOP
}
timedLoop() // touches the ring's pages once
await log.flush()
const PLAIN = 'log.info, calling thread, no context'
const CONTEXT = 'log.info, calling thread, context of 3 fields'
for (let round = 0; round < ROUNDS; round++) {
  record(PLAIN, timedLoop())
  await log.flush()
  record(CONTEXT, withContext({ requestId: 'req-1', userId: 42, tenant: 'acme' }, timedLoop))
  await log.flush()
}

// Declared events: the same record as a declared event, against the generic call and pino.
const RequestHandled = defineEvent({
  name: 'request.handled', version: 1, message: 'request handled',
  fields: { reqId: 'string', userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64' },
})
const prebuilt = fields(1) as { reqId: string; userId: number; path: string; status: number; durationMs: number }
const EVENT_LOOPS: [string, () => void][] = [
  ['log.event, calling thread, fields built per call', () => log.event(RequestHandled, fields(i++) as typeof prebuilt)],
  ['log.event, calling thread, one prebuilt fields object', () => log.event(RequestHandled, prebuilt)],
  ['log.info, calling thread, the same fields', () => log.info('request handled', fields(i++))],
  ['pino.info to /dev/null, sync, the same fields', () => pinoSync.info(fields(i++), 'request handled')],
]
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, call] of EVENT_LOOPS) {
    const start = performance.now()
    for (let n = 0; n < LOOP; n++) call()
    record(name, ((performance.now() - start) * 1e6) / LOOP)
    await log.flush()
  }
}

console.log('| task | ns per op (median) | ops/s |')
console.log('|---|---:|---:|')
for (const [name, ns] of rows) {
  console.log(`| ${name} | ${Math.round(median(ns))} | ${Math.round(1e9 / median(ns)).toLocaleString('en-US')} |`)
}
const without = median(rows.get(PLAIN)!)
const withCtx = median(rows.get(CONTEXT)!)
console.log(`\ncontext cost on the calling thread: ${(((withCtx - without) / without) * 100).toFixed(1)} percent`)
const event = median(rows.get(EVENT_LOOPS[0][0])!)
console.log(`log.event against log.info: ${(median(rows.get(EVENT_LOOPS[2][0])!) / event).toFixed(2)}x, against pino sync: ${(median(rows.get(EVENT_LOOPS[3][0])!) / event).toFixed(2)}x`)
console.log(`dropped: ${log.metrics().dropped}`)
await disabled.close()
await log.close()
