import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createLogger, type FileSinkOptions, type LoggerOptions, type RingLogger } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, runFixture, tempDir } from './helpers/files.js'

// The file sink's rotation (by size, by period), compression of rotated files, retention, the
// numbering of rotated files across runs, and what a run that ended half way leaves behind.
// Record times come from the logger's clock: the `now` option (logAt below), or fixedClock() for Date.now().

const modes = [
  { mode: 'worker', worker: true },
  { mode: 'inline', worker: false },
] as const

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
/** The date fixedClock() starts at (2026-11-28T02:04:27.123Z). */
const FIXED_DAY = '2026-11-28'

/** A logger with one file sink at `path`; in worker mode, once its drain worker owns the ring. */
async function open(worker: boolean, path: string, sink: FileSinkOptions = {}, options: Partial<LoggerOptions> = {}): Promise<RingLogger> {
  const log = createLogger({ ...options, worker, sinks: [{ type: 'file', path, ...sink }] })
  if (worker) await (transportOf(log) as WorkerTransport).running()
  return log
}

/**
 * Opens a logger whose clock (the `now` option) reads `times[seq]` while record `seq` is logged,
 * logs one record `{ seq, pad? }` at each of `times`, then closes the logger.
 */
async function logAt(worker: boolean, path: string, sink: FileSinkOptions, times: readonly number[], pad?: string): Promise<void> {
  let now = times[0]
  const log = await open(worker, path, sink, { now: () => now })
  times.forEach((time, seq) => {
    now = time
    log.info('r', pad === undefined ? { seq } : { seq, pad })
  })
  await log.close()
  expect(log.metrics()).toMatchObject({ written: times.length, failed: 0, dropped: 0 })
}

/** The line the json format writes for `log.info('r', { seq, pad })` at `time`. */
function line(time: number, seq: number, pad?: string): string {
  return `{"time":"${new Date(time).toISOString()}","level":"info","msg":"r","seq":${seq}${pad === undefined ? '' : `,"pad":"${pad}"`}}\n`
}

/** The lines of records 0..n-1 logged at `times`. */
const lines = (times: readonly number[], pad?: string): string[] => times.map((time, seq) => line(time, seq, pad))

/**
 * The documented size rule applied to `records`: a file is rotated before a record would take it
 * past `max` (and only if it has something in it). The contents of the files in order, the last
 * one being the active file.
 */
function splitBySize(records: readonly string[], max: number): string[] {
  const files: string[][] = [[]]
  let size = 0
  for (const record of records) {
    const bytes = Buffer.byteLength(record)
    if (size > 0 && size + bytes > max) {
      files.push([])
      size = 0
    }
    files[files.length - 1].push(record)
    size += bytes
  }
  return files.map((file) => file.join(''))
}

/** A file's bytes, decompressed when it is an archive. */
function contentOf(path: string): Buffer {
  const bytes = readFileSync(path)
  if (path.endsWith('.gz')) return gunzipSync(bytes)
  if (path.endsWith('.br')) return brotliDecompressSync(bytes)
  return bytes
}

/** The file names in `dir` and their (decompressed) contents. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(dir).sort()) out[name] = contentOf(join(dir, name)).toString('utf8')
  return out
}

const names = (dir: string): string[] => readdirSync(dir).sort()

interface RotatedName {
  name: string
  stamp: string
  n: number
}

/** The rotated files of `app.log` in `dir` (plain or archived, not partial), oldest first by stamp and n. */
function rotatedFiles(dir: string): RotatedName[] {
  const out: RotatedName[] = []
  for (const name of readdirSync(dir)) {
    const match = /^app\.(.+)\.(\d+)\.log(\.gz|\.br)?$/.exec(name)
    if (match) out.push({ name, stamp: match[1], n: Number(match[2]) })
  }
  return out.sort((a, b) => a.stamp.localeCompare(b.stamp) || a.n - b.n)
}

/** The seq of every line of `text`; each line must be a whole JSON record. */
function seqsOf(text: string): number[] {
  expect(text === '' || text.endsWith('\n')).toBe(true)
  return text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { seq: number }).seq)
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)
const day = (time: number): string => new Date(time).toISOString().slice(0, 10)

// ---------------------------------------------------------------------------------------------
// 1. Size rotation.

describe.each(modes)('size rotation: 20 MiB through 1 MiB files, gzip, retain count 5 ($mode)', ({ worker }) => {
  it('keeps exactly the 5 newest archives, each whole, and with the active file they end the sequence', async () => {
    const dir = tempDir()
    const MAX = 1 << 20
    const N = 80_000
    const pad = 'p'.repeat(200)
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: '1 MiB' }, compress: 'gzip', retain: { count: 5 } })
    const restore = fixedClock()
    try {
      for (let seq = 0; seq < N; seq++) log.info('r', { seq, pad })
    } finally {
      restore()
    }
    await log.close()
    expect(log.metrics()).toMatchObject({ written: N, failed: 0, dropped: 0 })

    // Every line has the same time length, so the files' boundaries follow from the lines alone.
    const expected = splitBySize(range(0, N).map((seq) => line(0, seq, pad)), MAX)
    const last = expected.length - 1 // rotations
    expect(Buffer.byteLength(expected.join(''))).toBeGreaterThan(20 * MAX)
    const kept = range(last - 4, last + 1)
    expect(names(dir)).toEqual([...kept.map((n) => `app.${FIXED_DAY}.${n}.log.gz`), 'app.log'].sort())

    const tail: number[] = []
    for (const n of kept) {
      const text = gunzipSync(readFileSync(join(dir, `app.${FIXED_DAY}.${n}.log.gz`))).toString('utf8')
      const seqs = seqsOf(text)
      expect(seqs).toEqual(seqsOf(expected[n - 1]))
      expect(Buffer.byteLength(text)).toBe(Buffer.byteLength(expected[n - 1]))
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX)
      for (const l of text.split('\n').filter((x) => x !== '')) expect((JSON.parse(l) as { pad: string }).pad).toBe(pad)
      tail.push(...seqs)
    }
    const active = readFileSync(join(dir, 'app.log'), 'utf8')
    expect(seqsOf(active)).toEqual(seqsOf(expected[last]))
    tail.push(...seqsOf(active))
    // A contiguous, ordered tail of the sequence, ending at the last record.
    expect(tail).toEqual(range(N - tail.length, N))
  })
})

describe.each(modes)('size rotation boundaries ($mode)', ({ worker }) => {
  it('rotates before a record would pass the size, never splits a record, lets one big record alone pass it', async () => {
    const dir = tempDir()
    const t0 = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
    const pads = ['a', 'bb', 'c'.repeat(500), 'd', 'e'.repeat(60), 'f', 'g', 'h'.repeat(5), 'i']
    const times = pads.map((_, i) => t0 + i * 1000)
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: 150 } })
    const real = Date.now
    try {
      pads.forEach((pad, seq) => {
        Date.now = () => times[seq]
        log.info('r', { seq, pad })
      })
    } finally {
      Date.now = real
    }
    await log.close()
    const records = pads.map((pad, seq) => line(times[seq], seq, pad))
    const files = splitBySize(records, 150)
    expect(contents(dir)).toEqual({
      ...Object.fromEntries(files.slice(0, -1).map((text, i) => [`app.${FIXED_DAY}.${i + 1}.log`, text])),
      'app.log': files[files.length - 1],
    })
    // The 500-byte record is alone in its file.
    expect(files.some((text) => text === records[2])).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// 2. Time rotation, with the records' own times.

describe.each(modes)('time rotation ($mode)', ({ worker }) => {
  const at = (iso: string): number => Date.parse(iso)

  it.each([false, 'gzip'] as const)("every: 'hour', records in 3 hours: one file per hour (compress %s)", async (compress) => {
    const dir = tempDir()
    const times = [
      '2026-11-28T02:04:27.123Z', '2026-11-28T02:59:59.999Z', // hour 02
      '2026-11-28T03:00:00.000Z', '2026-11-28T03:45:00.000Z', // hour 03
      '2026-11-28T05:00:00.001Z', '2026-11-28T05:30:00.000Z', // hour 05 (04 had none)
    ].map(at)
    await logAt(worker, join(dir, 'app.log'), { rotate: { every: 'hour' }, compress }, times)
    const l = lines(times)
    const ext = compress === 'gzip' ? '.gz' : ''
    expect(contents(dir)).toEqual({
      [`app.2026-11-28T02-00.1.log${ext}`]: l[0] + l[1],
      [`app.2026-11-28T03-00.1.log${ext}`]: l[2] + l[3],
      'app.log': l[4] + l[5],
    })
  })

  it("every: 'day', records on 3 days: one file per day, stamped with its date", async () => {
    const dir = tempDir()
    const times = [
      '2026-11-28T00:00:00.000Z', '2026-11-28T23:59:59.999Z',
      '2026-11-29T00:00:00.000Z', '2026-11-29T12:00:00.000Z',
      '2026-11-30T00:00:00.000Z', '2026-11-30T08:00:00.000Z',
    ].map(at)
    await logAt(worker, join(dir, 'app.log'), { rotate: { every: 'day' } }, times)
    const l = lines(times)
    expect(contents(dir)).toEqual({
      'app.2026-11-28.1.log': l[0] + l[1],
      'app.2026-11-29.1.log': l[2] + l[3],
      'app.log': l[4] + l[5],
    })
  })

  it('every: 15 minutes: stamped with date, hour and minute of the period start', async () => {
    const dir = tempDir()
    const times = [
      '2026-11-28T02:04:27.123Z', '2026-11-28T02:14:59.999Z',
      '2026-11-28T02:15:00.000Z', '2026-11-28T02:29:00.000Z',
      '2026-11-28T02:45:00.000Z',
    ].map(at)
    await logAt(worker, join(dir, 'app.log'), { rotate: { every: 15 * 60_000 } }, times)
    const l = lines(times)
    expect(contents(dir)).toEqual({
      'app.2026-11-28T02-00.1.log': l[0] + l[1],
      'app.2026-11-28T02-15.1.log': l[2] + l[3],
      'app.log': l[4],
    })
  })

  it("every: 'hour' with a size: numbered within the hour, the new hour rotates the part-filled file", async () => {
    const dir = tempDir()
    const base = at('2026-11-28T02:10:00.000Z')
    const times = [0, 1, 2, 3, 4].map((i) => base + i * 60_000).concat(at('2026-11-28T03:00:00.000Z'), at('2026-11-28T03:00:00.001Z'))
    const l = lines(times)
    const size = 2 * Buffer.byteLength(l[0]) + 10 // two records a file
    await logAt(worker, join(dir, 'app.log'), { rotate: { every: 'hour', size } }, times)
    expect(contents(dir)).toEqual({
      'app.2026-11-28T02-00.1.log': l[0] + l[1],
      'app.2026-11-28T02-00.2.log': l[2] + l[3],
      'app.2026-11-28T02-00.3.log': l[4],
      'app.log': l[5] + l[6],
    })
  })

  it('size rotation alone: stamped with the date of the first record in the file', async () => {
    const dir = tempDir()
    const times = ['2026-11-28T23:59:59.999Z', '2026-11-29T00:00:00.000Z', '2026-11-29T00:00:01.000Z', '2026-11-29T00:00:02.000Z', '2026-11-29T00:00:03.000Z'].map(at)
    const l = lines(times)
    const size = 2 * Buffer.byteLength(l[0]) + 10
    await logAt(worker, join(dir, 'app.log'), { rotate: { size } }, times)
    expect(contents(dir)).toEqual({
      'app.2026-11-28.1.log': l[0] + l[1],
      'app.2026-11-29.1.log': l[2] + l[3],
      'app.log': l[4],
    })
  })
})

// ---------------------------------------------------------------------------------------------
// 3. Archives hold exactly the bytes written.

describe.each(modes)('compressed archives ($mode)', ({ worker }) => {
  it.each([
    { compress: 'gzip', ext: '.gz', decompress: gunzipSync, magic: [0x1f, 0x8b] },
    { compress: 'brotli', ext: '.br', decompress: brotliDecompressSync, magic: undefined },
  ] as const)('$compress: every archive decompresses to exactly the records written to it', async ({ compress, ext, decompress, magic }) => {
    const dir = tempDir()
    const N = 200
    const MAX = 1000
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: MAX }, compress })
    const start = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
    const restore = fixedClock(start)
    try {
      for (let seq = 0; seq < N; seq++) log.info('r', { seq, pad: `${'z'.repeat(seq % 37)}|${seq}` })
    } finally {
      restore()
    }
    await log.close()
    // fixedClock: one ms per record.
    const files = splitBySize(range(0, N).map((seq) => line(start + seq, seq, `${'z'.repeat(seq % 37)}|${seq}`)), MAX)
    expect(files.length).toBeGreaterThan(10)
    expect(names(dir)).toEqual([...files.slice(0, -1).map((_, i) => `app.${FIXED_DAY}.${i + 1}.log${ext}`), 'app.log'].sort())
    files.slice(0, -1).forEach((text, i) => {
      const archive = readFileSync(join(dir, `app.${FIXED_DAY}.${i + 1}.log${ext}`))
      if (magic) expect([...archive.subarray(0, 2)]).toEqual(magic)
      expect(decompress(archive).equals(Buffer.from(text))).toBe(true)
    })
    expect(readFileSync(join(dir, 'app.log')).equals(Buffer.from(files[files.length - 1]))).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// 4. Retention, with files of an earlier run; numbering after them.

/** Writes `bytes` at dir/name, with its modification time `mtime` (ms) when given. */
function put(dir: string, name: string, bytes: Buffer | string, mtime?: number): void {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  if (mtime !== undefined) utimesSync(path, new Date(mtime), new Date(mtime))
}

describe.each(modes)('retention ($mode)', ({ worker }) => {
  it("age '1 day': deletes rotated files of this base whose mtime is older, whatever their stamp", async () => {
    const dir = tempDir()
    const now = Date.now()
    const old = gzipSync('from an earlier run\n')
    put(dir, `app.${day(now - 10 * DAY_MS)}.1.log.gz`, old, now - 10 * DAY_MS) // old: deleted
    put(dir, `app.${day(now - 2 * DAY_MS)}.1.log.gz`, old, now - 2 * DAY_MS) // old: deleted
    put(dir, `app.${day(now - DAY_MS)}.4.log.gz`, old, now - DAY_MS - HOUR_MS) // just over a day: deleted
    put(dir, `app.${day(now - 2 * DAY_MS)}.2.log.br`, brotliCompressSync('recent\n'), now - 2 * HOUR_MS) // old stamp, recent mtime: kept
    put(dir, `app.${day(now - DAY_MS)}.5.log`, 'plain, recent\n', now - 3 * HOUR_MS) // a plain one from an earlier run, compressed on start, kept
    put(dir, `other.${day(now - 10 * DAY_MS)}.1.log.gz`, old, now - 10 * DAY_MS) // another base: kept
    put(dir, 'app.log.bak', 'not rotated by us\n', now - 10 * DAY_MS) // not a rotated name: kept

    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: 200 }, compress: 'gzip', retain: { age: '1 day' } })
    const restore = fixedClock(now)
    try {
      for (let seq = 0; seq < 5; seq++) log.info('r', { seq, pad: 'q'.repeat(60) }) // ~130 bytes a record: one a file
    } finally {
      restore()
    }
    await log.close()
    const today = day(now)
    expect(names(dir)).toEqual([
      `app.${today}.1.log.gz`, `app.${today}.2.log.gz`, `app.${today}.3.log.gz`, `app.${today}.4.log.gz`,
      `app.${day(now - 2 * DAY_MS)}.2.log.br`,
      `app.${day(now - DAY_MS)}.5.log.gz`,
      'app.log', 'app.log.bak',
      `other.${day(now - 10 * DAY_MS)}.1.log.gz`,
    ].sort())
    expect(contentOf(join(dir, `app.${day(now - DAY_MS)}.5.log.gz`)).toString()).toBe('plain, recent\n')
    expect(seqsOf(readFileSync(join(dir, 'app.log'), 'utf8'))).toEqual([4])
  })

  it('totalSize: keeps the newest rotated files while their running total stays within it', async () => {
    const dir = tempDir()
    put(dir, 'app.2026-11-27.1.log.gz', randomBytes(10_000)) // S + 10,000: kept
    put(dir, 'app.2026-11-26.3.log.gz', randomBytes(10_000)) // S + 20,000: kept
    put(dir, 'app.2026-11-26.2.log.gz', randomBytes(6_000)) // S + 26,000: deleted
    put(dir, 'app.2026-11-25.1.log.gz', randomBytes(1_000)) // older still: deleted
    put(dir, 'other.2026-11-20.1.log.gz', randomBytes(50_000)) // another base: neither counted nor deleted

    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: 1000 }, compress: 'gzip', retain: { totalSize: 25_000 } })
    const restore = fixedClock()
    try {
      for (let seq = 0; seq < 40; seq++) log.info('r', { seq, pad: 'q'.repeat(60) })
    } finally {
      restore()
    }
    await log.close()
    const fresh = rotatedFiles(dir).filter((f) => f.stamp === FIXED_DAY)
    expect(fresh.map((f) => f.name)).toEqual(range(1, fresh.length + 1).map((n) => `app.${FIXED_DAY}.${n}.log.gz`))
    expect(fresh.length).toBeGreaterThan(2)
    const freshBytes = fresh.reduce((sum, f) => sum + statSync(join(dir, f.name)).size, 0)
    expect(freshBytes).toBeLessThan(5_000) // so that the limits above fall where the comments say
    expect(names(dir)).toEqual([...fresh.map((f) => f.name), 'app.2026-11-27.1.log.gz', 'app.2026-11-26.3.log.gz', 'app.log', 'other.2026-11-20.1.log.gz'].sort())
  })

  it.each([false, 'gzip', 'brotli'] as const)('runs on start, before anything is rotated (compress %s)', async (compress) => {
    const dir = tempDir()
    const now = Date.now()
    for (const d of [24, 25, 26, 27]) put(dir, `app.2026-11-${d}.1.log.gz`, gzipSync(`day ${d}\n`), now - (28 - d) * DAY_MS)
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: '1 MiB' }, compress, retain: { count: 2 } })
    log.info('not enough to rotate')
    await log.close()
    expect(names(dir)).toEqual(['app.2026-11-26.1.log.gz', 'app.2026-11-27.1.log.gz', 'app.log'])
  })

  it('deleting rotated files still waiting to be compressed leaves no partial archive behind', async () => {
    const dir = tempDir()
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: 100 }, compress: 'gzip', retain: { count: 1 } })
    const restore = fixedClock()
    try {
      // One record a file: the archives are made one after the other while retention deletes the older files.
      for (let seq = 0; seq < 1000; seq++) log.info('r', { seq })
    } finally {
      restore()
    }
    await log.close()
    expect(names(dir)).toEqual([`app.${FIXED_DAY}.999.log.gz`, 'app.log'])
    expect(seqsOf(contentOf(join(dir, `app.${FIXED_DAY}.999.log.gz`)).toString())).toEqual([998])
  })

  it('numbering continues after the files already there, per stamp', async () => {
    const dir = tempDir()
    put(dir, `app.${FIXED_DAY}.3.log.gz`, gzipSync('three\n'))
    put(dir, `app.${FIXED_DAY}.7.log.gz`, gzipSync('seven\n'))
    put(dir, 'app.2026-11-27.12.log.gz', gzipSync('yesterday\n'))
    put(dir, 'other.2026-11-28.20.log.gz', gzipSync('another base\n'))
    const log = await open(worker, join(dir, 'app.log'), { rotate: { size: 100 }, compress: 'gzip' })
    const restore = fixedClock()
    try {
      for (let seq = 0; seq < 3; seq++) log.info('r', { seq }) // ~70 bytes a record: one a file
    } finally {
      restore()
    }
    await log.close()
    const t0 = Date.UTC(2026, 10, 28, 2, 4, 27, 123)
    expect(contents(dir)).toEqual({
      'app.2026-11-27.12.log.gz': 'yesterday\n',
      [`app.${FIXED_DAY}.3.log.gz`]: 'three\n',
      [`app.${FIXED_DAY}.7.log.gz`]: 'seven\n',
      [`app.${FIXED_DAY}.8.log.gz`]: line(t0, 0),
      [`app.${FIXED_DAY}.9.log.gz`]: line(t0 + 1, 1),
      'app.log': line(t0 + 2, 2),
      'other.2026-11-28.20.log.gz': 'another base\n',
    })
  })
})

// ---------------------------------------------------------------------------------------------
// 5. process.exit() in the middle of a rotating stream.

describe('rotation and process.exit() mid-stream', () => {
  const N = 30_000
  const SIZE = 64 << 10

  it.each([
    { compress: 'none', start: 'burst' },
    { compress: 'gzip', start: 'wait' },
    { compress: 'gzip', start: 'burst' },
  ] as const)('every record is there exactly once, in order (compress $compress, start $start)', async ({ compress, start }) => {
    const dir = tempDir()
    const run = await runFixture('rotation-exit.mjs', [join(dir, 'app.log'), String(N), String(SIZE), compress, start])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    // Killed between renaming an archive into place and deleting its plain file: both are there, read one.
    const files = (): RotatedName[] => rotatedFiles(dir).filter((f) => !names(dir).includes(`${f.name}.gz`))
    const all = (): number[] => {
      const seqs: number[] = []
      for (const { name } of files()) {
        const text = contentOf(join(dir, name)).toString('utf8')
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SIZE)
        seqs.push(...seqsOf(text))
      }
      seqs.push(...seqsOf(readFileSync(join(dir, 'app.log'), 'utf8')))
      return seqs
    }
    // A process ended while compressing leaves the plain file (and maybe a partial archive next to it).
    for (const name of names(dir).filter((x) => x.endsWith('.tmp'))) expect(names(dir)).toContain(name.replace(/\.(gz|br)\.tmp$/, ''))
    // Numbered 1, 2, 3... per stamp (one stamp, unless the run crossed midnight UTC).
    const stamps = new Set(files().map((f) => f.stamp))
    for (const stamp of stamps) {
      const numbers = files().filter((f) => f.stamp === stamp).map((f) => f.n)
      expect(numbers).toEqual(range(1, numbers.length + 1))
    }
    expect(files().length).toBeGreaterThan(10)
    expect(all()).toEqual(range(0, N))

    // The next run finishes what this one left.
    const log = await open(true, join(dir, 'app.log'), { rotate: { size: SIZE }, compress: compress === 'none' ? false : compress })
    await log.close()
    expect(names(dir).filter((x) => x.endsWith('.tmp'))).toEqual([])
    if (compress === 'gzip') expect(rotatedFiles(dir).filter((f) => !f.name.endsWith('.gz'))).toEqual([])
    expect(all()).toEqual(range(0, N))
  })
})

// ---------------------------------------------------------------------------------------------
// 6. Compression interrupted by an earlier run.

describe.each(modes)('on start, what an interrupted run left ($mode)', ({ worker }) => {
  it.each([
    { compress: 'gzip', ext: '.gz' },
    { compress: 'brotli', ext: '.br' },
  ] as const)('a partial archive is deleted and the plain file compressed again ($compress)', async ({ compress, ext }) => {
    const dir = tempDir()
    const t0 = Date.UTC(2026, 10, 27, 9, 0, 0, 0)
    const first = range(0, 500).map((seq) => line(t0 + seq, seq, 'w'.repeat(seq % 50))).join('')
    const second = range(500, 510).map((seq) => line(t0 + seq, seq)).join('')
    // Killed while compressing .1: the plain file and a truncated partial archive.
    put(dir, 'app.2026-11-27.1.log', first)
    put(dir, `app.2026-11-27.1.log${ext}.tmp`, gzipSync(first).subarray(0, 100))
    // Killed between renaming .2's archive into place and deleting the plain file.
    put(dir, 'app.2026-11-27.2.log', second)
    put(dir, 'app.2026-11-27.2.log.gz', gzipSync(second))
    // A partial archive whose plain file is gone.
    put(dir, 'app.2026-11-26.4.log.gz.tmp', gzipSync('x').subarray(0, 5))

    const log = await open(worker, join(dir, 'app.log'), { compress })
    await log.close()
    expect(names(dir)).toEqual([`app.2026-11-27.1.log${ext}`, 'app.2026-11-27.2.log.gz', 'app.log'].sort())
    expect(contentOf(join(dir, `app.2026-11-27.1.log${ext}`)).equals(Buffer.from(first))).toBe(true)
    expect(contentOf(join(dir, 'app.2026-11-27.2.log.gz')).equals(Buffer.from(second))).toBe(true)
    expect(readFileSync(join(dir, 'app.log'), 'utf8')).toBe('')
  })
})

describe('on start, what an interrupted run left (worker, closed before the worker is up)', () => {
  it('close() still waits for the partial archive to be deleted and the plain file compressed', async () => {
    const dir = tempDir()
    const text = 'a record of an earlier run\n'.repeat(100)
    put(dir, 'app.2026-11-27.1.log', text)
    put(dir, 'app.2026-11-27.1.log.gz.tmp', gzipSync(text).subarray(0, 20))
    // A short-lived program: nothing waits for the drain worker.
    const log = createLogger({ sinks: [{ type: 'file', path: join(dir, 'app.log'), compress: 'gzip' }] })
    await log.close()
    expect(names(dir)).toEqual(['app.2026-11-27.1.log.gz', 'app.log'])
    expect(contentOf(join(dir, 'app.2026-11-27.1.log.gz')).toString()).toBe(text)
  })
})

// ---------------------------------------------------------------------------------------------
// The calling thread rotates too: before the drain worker is up it drains a full ring itself.

describe('rotation by the calling thread, then by the drain worker', () => {
  it('the worker numbers its files after those the calling thread rotated: none is overwritten', async () => {
    const dir = tempDir()
    const log = createLogger({ bufferSize: 4096, sinks: [{ type: 'file', path: join(dir, 'app.log'), rotate: { size: 4096 } }] })
    let seq = 0
    // The ring (4 KiB) fills before the drain worker is up: the calling thread drains it itself.
    for (let i = 0; i < 300; i++) log.info('r', { seq: seq++ })
    expect(statSync(join(dir, 'app.log')).size + rotatedFiles(dir).length).toBeGreaterThan(0)
    // The worker starts meanwhile (it cannot take the ring before this thread hands it over)...
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)
    // ...while this thread goes on draining and rotating.
    for (let i = 0; i < 1000; i++) log.info('r', { seq: seq++ })
    const byCaller = rotatedFiles(dir).length
    expect(byCaller).toBeGreaterThan(10)
    // The worker takes over and rotates in turn.
    await (transportOf(log) as WorkerTransport).running()
    for (let i = 0; i < 1000; i++) log.info('r', { seq: seq++ })
    await log.close()
    expect(log.metrics()).toMatchObject({ written: seq, failed: 0, dropped: 0 })
    const seqs: number[] = []
    for (const { name } of rotatedFiles(dir)) seqs.push(...seqsOf(readFileSync(join(dir, name), 'utf8')))
    seqs.push(...seqsOf(readFileSync(join(dir, 'app.log'), 'utf8')))
    expect(seqs.length).toBe(seq)
    expect(seqs).toEqual(range(0, seq))
    expect(rotatedFiles(dir).length).toBeGreaterThan(byCaller + 10)
  })
})

describe('retention while the other pipeline archives', () => {
  it('counts a rotated file and its finished archive, seen before the plain file is removed, as one', async () => {
    const { RotatingFile } = await import('../dist/src/worker/sinks/rotation.js')
    const dir = tempDir()
    // What the drain worker's archiver leaves for an instant: 6's archive renamed into place, 6's plain file not yet removed.
    for (const name of ['app.2026-11-28.4.log.gz', 'app.2026-11-28.5.log.gz', 'app.2026-11-28.6.log.gz', 'app.2026-11-28.6.log']) {
      writeFileSync(join(dir, name), 'x')
    }
    const errors: unknown[] = []
    // Without compression of its own, it leaves 6's plain file to the archiver that is finishing it.
    const file = new RotatingFile({ path: join(dir, 'app.log'), mkdir: true, compress: false, retain: { count: 2 } }, (error: unknown) => errors.push(error))
    file.retain()
    file.file.close()
    expect(errors).toEqual([])
    expect(readdirSync(dir).sort()).toEqual(['app.2026-11-28.5.log.gz', 'app.2026-11-28.6.log', 'app.2026-11-28.6.log.gz', 'app.log'])
  })
})
