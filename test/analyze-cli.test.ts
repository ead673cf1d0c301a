/**
 * `ringlog analyze` (issue 22): the files ringlog and pino write give the same templates and
 * counts; the text, JSON and HTML outputs; gzip and stdin; bad input (a binary file, a line of
 * 10 MB, mixed formats, a damaged gzip, a missing file, bad flags) is named and the rest analysed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import type { AnalysisReport } from '../dist/src/analytics/analysis-report.js'
import { cli } from './helpers/cli.js'

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0)
const dir = mkdtempSync(join(tmpdir(), 'ringlog-analyze-'))

/** What both loggers write: 300 logins from 3 users, 30 failed payments (errors), one disk warning. */
function script(log: { info: (msg: string) => void; error: (msg: string) => void; warn: (msg: string) => void }, setNow: (ms: number) => void): void {
  for (let i = 0; i < 300; i++) {
    setNow(T0 + i * 1000)
    log.info(`user ${1000 + (i % 3)} logged in from 10.0.${i % 7}.${i % 250}`)
    if (i % 10 === 0) log.error(`payment 0x${(0xbeef00 + i).toString(16)} failed after ${i * 3}ms`)
  }
  setNow(T0 + 299_500)
  log.warn('disk /var/lib/data is 91% full')
}

let files = 0

async function ringlogFile(): Promise<string> {
  const file = join(dir, `ringlog-${++files}.log`)
  let now = T0
  const log = createLogger({ worker: true, destination: file, now: () => now })
  script(log, (ms) => (now = ms))
  await log.close()
  return file
}

function pinoFile(): string {
  const file = join(dir, 'pino.log')
  let now = T0
  const destination = pino.destination({ dest: file, sync: true })
  const log = pino({ timestamp: () => `,"time":${now}` }, destination)
  script(log, (ms) => (now = ms))
  destination.flushSync()
  return file
}

async function json(args: string[], input = ''): Promise<AnalysisReport> {
  const run = await cli(['analyze', '--json', ...args], input)
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout) as AnalysisReport
}

/** The templates as text → count, the levels each had. */
function byTemplate(report: AnalysisReport): Record<string, { count: number; levels: Record<string, number> }> {
  return Object.fromEntries(report.templates.map((t) => [t.template, { count: t.count, levels: t.levels }]))
}

const EXPECTED = {
  'user <*> logged in from <*>': { count: 300, levels: { info: 300 } },
  'payment <*> failed after <*>': { count: 30, levels: { error: 30 } },
  'disk <*> is <*> full': { count: 1, levels: { warn: 1 } },
}

describe('ringlog analyze', () => {
  it('mines the same templates, counts, levels and times from the files ringlog and pino write', async () => {
    const ours = await json([await ringlogFile()])
    const theirs = await json([pinoFile()])
    for (const report of [ours, theirs]) {
      expect(byTemplate(report)).toEqual(EXPECTED)
      expect(report.lines).toBe(331)
      expect(report.analysed).toBe(331)
      expect(report.start).toBe(T0)
      expect(report.end).toBe(T0 + 299_500)
      const login = report.templates[0]
      expect(login.firstSeen).toBe(T0)
      expect(login.lastSeen).toBe(T0 + 299_000)
      expect(login.share).toBeCloseTo(300 / 331, 10)
      expect(login.examples[0]).toEqual(['1000', '1001', '1002'])
      expect(login.series.reduce((a, b) => a + b, 0)).toBe(300)
    }
    expect(theirs.templates.map((t) => t.id)).toEqual(ours.templates.map((t) => t.id))
  })

  it('reads gzip files as they are, and stdin', async () => {
    const file = await ringlogFile()
    const plain = await json([file])
    const gz = join(dir, 'ringlog.log.gz')
    writeFileSync(gz, gzipSync(readFileSync(file)))
    const zipped = await json([gz])
    const piped = await json([], readFileSync(file, 'utf8'))
    expect(zipped.inputs).toEqual([gz])
    expect(piped.inputs).toEqual(['stdin'])
    for (const report of [zipped, piped]) expect({ ...report, inputs: [] }).toEqual({ ...plain, inputs: [] })
  })

  it('prints the text report for a terminal, byte for byte', async () => {
    const file = join(dir, 'plain.log')
    writeFileSync(file, [
      '2026-12-06T10:00:00.000Z INFO worker 7 started in 120ms',
      '2026-12-06T10:00:01.000Z INFO worker 8 started in 95ms',
      '2026-12-06T10:00:02.000Z ERROR job 42 failed: "disk full"',
      '',
    ].join('\n'))
    const report = await json([file])
    const [started, failed] = report.templates
    const run = await cli(['analyze', file])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe([
      `3 of 3 lines analysed from ${file}`,
      'from 2026-12-06T10:00:00.000Z to 2026-12-06T10:00:02.000Z, in 3 buckets of 1 s',
      '2 templates',
      '',
      'top 2 templates:',
      `        2   66.7%  [${started.id}] worker <*> started in <*>`,
      '                  levels: info 2; first 2026-12-06T10:00:00.000Z, last 2026-12-06T10:00:01.000Z',
      '                  <*>1: "7", "8"',
      '                  <*>2: "120ms", "95ms"',
      `        1   33.3%  [${failed.id}] job <*> failed: <*>`,
      '                  levels: error 1; first 2026-12-06T10:00:02.000Z, last 2026-12-06T10:00:02.000Z',
      '                  <*>1: "42"',
      '                  <*>2: "\\"disk full\\""',
      '',
      'new since 2026-12-06T10:00:01.500Z:',
      `  2026-12-06T10:00:02.000Z        1  [${failed.id}] job <*> failed: <*>`,
      '',
      'error bursts: none',
      '',
      'rate changes (lines per minute): none',
      '',
      'anomalies: none',
      '',
    ].join('\n'))
  })

  it('writes a self-contained HTML page with --html --output', async () => {
    const file = await ringlogFile()
    const page = join(dir, 'report.html')
    const run = await cli(['analyze', '--html', '--output', page, file])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('')
    const html = readFileSync(page, 'utf8')
    expect(html.slice(0, 15).toLowerCase()).toBe('<!doctype html>')
    expect(html).toContain('user &lt;*&gt; logged in from &lt;*&gt;')
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i)
  })

  it('takes a declared event (event and v) as its own template, nothing mined', async () => {
    const file = join(dir, 'events.log')
    writeFileSync(file, [
      `{"level":30,"time":${T0},"msg":"user logged in","event":"user.logged_in","v":2,"userId":42}`,
      `{"level":30,"time":${T0 + 1},"msg":"user logged in","event":"user.logged_in","v":2,"userId":43}`,
      `{"level":30,"time":${T0 + 2},"msg":"user logged in","event":"user.logged_in","v":3,"userId":44}`,
      `{"level":30,"time":${T0 + 3},"msg":"user logged in","userId":45}`,
      '',
    ].join('\n'))
    const report = await json([file])
    expect(report.templates.map(({ id, template, event, count, examples }) => ({ id, template, event, count, examples }))).toEqual([
      { id: 'user.logged_in@v2', template: 'user.logged_in@v2', event: true, count: 2, examples: [] },
      { id: expect.stringMatching(/^[0-9a-f]{8}$/), template: 'user logged in', event: false, count: 1, examples: [] },
      { id: 'user.logged_in@v3', template: 'user.logged_in@v3', event: true, count: 1, examples: [] },
    ])
  })

  it('finds a template whose rate moved and stayed, at the minute it moved', async () => {
    const file = join(dir, 'step.log')
    const lines: string[] = []
    // Two hours: 5 retries a minute, then 20 from minute 60 on; a steady 10 requests a minute.
    for (let minute = 0; minute < 120; minute++) {
      for (let i = 0; i < (minute < 60 ? 5 : 20); i++) lines.push(`{"level":40,"time":${T0 + minute * 60_000 + i * 1000},"msg":"retry ${i} of upload"}`)
      for (let i = 0; i < 10; i++) lines.push(`{"level":30,"time":${T0 + minute * 60_000 + i * 1500},"msg":"request ${i} served"}`)
    }
    writeFileSync(file, `${lines.join('\n')}\n`)
    const report = await json(['--bucket', '1m', file])
    expect(report.rateChanges).toEqual([{ templateId: report.templates.find((t) => t.template === 'retry <*> of upload')!.id, template: 'retry <*> of upload', time: T0 + 60 * 60_000, before: 5, after: 20 }])
    expect(report.errorBursts).toEqual([])
  })

  it('analyses logs that span a year, in buckets longer than a day, without a daily season', async () => {
    const file = join(dir, 'year.log')
    writeFileSync(file, [0, 100, 200, 400].map((day) => `{"level":30,"time":${T0 + day * 86_400_000},"msg":"backup ${day} done"}`).join('\n'))
    const report = await json([file])
    expect(report.bucketMs).toBe(2 * 86_400_000)
    expect(report.templates.map((t) => [t.template, t.count])).toEqual([['backup <*> done', 4]])
    const short = await cli(['analyze', '--window', '1h', '--season', '30m', file])
    expect(short.code).toBe(2)
    expect(short.stderr.split('\n')[0]).toBe('ringlog analyze: --season 30m is shorter than --window 1h: give a longer season, or 0 for none')
  })

  it('keeps counting a template let go for --max-templates in its own series: no false new, no nameless anomaly', async () => {
    const file = join(dir, 'thrash.log')
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
    const lines: string[] = []
    for (let minute = 0; minute < 180; minute++) {
      for (let i = 0; i < 10; i++) lines.push(`{"level":30,"time":${T0 + minute * 60_000 + i * 5000},"msg":"${words[(minute * 10 + i) % 8]} task ${i} ran"}`)
    }
    writeFileSync(file, `${lines.join('\n')}\n`)
    const report = await json(['--bucket', '1m', '--max-templates', '2', file])
    expect(report.evicted).toBeGreaterThan(0)
    expect(report.analysed).toBe(1800)
    // Each template kept in the report has its lines in its own series, whatever was let go meanwhile.
    for (const t of report.templates) expect(t.series.reduce((a, b) => a + b, 0), t.template).toBe(t.count)
    expect(report.templates.length).toBeGreaterThan(0)
    expect(report.anomalies.filter((a) => a.kind === 'new' || a.templateId === '' || a.series === 'nan')).toEqual([])
  })

  it('keeps level labels from the logs as they are, __proto__ too, and shows them escaped on a terminal', async () => {
    const file = join(dir, 'labels.log')
    writeFileSync(file, [
      `{"level":"__proto__","time":${T0},"msg":"odd one"}`,
      `{"level":"constructor","time":${T0 + 1},"msg":"odd two"}`,
      `{"level":"\\u001b[31mRED","time":${T0 + 2},"msg":"odd three","event":"x\\u001b[2J","v":1}`,
      '',
    ].join('\n'))
    const report = await json([file])
    expect(Object.entries(report.levels).map(([label, counts]) => [label, counts.reduce((a, b) => a + b, 0)]).sort()).toEqual([['\u001b[31mred', 1], ['__proto__', 1], ['constructor', 1]])
    const text = await cli(['analyze', file])
    expect(text.code).toBe(0)
    expect(text.stdout).not.toContain('\u001b')
    expect(text.stdout).toContain('\\u001b[31mred 1')
    expect(text.stdout).toContain('[x\\u001b[2J@v1]')
    const html = await cli(['analyze', '--html', file])
    expect(html.code).toBe(0)
    expect(html.stdout).not.toContain('\u001b')
    expect(html.stdout).toContain('\\u001b[31mred')
    expect(html.stdout).toContain('__proto__ 1')
    expect(html.stdout).toContain('constructor 1')
  })

  it('refuses buckets that would cut the span into more than 100,000, and an --output it cannot write, naming them', async () => {
    const file = join(dir, 'sparse.log')
    writeFileSync(file, `{"level":30,"time":${T0},"msg":"first"}\n{"level":30,"time":${T0 + 365 * 86_400_000},"msg":"last"}\n`)
    const fine = await cli(['analyze', '--bucket', '1s', file])
    expect(fine.code).toBe(2)
    expect(fine.stderr).toBe('ringlog analyze: buckets of 1 s cut the 365 d of these logs into 31536001 buckets, more than 100000: give longer ones\n')
    const out = await cli(['analyze', '--output', join(dir, 'no-such-dir', 'r.txt'), file])
    expect(out.code).toBe(2)
    expect(out.stderr.split('\n')[0]).toBe(`ringlog analyze: --output ${join(dir, 'no-such-dir', 'r.txt')} cannot be written: ENOENT: no such file or directory, open '${join(dir, 'no-such-dir', 'r.txt')}'`)
  })

  it('names a binary file and analyses the other inputs; exit code 1', async () => {
    const binary = join(dir, 'core.bin')
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 10, 0, 0, 0]))
    const file = await ringlogFile()
    const run = await cli(['analyze', '--json', binary, file])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`ringlog analyze: ${binary}: line 1 has a NUL byte: not a text log (a binary file?); the rest of it is not read\n`)
    const report = JSON.parse(run.stdout) as AnalysisReport
    expect(byTemplate(report)).toEqual(EXPECTED)
    expect(report.skipped).toEqual({ 'binary lines': 1 })
  })

  it('leaves out a line of 10 MB, named, and reads the lines after it', async () => {
    const file = join(dir, 'long.log')
    writeFileSync(file, `{"level":30,"time":${T0},"msg":"before"}\n{"level":30,"msg":"${'x'.repeat(10 * 1024 * 1024)}"}\n{"level":30,"time":${T0 + 1},"msg":"after"}\n`)
    const run = await cli(['analyze', '--json', file])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe(`ringlog analyze: ${file}: line 2 is 10485781 bytes, over --max-line 1048576: left out\n`)
    const report = JSON.parse(run.stdout) as AnalysisReport
    expect(report.templates.map((t) => t.template).sort()).toEqual(['after', 'before'])
    expect(report.skipped).toEqual({ 'lines too long': 1 })
    expect(report.lines).toBe(3)
  })

  it('reads mixed formats line by line and says how many lines were not JSON', async () => {
    const file = join(dir, 'mixed.log')
    writeFileSync(file, [
      `{"level":30,"time":${T0},"msg":"cache warmed in 30ms"}`,
      'Dec  6 10:00:01 web-1 nginx[311]: upstream timed out after 30s',
      '2026-12-06 10:00:02,117 WARNING cache warmed in 45ms',
      'plain words only',
      '{"severity":"ERROR","timestamp":"2026-12-06T10:00:03Z","message":"cache warmed in 60ms"}',
      '',
    ].join('\n'))
    const run = await cli(['analyze', '--json', file])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe(`ringlog analyze: ${file}: 3 of 5 lines are not JSON objects: read as plain text (--text reads every line so)\n`)
    const report = JSON.parse(run.stdout) as AnalysisReport
    expect(byTemplate(report)).toEqual({
      'cache warmed in <*>': { count: 3, levels: { info: 1, warn: 1, error: 1 } },
      'nginx[<*>]: upstream timed out after <*>': { count: 1, levels: { '': 1 } },
      'plain words only': { count: 1, levels: { '': 1 } },
    })
  })

  it('names a damaged gzip file, a missing file and a bad flag', async () => {
    const gz = join(dir, 'cut.log.gz')
    const whole = gzipSync(Buffer.from(`${'{"level":30,"msg":"line"}\n'.repeat(1000)}`))
    writeFileSync(gz, whole.subarray(0, whole.length - 20))
    const cut = await cli(['analyze', '--json', gz])
    expect(cut.code).toBe(1)
    expect(cut.stderr).toMatch(new RegExp(`^ringlog analyze: ${gz}: gzip data is damaged or cut short after line \\d+ \\(unexpected end of file\\)\\n$`))
    const missing = await cli(['analyze', join(dir, 'nope.log')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`ringlog analyze: ${join(dir, 'nope.log')}: cannot be read: ENOENT: no such file or directory, open '${join(dir, 'nope.log')}'\n`)
    const flag = await cli(['analyze', '--top', 'many', join(dir, 'nope.log')])
    expect(flag.code).toBe(2)
    expect(flag.stderr.split('\n')[0]).toBe('ringlog analyze: --top must be a whole number of at least 1; got "many"')
    const both = await cli(['analyze', '--json', '--html'])
    expect(both.code).toBe(2)
    expect(both.stderr.split('\n')[0]).toBe('ringlog analyze: --json and --html: give one')
  })
})

describe('a plain-text line read as a record', () => {
  it('reads the time it starts with, the level word near it, and leaves the message', async () => {
    const { textRecord } = await import('../dist/src/analytics/text-line.js')
    const local = (...parts: [number, number, number, number, number, number, number?]): number => new Date(...parts).getTime()
    expect(textRecord('2026-12-06T10:00:02.5+01:00 ERROR job 42 failed')).toEqual({ time: Date.UTC(2026, 11, 6, 9, 0, 2, 500), level: 50, label: 'error', message: 'job 42 failed' })
    expect(textRecord('[2026-12-06 10:00:02,117] [warning] disk at 91%')).toEqual({ time: local(2026, 11, 6, 10, 0, 2, 117), level: 40, label: 'warning', message: 'disk at 91%' })
    expect(textRecord('Dec  6 10:00:01 web-1 sshd[311]: Accepted publickey', 2026)).toEqual({ time: local(2026, 11, 6, 10, 0, 1), level: NaN, label: '', message: 'sshd[311]: Accepted publickey' })
    expect(textRecord('[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725')).toEqual({ time: local(2005, 11, 4, 4, 51, 8), level: 30, label: 'notice', message: 'jk2_init() Found child 6725' })
    expect(textRecord('no time here, nor a level')).toEqual({ time: NaN, level: NaN, label: '', message: 'no time here, nor a level' })
  })
})
