/**
 * Micro-benchmarks of the pieces of the hot path, with tinybench:
 *   - a call at a disabled level (the shared no-op)
 *   - encoding one record into a frame on the calling thread (FrameEncoder.record)
 *   - formatting that frame as a JSON line on the worker side (Pipeline.frame, output to /dev/null)
 *   - pino's own serialization of the same record, for scale (pino to a /dev/null sync destination)
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/micro.js
 */
import { pino } from 'pino'
import { Bench } from 'tinybench'
import { FrameEncoder } from '../src/encode.js'
import { createLogger } from '../src/index.js'
import { Pipeline } from '../src/worker/pipeline.js'

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
  const length = encoder.record(30, Date.now(), 0, 'request handled', fields(i))
  frames.push(Buffer.from(encoder.buffer.subarray(0, length)))
}
const pipeline = new Pipeline({ destination: '/dev/null' }, new Float64Array(4))
const disabled = createLogger({ level: 'warn', destination: '/dev/null', worker: false })
const pinoSync = pino(pino.destination({ dest: '/dev/null', sync: true }))

let i = 0
const bench = new Bench({ time: 1000, warmupTime: 300 })
bench
  .add('log.info at a disabled level', () => {
    disabled.info('request handled', fields(i++))
  })
  .add('FrameEncoder.record (calling thread)', () => {
    encoder.record(30, Date.now(), 0, 'request handled', fields(i++))
  })
  .add('Pipeline.frame, JSON line (worker side)', () => {
    const frame = frames[i++ & 1023]
    pipeline.frame(frame, 0, frame.length)
    if ((i & 255) === 0) pipeline.write()
  })
  .add('pino.info to /dev/null, sync (for scale)', () => {
    pinoSync.info(fields(i++), 'request handled')
  })

await bench.run()
console.log('| task | ns per op (median) | ops/s |')
console.log('|---|---:|---:|')
for (const task of bench.tasks) {
  const result = task.result as { latency?: { p50?: number }; throughput?: { mean?: number } } | undefined
  const p50 = result?.latency?.p50
  const ops = result?.throughput?.mean
  console.log(`| ${task.name} | ${p50 === undefined ? '?' : Math.round(p50 * 1e6)} | ${ops === undefined ? '?' : Math.round(ops).toLocaleString('en-US')} |`)
}
await disabled.close()
