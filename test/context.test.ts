import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { bindContext, createLogger, getContext, newRequestId, withContext, type Logger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, readRecords, tempDir } from './helpers/files.js'

const T0 = '2026-11-28T02:04:27.'

async function running(log: Logger): Promise<void> {
  await (transportOf(log) as WorkerTransport).running()
}

describe.each([true, false])('request context (worker: %s)', (worker) => {
  it('writes the context after child bindings and before fields; nested contexts merge, later keys replace in place', async () => {
    const file = join(tempDir(), 'context.log')
    const restore = fixedClock()
    try {
      const log = createLogger({ destination: file, worker })
      if (worker) await running(log)
      // Small bindings and contexts go inline: only records read the clock, from 123 on.
      const child = log.child({ service: 'billing' })
      withContext({ requestId: 'r-1', userId: 7 }, () => {
        child.info('in context', { amount: 3 }) // 123
        withContext({ userId: 8, step: 'pay' }, () => {
          child.info('nested') // 124
          child.info('field wins', { step: 'refund', service: 'refunds' }) // 125
        })
        child.info('back out') // 126
      })
      child.info('no context') // 127
      await log.close()
    } finally {
      restore()
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":"${T0}123Z","level":"info","msg":"in context","service":"billing","requestId":"r-1","userId":7,"amount":3}\n` +
      `{"time":"${T0}124Z","level":"info","msg":"nested","service":"billing","requestId":"r-1","userId":8,"step":"pay"}\n` +
      `{"time":"${T0}125Z","level":"info","msg":"field wins","service":"refunds","requestId":"r-1","userId":8,"step":"refund"}\n` +
      `{"time":"${T0}126Z","level":"info","msg":"back out","service":"billing","requestId":"r-1","userId":7}\n` +
      `{"time":"${T0}127Z","level":"info","msg":"no context","service":"billing"}\n`,
    )
  })

  it('keeps 1,000 concurrent requests apart: each of their 5 lines carries its own request id and no other', async () => {
    const file = join(tempDir(), 'concurrent.log')
    const log = createLogger({ destination: file, worker })
    const request = (n: number): Promise<void> =>
      withContext({ requestId: `req-${n}` }, async () => {
        for (let line = 0; line < 5; line++) {
          log.info('step', { n, line })
          // Awaits of every kind between lines: timers, resolved promises, immediates.
          const pick = (n * 7 + line) % 3
          if (pick === 0) await sleep(Math.floor(Math.random() * 5))
          else if (pick === 1) await Promise.resolve()
          else await new Promise((resolve) => setImmediate(resolve))
        }
      })
    await Promise.all(Array.from({ length: 1000 }, (_, n) => request(n)))
    await log.close()
    const records = readRecords(file)
    expect(records).toHaveLength(5000)
    for (const record of records) expect(record.requestId).toBe(`req-${record.n as number}`)
    const lines = new Map<number, number[]>()
    for (const record of records) lines.set(record.n as number, [...(lines.get(record.n as number) ?? []), record.line as number])
    for (const seen of lines.values()) expect(seen).toEqual([0, 1, 2, 3, 4])
  })

  it('small bindings and contexts travel inline with each record: a small child puts nothing in the ring; 5,000 interleaved children and contexts, past what a consumer keeps announced, keep their own fields', async () => {
    const file = join(tempDir(), 'inline.log')
    const log = createLogger({ destination: file, worker })
    const transport = transportOf(log)
    const before = transport.position
    const children = Array.from({ length: 5000 }, (_, n) => log.child({ reqId: `c-${n}` }))
    // Larger bindings are announced once, in a frame of their own (the ring is the worker's: without one, frames are written at once).
    const large = log.child({ large: 'l'.repeat(200) })
    if (worker) expect(transport.position - before).toBeGreaterThan(200)
    if (worker) expect(transport.position - before).toBeLessThan(300)
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 5000; n++) withContext({ requestId: `r-${n}` }, () => children[(n * 7919) % 5000].info('x', { round }))
    }
    withContext({ requestId: 'last' }, () => large.info('large'))
    await log.close()
    const records = readRecords(file)
    expect(records).toHaveLength(15_001)
    records.slice(0, -1).forEach((record, at) => {
      const n = at % 5000
      expect(Object.keys(record)).toEqual(['time', 'level', 'msg', 'reqId', 'requestId', 'round'])
      expect(record).toMatchObject({ reqId: `c-${(n * 7919) % 5000}`, requestId: `r-${n}`, round: Math.floor(at / 5000) })
    })
    expect(records.at(-1)).toMatchObject({ msg: 'large', large: 'l'.repeat(200), requestId: 'last' })
  })
})

describe('request context', () => {
  it('bindContext() adds fields for the rest of the asynchronous execution, and getContext() reads them', async () => {
    const file = join(tempDir(), 'bind.log')
    const log = createLogger({ destination: file, worker: false })
    expect(getContext()).toBeUndefined()
    await withContext({ requestId: 'outer' }, async () => {
      await Promise.resolve()
      // As a middleware would: no callback to wrap.
      bindContext({ userId: 99 })
      expect(getContext()).toEqual({ requestId: 'outer', userId: 99 })
      await sleep(1)
      log.info('after bind')
    })
    log.info('outside')
    await log.close()
    const records = readRecords(file)
    expect(records[0]).toMatchObject({ msg: 'after bind', requestId: 'outer', userId: 99 })
    expect(records[1]).not.toHaveProperty('requestId')
  })

  it('sends a context into the ring once, however many records use it', async () => {
    const file = join(tempDir(), 'once.log')
    const log = createLogger({ destination: file })
    const transport = transportOf(log)
    const big = 'c'.repeat(4096)
    const before = transport.position
    withContext({ requestId: 'r', big }, () => {
      for (let n = 0; n < 20; n++) log.info('x', { n })
    })
    const used = transport.position - before
    // One 4 KiB context frame plus twenty small records, not twenty copies of the context.
    expect(used).toBeGreaterThan(4096)
    expect(used).toBeLessThan(4096 + 20 * 64 + 64)
    await log.close()
    const records = readRecords(file)
    expect(records).toHaveLength(20)
    for (const record of records) expect(record.big).toBe(big)
  })

  it('is known to a drain worker that replaced a dead one', async () => {
    const file = join(tempDir(), 'restart.log')
    const log = createLogger({ destination: file })
    await running(log)
    await withContext({ requestId: 'survives' }, async () => {
      log.info('before')
      await log.flush()
      await (transportOf(log) as WorkerTransport).killWorker()
      await sleep(50)
      log.info('after')
    })
    await log.flush()
    expect(log.metrics().workerRestarts).toBe(1)
    await log.close()
    expect(readRecords(file).map((r) => [r.msg, r.requestId])).toEqual([['before', 'survives'], ['after', 'survives']])
  })

  it('makes unique request ids cheaply', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newRequestId()))
    expect(ids.size).toBe(100_000)
    expect(newRequestId()).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/)
  })
})
