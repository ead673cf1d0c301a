import { closeSync, openSync, writeSync } from 'node:fs'
import { Analysis, type AnalysedRecord } from '../analytics/analysis.js'
import { htmlReport } from '../analytics/html-report.js'
import { textRecord } from '../analytics/text-line.js'
import { textReport } from '../analytics/text-report.js'
import type { PlainObject } from '../worker/format/values.js'
import { parseDuration } from '../units.js'
import { commandArgs, usageError } from './command-args.js'
import { recordOf } from './foreign-record.js'
import { inputLines } from './input-lines.js'

export const ANALYZE_USAGE = `usage: ringlog analyze [--json | --html] [--output <file>] [--text] [--top <n>]
                       [--since <time>] [--bucket <duration>] [--window <duration>]
                       [--season <duration>] [--max-templates <n>] [--max-line <bytes>] [<file>...]
  Mines the messages of log files (or stdin, or '-') into templates, and reports each template's
  count, share, first and last time, levels and example values; the templates new since --since
  (by default the last quarter of the span) against the lines before; error bursts; changes of a
  template's rate; and anomalies per template and level against a learned baseline. JSON lines of
  ringlog, pino, Google Cloud or ECS are read by their keys; other lines as plain text (a leading
  time and a level word are read off), all of them with --text. gzip files are read as they are.
  The report is text, or JSON with --json, or a self-contained HTML page with charts with --html.
  Exits 1 when an input could not be read whole (the report covers the rest), 2 on a bad command line.
`

/** Lines longer than this are left out (counted and named): one line is never a log record's worth of megabytes. */
const MAX_LINE = 1 << 20
/** Lines named on stderr per input and reason; the rest are only counted. */
const NAMED = 3

/** The record of a JSON object line: a declared event (`event` and `v`) is its own template. */
function jsonRecord(fields: PlainObject): AnalysedRecord {
  const { event, v } = fields
  const record = recordOf(fields)
  return {
    time: record.time,
    level: record.level,
    label: record.label,
    message: record.message ?? '',
    ...(typeof event === 'string' && typeof v === 'number' ? { event: `${event}@v${v}` } : {}),
  }
}

function objectOf(text: string): PlainObject | undefined {
  if (text.charCodeAt(0) !== 0x7b) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as PlainObject : undefined
  } catch {
    return undefined
  }
}

interface ReadOptions {
  text: boolean
  maxLine: number
  year: number
}

/** Reads one input into the analysis; false when it could not be read whole (said on stderr). */
async function read(analysis: Analysis, input: string, options: ReadOptions): Promise<boolean> {
  const name = input === '-' ? 'stdin' : input
  const say = (text: string): void => void process.stderr.write(`ringlog analyze: ${name}: ${text}\n`)
  let json = 0
  let text = 0
  let long = 0
  let line = 0
  try {
    for await (const { bytes, number } of inputLines(input === '-' ? undefined : input)) {
      line = number
      analysis.lines++
      if (bytes.length > options.maxLine) {
        analysis.skip('lines too long')
        if (long++ < NAMED) say(`line ${number} is ${bytes.length} bytes, over --max-line ${options.maxLine}: left out`)
        continue
      }
      if (bytes.includes(0)) {
        analysis.skip('binary lines')
        say(`line ${number} has a NUL byte: not a text log (a binary file?); the rest of it is not read`)
        return false
      }
      const content = bytes.toString('utf8').replace(/\r$/, '')
      if (content.trim() === '') {
        analysis.skip('empty lines')
        continue
      }
      const fields = options.text ? undefined : objectOf(content)
      if (fields === undefined) {
        text++
        analysis.add(textRecord(content, options.year))
      } else {
        json++
        analysis.add(jsonRecord(fields))
      }
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    say(code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' ? `gzip data is damaged or cut short after line ${line} (${message})` : `cannot be read: ${message}`)
    return false
  }
  if (long > NAMED) say(`${long - NAMED} more lines over --max-line left out`)
  if (json > 0 && text > 0) say(`${text} of ${json + text} lines are not JSON objects: read as plain text (--text reads every line so)`)
  return true
}

/** A whole number option of at least 1. */
function count(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a whole number of at least 1; got ${JSON.stringify(value)}`)
  return n
}

function duration(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDuration(`--${flag}`, /^\d+(\.\d+)?$/.test(value) ? Number(value) : value)
}

function time(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new Error(`--${flag} must be a time such as 2026-12-06T12:00:00Z; got ${JSON.stringify(value)}`)
  return ms
}

/** `ringlog analyze`: the exit code. */
export async function analyze(args: string[]): Promise<number> {
  const parsed = commandArgs('analyze', ANALYZE_USAGE, args,
    ['output', 'top', 'since', 'bucket', 'window', 'season', 'max-templates', 'max-line'], ['json', 'html', 'text'])
  if (typeof parsed === 'number') return parsed
  const { flags, operands } = parsed
  if (flags.json === true && flags.html === true) return usageError('analyze', ANALYZE_USAGE, '--json and --html: give one')
  let analysis: Analysis
  let top: number
  let readOptions: ReadOptions
  try {
    const window = duration('window', flags.window as string | undefined)
    const season = flags.season === undefined ? undefined : flags.season === '0' ? 0 : duration('season', flags.season as string)
    analysis = new Analysis({
      miner: { maxTemplates: count('max-templates', flags['max-templates'] as string | undefined, 50_000) },
      bucketMs: duration('bucket', flags.bucket as string | undefined),
      since: time('since', flags.since as string | undefined),
      anomalies: { ...(window === undefined ? {} : { windowMs: window }), ...(season === undefined ? {} : { seasonMs: season }) },
    })
    if (season !== undefined && season !== 0 && window !== undefined && season < window) throw new Error(`--season ${String(flags.season)} is shorter than --window ${String(flags.window)}: give a longer season, or 0 for none`)
    top = count('top', flags.top as string | undefined, 20)
    readOptions = { text: flags.text === true, maxLine: count('max-line', flags['max-line'] as string | undefined, MAX_LINE), year: new Date().getFullYear() }
  } catch (error) {
    return usageError('analyze', ANALYZE_USAGE, (error as Error).message.replace(/^ringlog: /, ''))
  }
  const output = flags.output as string | undefined
  let fd: number | undefined
  try {
    // Opened first: a path that cannot be written is said before the inputs are read.
    fd = output === undefined ? undefined : openSync(output, 'w')
  } catch (error) {
    return usageError('analyze', ANALYZE_USAGE, `--output ${output!} cannot be written: ${(error as Error).message}`)
  }
  const inputs = operands.length === 0 ? ['-'] : operands
  let whole = true
  for (const input of inputs) if (!await read(analysis, input, readOptions)) whole = false
  let out: string
  try {
    const report = analysis.report(inputs.map((input) => (input === '-' ? 'stdin' : input)))
    out = flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : flags.html === true ? htmlReport(report) : textReport(report, top)
  } catch (error) {
    process.stderr.write(`ringlog analyze: ${(error as Error).message}\n`)
    return 2
  }
  if (fd === undefined) {
    await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()))
  } else {
    writeSync(fd, out)
    closeSync(fd)
  }
  return whole ? 0 : 1
}
