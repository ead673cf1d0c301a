/**
 * The drain worker's frame decoding fed corrupted frames: 100,000 of them, made from frames a real
 * logger wrote (records, declared events, child bindings and request contexts, inline and
 * announced, errors, long strings) by flipping bytes, cutting, lengthening, changing the kind, or
 * replacing them with random bytes. Seeded (FRAME_FUZZ_SEED=<n> runs another seed): the same seed
 * corrupts the same way. The pipeline must never throw out to the drain loop, never hang, and count
 * what it could not write; after the storm it still writes a good record.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pipelineOptions, resolveOptions } from '../dist/src/config.js'
import { createLogger, defineEvent, withContext } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import { STAT_COUNT, STAT_FAILED } from '../dist/src/ring.js'
import { RingMetrics } from '../dist/src/ring-metrics.js'
import { Pipeline } from '../dist/src/worker/pipeline.js'
import { tempDir } from './helpers/files.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.FRAME_FUZZ_SEED ?? 0xf4a3e5) >>> 0
const CORRUPTED = 100_000

type FrameSink = { frame(src: Buffer, offset: number, length: number): void }

/** The frames a logger's calls make, copied as its pipeline is given them. */
async function realFrames(): Promise<Buffer[]> {
  const log = createLogger({ worker: false, destination: join(tempDir(), 'source.log'), level: 'trace', sequence: true })
  log.info('warm up')
  await log.flush()
  const pipeline = (transportOf(log) as unknown as { pipeline: FrameSink }).pipeline
  const frames: Buffer[] = []
  const frame = pipeline.frame.bind(pipeline)
  pipeline.frame = (src, offset, length) => {
    frames.push(Buffer.from(src.subarray(offset, offset + length)))
    frame(src, offset, length)
  }
  const Paid = defineEvent({ name: 'payment.made', version: 1, message: 'paid', fields: { cents: 'u32', currency: { enum: ['EUR', 'USD'] }, note: 'string?', ok: 'bool', ratio: 'f64' } })
  const big = { tenant: 't'.repeat(300), region: 'eu' }
  for (let i = 0; i < 200; i++) {
    log.info('request handled', { i, path: `/api/${i}`, ok: i % 2 === 0, ratio: i / 7, tags: ['a', 'b'], nested: { deep: { deeper: i } } })
    log.child({ requestId: `r${i}` }).warn('child record', { i })
    log.child(big).debug('announced bindings', { i })
    withContext({ requestId: `c${i}`, userId: i }, () => log.error(new Error(`boom ${i}`), 'failed'))
    log.event(Paid, { cents: i, currency: i % 2 ? 'EUR' : 'USD', note: i % 3 ? 'x'.repeat(i) : undefined, ok: true, ratio: 0.5 })
    log.trace('long', { text: 'é'.repeat(2000) })
  }
  await log.close()
  return frames
}

function corrupt(random: Random, frame: Buffer): Buffer {
  const copy = Buffer.from(frame)
  return random.weighted<Buffer>([
    [4, () => {
      for (let k = 1 + random.int(4); k > 0; k--) copy[random.int(copy.length)] ^= 1 << random.int(8)
      return copy
    }],
    [2, () => copy.subarray(0, random.int(copy.length))],
    [1, () => Buffer.concat([copy, Buffer.from(Array.from({ length: random.int(64) }, () => random.int(256)))])],
    [1, () => {
      copy[random.int(Math.min(8, copy.length))] = random.int(256)
      return copy
    }],
    [1, () => Buffer.from(Array.from({ length: random.int(300) }, () => random.int(256)))],
  ])
}

describe(`frame fuzz: ${CORRUPTED} corrupted frames (seed ${SEED})`, () => {
  it('never throws out of the pipeline, never hangs, counts what it could not write, and writes on', async () => {
    const frames = await realFrames()
    expect(frames.length).toBeGreaterThan(1000)
    const file = join(tempDir(), 'fuzzed.log')
    const stats = new Float64Array(STAT_COUNT)
    const pipeline = new Pipeline(pipelineOptions(resolveOptions({ destination: file, level: 'trace' })), stats, RingMetrics.alone())
    const random = new Random(SEED)
    // Known first: the bindings and events the corrupted frames refer to.
    for (const frame of frames) pipeline.frame(frame, 0, frame.length)
    pipeline.write()
    const thrown: string[] = []
    const start = performance.now()
    for (let n = 0; n < CORRUPTED; n++) {
      const bad = corrupt(random, random.pick(frames))
      try {
        pipeline.frame(bad, 0, bad.length)
        if (n % 100 === 0) pipeline.write()
      } catch (error) {
        if (thrown.length < 5) thrown.push(`frame ${n} (${bad.toString('hex').slice(0, 80)}): ${(error as Error).stack}`)
        else thrown.push('')
      }
    }
    pipeline.write()
    expect(thrown.length, thrown.slice(0, 5).join('\n')).toBe(0)
    expect(performance.now() - start).toBeLessThan(60_000)
    expect(stats[STAT_FAILED]).toBeGreaterThan(0)
    // Still writing: a good frame after the storm is written whole.
    const good = frames.find((frame) => frame.includes(Buffer.from('request handled')))!
    pipeline.frame(good, 0, good.length)
    pipeline.close()
    await pipeline.idle()
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines.at(-2)).toMatch(/"msg":"request handled"/)
  })
})
