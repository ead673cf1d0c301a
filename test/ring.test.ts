import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { fixedClock, tempDir } from './helpers/files.js'

/** A seeded generator (mulberry32), so both runs log the same records. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const RECORDS = 1_000_000
const MAX = 64 * 1024

/**
 * Payload sizes from 10 B to 64 KiB: most small, one in a hundred log-uniform up to 64 KiB, and
 * every 100,000th exactly 64 KiB (uniform sizes would be 32 GB of log for a million records).
 */
function sizes(): Uint32Array {
  const next = random(42)
  const out = new Uint32Array(RECORDS)
  for (let i = 0; i < RECORDS; i++) {
    out[i] = i % 100_000 === 99_999 ? MAX : next() < 0.01 ? Math.floor(200 * (MAX / 200) ** next()) : 10 + Math.floor(next() * 190)
  }
  return out
}

async function logAll(file: string, worker: boolean, payloadSizes: Uint32Array): Promise<void> {
  const restore = fixedClock()
  try {
    const log = createLogger({ destination: file, worker, bufferSize: 64 * 1024 })
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(MAX / 36) + 1)
    const child = log.child({ service: 'ring-test' })
    for (let seq = 0; seq < RECORDS; seq++) {
      const target = seq % 3 === 0 ? child : log
      target.info('r', { seq, pad: text.slice(seq % 36, (seq % 36) + payloadSizes[seq]) })
      // Give the event loop a turn now and then, as a service would, so the worker starts.
      if (seq % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await log.flush()
    expect(log.metrics()).toMatchObject({ written: RECORDS + (worker ? 0 : 0), dropped: 0, failed: 0, workerRestarts: 0 })
    await log.close()
  } finally {
    restore()
  }
}

describe('ring', () => {
  let dir = ''
  afterEach(() => {
    dir = ''
  })

  it('carries 1,000,000 records of 10 B to 64 KiB through a 64 KiB ring in order, byte-identical to inline output', async () => {
    dir = tempDir()
    const payloadSizes = sizes()
    const viaWorker = join(dir, 'worker.log')
    const inline = join(dir, 'inline.log')
    await logAll(viaWorker, true, payloadSizes)
    await logAll(inline, false, payloadSizes)

    const workerBytes = readFileSync(viaWorker)
    const inlineBytes = readFileSync(inline)
    expect(workerBytes.length).toBe(inlineBytes.length)
    expect(workerBytes.equals(inlineBytes)).toBe(true)

    // Every record once, in order, with its full payload.
    let seq = 0
    let start = 0
    while (start < workerBytes.length) {
      const end = workerBytes.indexOf(0x0a, start)
      const record = JSON.parse(workerBytes.toString('utf8', start, end)) as { seq: number; pad: string; service?: string }
      expect(record.seq).toBe(seq)
      expect(record.pad.length).toBe(payloadSizes[seq])
      expect(record.service).toBe(seq % 3 === 0 ? 'ring-test' : undefined)
      seq++
      start = end + 1
    }
    expect(seq).toBe(RECORDS)
  })
})

describe('the consumer', () => {
  it('never visits past WRITE, also when it reads on ahead of READ (held at a fragmented frame being joined)', async () => {
    const { RingConsumer, RingProducer, RingViews, READ } = await import('../dist/src/ring.js')
    const ring = RingViews.create(4096)
    const producer = new RingProducer(ring, new Int32Array(new SharedArrayBuffer(1024)), () => false)
    const frame = (at: number): void => {
      const offset = producer.reserve(64)
      ring.ints[offset >> 2] = 64
      ring.bytes[offset + 4] = at
      producer.publish(64)
    }
    for (let i = 0; i < 20; i++) frame(i)
    // READ stays at 0 (a frame held), the consumer has read on to 1216; one more frame is published.
    const consumer = new RingConsumer(ring)
    expect(Atomics.load(ring.control, READ)).toBe(0)
    // The producer reserved the next frame and wrote its length, but has not copied it nor published it.
    const unpublished = producer.reserve(64)
    for (let offset = unpublished; offset < unpublished + 256; offset += 64) ring.ints[offset >> 2] = 64
    const visited: number[] = []
    const to = consumer.scan(1216, 256, (offset) => visited.push(ring.bytes[offset + 4]))
    expect(visited).toEqual([19])
    expect(to).toBe(1280)
  })
})
