import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'
import { readRecords, runFixture, tempDir } from './helpers/files.js'

/**
 * `sequence: true`: every record carries `seq`, one counter for the whole process (every logger,
 * every thread) from 1, and records dropped on a full ring are named, as ranges, in the
 * dropped-records warning (`droppedSeq`). So a reader can tell a gap from a loss: the numbers
 * written and the numbers reported dropped are 1..N, each once.
 */

/** What a line says about the numbering: its record's number, or the records reported dropped. */
type Numbered = { seq: number } | { dropped: number; droppedSeq: [number, number][] }

function numbering(record: Record<string, unknown>): Numbered {
  if (record.dropped !== undefined) return { dropped: record.dropped as number, droppedSeq: (record.droppedSeq ?? []) as [number, number][] }
  return { seq: record.seq as number }
}

/** logfmt lines read the same way: `... seq=N ...` or `... dropped=N droppedSeq=[[a,b],...]`. */
function logfmtNumbering(line: string): Numbered {
  const dropped = /^time=\S+ level=warn msg="ringlog dropped records: the ring was full" dropped=(\d+) droppedSeq=(\[\[[\d,[\]]+\]\])$/.exec(line)
  if (dropped) return { dropped: Number(dropped[1]), droppedSeq: JSON.parse(dropped[2]) as [number, number][] }
  const record = /^time=\S+ level=info msg=r seq=(\d+) i=(\d+)$/.exec(line)
  if (!record) throw new Error(`unexpected logfmt line: ${line}`)
  // The fixture's record i is the (i+1)th logged, and numbered so.
  if (Number(record[1]) !== Number(record[2]) + 1) throw new Error(`record ${record[2]} numbered ${record[1]}`)
  return { seq: Number(record[1]) }
}

interface Accounting {
  written: number
  dropped: number
  /** Numbers neither written nor reported dropped. */
  missing: number[]
  /** Numbers written or reported more than once, or outside 1..total. */
  twice: number[]
  /** Warnings whose `dropped` is not the size of their ranges. */
  miscounted: Numbered[]
  /** The numbers in file order, a record's as [n, n] and a warning's ranges as they are. */
  order: [number, number][]
}

/** Checks every number 1..total off against what the file says was written or dropped. */
function account(lines: Numbered[], total: number): Accounting {
  const seen = new Uint8Array(total + 1)
  const result: Accounting = { written: 0, dropped: 0, missing: [], twice: [], miscounted: [], order: [] }
  const mark = (n: number): void => {
    if (!Number.isInteger(n) || n < 1 || n > total || seen[n]++ > 0) result.twice.push(n)
  }
  for (const line of lines) {
    if ('seq' in line) {
      result.written++
      mark(line.seq)
      result.order.push([line.seq, line.seq])
      continue
    }
    let size = 0
    for (const [first, last] of line.droppedSeq) {
      for (let n = first; n <= last; n++) mark(n)
      size += last - first + 1
      result.order.push([first, last])
    }
    if (size !== line.dropped) result.miscounted.push(line)
    result.dropped += line.dropped
  }
  for (let n = 1; n <= total; n++) if (seen[n] === 0) result.missing.push(n)
  return result
}

/** Fails naming the first few numbers of a list that should be empty, not all of a long one. */
function expectNone(numbers: number[], what: string): void {
  expect(numbers.length, `${what}: ${numbers.slice(0, 10).join(', ')}${numbers.length > 10 ? '...' : ''}`).toBe(0)
}

/** True when each range starts after the one before it ends: no number came out of order. */
function increasing(ranges: [number, number][]): boolean {
  return ranges.every(([first, last], i) => first <= last && (i === 0 || first > ranges[i - 1][1]))
}

describe('one logger dropping on a full ring', () => {
  const COUNT = 1_000_000

  it('writes or reports dropped every number from 1 to 1,000,000 exactly once, in order', async () => {
    const file = join(tempDir(), 'drop.log')
    const run = await runFixture('sequence-drop.mjs', [file, String(COUNT)])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const records = readRecords(file)
    const result = account(records.map(numbering), COUNT)
    expect(result.written).toBeGreaterThan(0)
    expect(result.dropped).toBeGreaterThan(0)
    expect(result.written + result.dropped).toBe(COUNT)
    expectNone(result.missing, 'neither written nor reported dropped')
    expectNone(result.twice, 'seen twice or out of range')
    expect(result.miscounted).toEqual([])
    // A drop is reported before the next record that fit: the numbers never go back.
    expect(increasing(result.order)).toBe(true)
    // The warnings report every record the logger counts as dropped.
    expect((JSON.parse(run.stdout) as { dropped: number }).dropped).toBe(result.dropped)

    // The records themselves are intact, and the warning has no number of its own.
    const written = records.filter((r) => r.seq !== undefined)
    expect(written.every((r) => r.i === (r.seq as number) - 1 && r.msg === 'r' && r.level === 'info')).toBe(true)
    const warning = records.find((r) => r.dropped !== undefined)!
    expect(Object.keys(warning)).toEqual(['time', 'level', 'msg', 'dropped', 'droppedSeq'])
    expect(warning).toMatchObject({ level: 'warn', msg: 'ringlog dropped records: the ring was full' })
  })

  it('says the same in logfmt: seq=N on records, droppedSeq=[[first,last]] on the warning', async () => {
    const file = join(tempDir(), 'drop.logfmt')
    const run = await runFixture('sequence-drop.mjs', [file, String(COUNT), 'logfmt'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    const result = account(lines.map(logfmtNumbering), COUNT)
    expect(result.written).toBeGreaterThan(0)
    expect(result.dropped).toBeGreaterThan(0)
    expectNone(result.missing, 'neither written nor reported dropped')
    expectNone(result.twice, 'seen twice or out of range')
    expect(result.miscounted).toEqual([])
    expect(increasing(result.order)).toBe(true)
  })
})

describe('two loggers, one dropping', () => {
  it('reports every number the dropping logger lost, however scattered: the other took the numbers between', async () => {
    const COUNT = 20_000
    const dir = tempDir()
    const dropping = createLogger({ destination: join(dir, 'a.log'), sequence: true, onFull: 'drop', bufferSize: 4096 })
    const other = createLogger({ destination: join(dir, 'b.log'), sequence: true })
    for (let i = 0; i < COUNT; i++) {
      dropping.info('a', { i })
      other.info('b', { i })
    }
    await dropping.close()
    await other.close()

    // Every drop leaves a range of its own, far more than one report frame holds on this ring.
    const records = [...readRecords(join(dir, 'a.log')), ...readRecords(join(dir, 'b.log'))]
    const result = account(records.map(numbering), 2 * COUNT)
    expect(result.dropped).toBeGreaterThan(1000)
    expect(result.dropped).toBe(dropping.metrics().dropped)
    expectNone(result.missing, 'neither written nor reported dropped')
    expectNone(result.twice, 'seen twice or out of range')
    expect(result.miscounted).toEqual([])
  })
})

describe('several threads', () => {
  it('number their records from one counter: 1..N, each once, increasing within each thread', async () => {
    const THREADS = 4
    const COUNT = 50_000
    const file = join(tempDir(), 'threads.log')
    const run = await runFixture('sequence-threads.mjs', [file, String(THREADS), String(COUNT), 'block'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const records = readRecords(file)
    const total = (THREADS + 1) * COUNT
    // onFull 'block': nothing dropped, so every number is on a record.
    expect(records.filter((r) => r.dropped !== undefined)).toEqual([])
    const result = account(records.map(numbering), total)
    expect(result.written).toBe(total)
    expectNone(result.missing, 'neither written nor reported dropped')
    expectNone(result.twice, 'seen twice or out of range')

    const byThread = new Map<string, Record<string, unknown>[]>()
    for (const record of records) {
      const list = byThread.get(record.thread as string) ?? []
      list.push(record)
      byThread.set(record.thread as string, list)
    }
    expect([...byThread.keys()].sort()).toEqual(['main', ...Array.from({ length: THREADS }, (_, t) => `thread-${t}`)])
    for (const [thread, list] of byThread) {
      // Each thread's records in the order it logged them, and their numbers in that order too.
      expect(list.map((r) => r.i), thread).toEqual(Array.from({ length: COUNT }, (_, i) => i))
      expect(increasing(list.map((r) => [r.seq as number, r.seq as number])), thread).toBe(true)
    }
  })
})

describe('formats', () => {
  // Logged in turn to one logger per format and one without sequence (test/fixtures/sequence-formats.mjs):
  // every call takes five numbers, one per numbered logger; the debug call is below the level and takes none.
  const EXPECTED: Record<string, string> = {
    json: [
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","seq":1,"msg":"started"}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"warn","seq":6,"msg":"slow","ms":250,"path":"/a b"}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"error","seq":11,"msg":"lost","name":"db","user":7,"retry":true}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","seq":16,"msg":"login","event":"user.login","v":1,"user":42}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","seq":21,"only":"fields"}\n',
    ].join(''),
    logfmt: [
      'time=2026-11-28T02:04:27.123Z level=info msg=started seq=2\n',
      'time=2026-11-28T02:04:27.123Z level=warn msg=slow seq=7 ms=250 path="/a b"\n',
      'time=2026-11-28T02:04:27.123Z level=error msg=lost seq=12 name=db user=7 retry=true\n',
      'time=2026-11-28T02:04:27.123Z level=info msg=login seq=17 event=user.login v=1 user=42\n',
      'time=2026-11-28T02:04:27.123Z level=info seq=22 only=fields\n',
    ].join(''),
    text: [
      '2026-11-28T02:04:27.123Z INFO  started seq=3\n',
      '2026-11-28T02:04:27.123Z WARN  slow seq=8 ms=250 path="/a b"\n',
      '2026-11-28T02:04:27.123Z ERROR [db] lost seq=13 user=7 retry=true\n',
      '2026-11-28T02:04:27.123Z INFO  login seq=18 event=user.login v=1 user=42\n',
      '2026-11-28T02:04:27.123Z INFO  seq=23 only=fields\n',
    ].join(''),
    csv: [
      'time,level,seq,msg,user\r\n',
      '2026-11-28T02:04:27.123Z,info,4,started,\r\n',
      '2026-11-28T02:04:27.123Z,warn,9,slow,\r\n',
      '2026-11-28T02:04:27.123Z,error,14,lost,7\r\n',
      '2026-11-28T02:04:27.123Z,info,19,login,42\r\n',
      '2026-11-28T02:04:27.123Z,info,24,,\r\n',
    ].join(''),
    pretty: [
      '02:04:27.123 INFO  started\n    seq: 5\n',
      '02:04:27.123 WARN  slow\n    seq: 10\n    ms: 250\n    path: "/a b"\n',
      '02:04:27.123 ERROR [db] lost\n    seq: 15\n    user: 7\n    retry: true\n',
      '02:04:27.123 INFO  login\n    seq: 20\n    event: "user.login"\n    v: 1\n    user: 42\n',
      '02:04:27.123 INFO\n    seq: 25\n    only: "fields"\n',
    ].join(''),
    unnumbered: [
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","msg":"started"}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"warn","msg":"slow","ms":250,"path":"/a b"}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"error","msg":"lost","name":"db","user":7,"retry":true}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","msg":"login","event":"user.login","v":1,"user":42}\n',
      '{"time":"2026-11-28T02:04:27.123Z","level":"info","only":"fields"}\n',
    ].join(''),
  }

  it.each([['the drain worker', 'true'], ['inline (worker: false)', 'false']])(
    'write seq after the level in json, as the first field elsewhere, and not at all without sequence: %s',
    async (_mode, worker) => {
      const dir = tempDir()
      const run = await runFixture('sequence-formats.mjs', [dir, worker])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      for (const [name, expected] of Object.entries(EXPECTED)) {
        expect(readFileSync(join(dir, `${name}.log`), 'utf8'), name).toBe(expected)
      }
    },
  )
})

describe('the sequence option', () => {
  it('keeps the number when a field or a binding is also named seq: the field is written as seq_, as a field named msg is msg_', async () => {
    const dir = tempDir()
    for (const format of ['json', 'logfmt'] as const) {
      const log = createLogger({ destination: join(dir, `${format}.log`), format, sequence: true })
      log.info('m', { seq: 'mine', seq_: 'mine too' })
      log.child({ seq: 'bound' }).info('c')
      await log.close()
    }
    expect(readFileSync(join(dir, 'json.log'), 'utf8')).toMatch(
      /^\{"time":"[^"]+","level":"info","seq":\d+,"msg":"m","seq_":"mine","seq__":"mine too"\}\n\{"time":"[^"]+","level":"info","seq":\d+,"msg":"c","seq_":"bound"\}\n$/,
    )
    expect(readFileSync(join(dir, 'logfmt.log'), 'utf8')).toMatch(/^time=\S+ level=info msg=m seq=\d+ seq_=mine seq__="mine too"\ntime=\S+ level=info msg=c seq=\d+ seq_=bound\n$/)
  })

  it('is off by default', async () => {
    const file = join(tempDir(), 'default.log')
    const log = createLogger({ destination: file })
    log.info('r')
    await log.close()
    expect(Object.keys(readRecords(file)[0])).toEqual(['time', 'level', 'msg'])
  })

  it.each<[unknown, string]>([
    ['yes', 'ringlog: invalid option sequence: "yes"; expected true or false'],
    [1, 'ringlog: invalid option sequence: 1; expected true or false'],
    [null, 'ringlog: invalid option sequence: null; expected true or false'],
  ])('takes only true or false: %j is refused, naming the option and the value', (value, message) => {
    let error: unknown
    try {
      createLogger({ sequence: value } as LoggerOptions)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
  })
})
