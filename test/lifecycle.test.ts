import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { runFixture, tempDir } from './helpers/files.js'

describe.each([true, false])('close() and flush() with worker: %s', (worker) => {
  it('are safe to call together and again: every promise resolves, every record is written once, later calls are counted dropped', async () => {
    const file = join(tempDir(), 'lifecycle.log')
    const log = createLogger({ destination: file, worker })
    for (let seq = 0; seq < 1000; seq++) log.info('record', { seq })
    const calls = [log.flush(), log.close(), log.flush(), log.close(), log.close()]
    // The second close() resolves only once the first has written everything.
    await calls[3]
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(1001)
    const settled = await Promise.race([Promise.all(calls).then(() => 'all resolved'), new Promise((resolve) => setTimeout(resolve, 10_000, 'timed out'))])
    expect(settled).toBe('all resolved')
    await log.close()
    await log.flush()
    log.info('after close')
    log.child({ late: true }).info('after close, from a child')
    const { written, failed, dropped } = log.metrics()
    expect({ written, failed, dropped }).toEqual({ written: 1000, failed: 0, dropped: 2 })
    const seqs = readFileSync(file, 'utf8').split('\n').slice(0, -1).map((line) => (JSON.parse(line) as { seq: number }).seq)
    expect(seqs).toEqual([...Array(1000).keys()])
  })
})

describe('start', () => {
  it('a record logged right after createLogger() is in its file after one turn of the event loop, before the drain worker is up', async () => {
    const file = join(tempDir(), 'first.log')
    const run = await runFixture('first-record.mjs', [file, '2'])
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout) as { lines: string[]; drainUp: boolean; writtenOnCaller: number; all: string[] }
    // The worker takes about 100 ms to start; before, the record waited for it.
    expect(result.drainUp).toBe(false)
    expect(result).toMatchObject({ lines: ['first'], writtenOnCaller: 1, all: ['first', 'second'] })
  })

  it('a burst that fills the ring before the drain worker is up is handed to it when it comes, without a turn of the event loop', async () => {
    const file = join(tempDir(), 'start-burst.log')
    const run = await runFixture('start-burst.mjs', [file, '2000'])
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout) as Record<string, number | boolean>
    expect(result).toMatchObject({ written: result.logged, dropped: 0, failed: 0, inOrder: true, bindings: true })
    // The drain worker is up within a few hundred ms; before it asked through the ring's control
    // words, the thread read its 'ready' only after the burst and wrote every record itself.
    expect(result.writtenOnCallerInBurst).toBeLessThan((result.logged as number) * 0.8)
  })

  it('the same with records fragmented across the ring: the ring is not handed over while this thread holds half a frame', async () => {
    const file = join(tempDir(), 'start-burst-big.log')
    const started = performance.now()
    const run = await runFixture('start-burst.mjs', [file, '1500', String(40_000)])
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout) as Record<string, number | boolean>
    // A hand-over in the middle of a frame would leave the ring to a worker that cannot take it: a
    // blockTimeoutMs (10 s) wait, then drops.
    expect(performance.now() - started).toBeLessThan(9000)
    expect(result).toMatchObject({ written: result.logged, dropped: 0, failed: 0, inOrder: true, bindings: true })
    expect(result.writtenOnCallerInBurst).toBeLessThan(result.logged as number)
  })
})
