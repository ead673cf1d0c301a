import type { Output } from '../output.js'
import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { isObject, withMoves, type Move, type Path } from './field-moves.js'
import type { FormatOptions } from './format.js'
import { plainJson, type Plain, type PlainObject } from './values.js'

/** The severities of Cloud Logging: a custom level named like one of them is written as it. */
const SEVERITIES = new Set(['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'])

const SPECIAL = 'logging.googleapis.com/'

/** The HTTP integrations' access record (src/http/request-logging.ts) as Cloud Logging's `httpRequest`. */
const ACCESS_FIELDS: readonly (readonly [string, Path])[] = [
  ['method', ['httpRequest', 'requestMethod']],
  ['status', ['httpRequest', 'status']],
  ['remoteAddress', ['httpRequest', 'remoteIp']],
  ['userAgent', ['httpRequest', 'userAgent']],
]

/** A level as a severity: by its name when Cloud Logging has it, else by pino's bands. */
export function severityOf(level: number, label: string): string {
  const upper = label.toUpperCase()
  if (SEVERITIES.has(upper)) return upper
  if (upper === 'WARN') return 'WARNING'
  if (upper === 'FATAL') return 'CRITICAL'
  return level >= 60 ? 'CRITICAL' : level >= 50 ? 'ERROR' : level >= 40 ? 'WARNING' : level >= 30 ? 'INFO' : 'DEBUG'
}

/**
 * Google Cloud's structured logging, one JSON object per line on stdout for the logging agent of
 * Cloud Run, GKE and Cloud Functions: `severity`, `message` and `time`, then the fields. Those it
 * reads specially go where it reads them: `trace_id`, `span_id` and `trace_flags` to
 * `logging.googleapis.com/trace` (with `gcpProject`, as `projects/ID/traces/TRACE`), `spanId` and
 * `trace_sampled`; a `labels` object of strings and a `sourceLocation` object to
 * `logging.googleapis.com/labels` and `sourceLocation`; the access record to `httpRequest`; an
 * error's stack to `stack_trace`, where Error Reporting finds it. The time is always ISO 8601.
 */
export class GcpFormat extends DecodedFormat {
  private readonly project: string | undefined

  constructor(out: Output, options: FormatOptions) {
    super(out, { ...options, timeKey: 'time', levelKey: 'severity', messageKey: 'message', timeFormat: 'iso', levelFormat: 'label' })
    this.project = options.gcpProject
  }

  line(record: DecodedRecord): void {
    let text = `{"severity":"${severityOf(record.level, record.label)}"`
    if (record.message !== undefined) text += `,"message":${JSON.stringify(record.message)}`
    text += `,"time":"${this.time.text(record.time)}"`
    const body = gcpFields(record.fields, this.project)
    for (const key of Object.keys(body)) text += `,${JSON.stringify(key)}:${plainJson(body[key])}`
    this.out.utf8(`${text}}\n`)
  }
}

/** The fields with those Cloud Logging reads specially moved to where it reads them. */
export function gcpFields(fields: PlainObject, project: string | undefined): PlainObject {
  const moves: Move[] = []
  const { trace_id: trace, span_id: span, trace_flags: flags, labels, sourceLocation, err } = fields
  if (typeof trace === 'string' && trace !== '') moves.push(['trace_id', [`${SPECIAL}trace`], project === undefined ? trace : `projects/${project}/traces/${trace}`])
  if (typeof span === 'string' && span !== '') moves.push(['span_id', [`${SPECIAL}spanId`], span])
  const sampled = sampledOf(flags)
  if (sampled !== undefined) moves.push(['trace_flags', [`${SPECIAL}trace_sampled`], sampled])
  if (isObject(labels) && Object.values(labels).every((value) => typeof value === 'string')) moves.push(['labels', [`${SPECIAL}labels`], labels])
  if (isObject(sourceLocation)) moves.push(['sourceLocation', [`${SPECIAL}sourceLocation`], sourceLocation])
  let source = fields
  if (typeof fields.method === 'string' && typeof fields.path === 'string' && typeof fields.status === 'number') {
    for (const [key, path] of ACCESS_FIELDS) if (fields[key] !== undefined) moves.push([key, path, fields[key]])
    const query = typeof fields.query === 'string' && fields.httpRequest === undefined ? fields.query : undefined
    moves.push(['path', ['httpRequest', 'requestUrl'], query === undefined ? fields.path : `${fields.path}?${query}`])
    if (query !== undefined) {
      // In requestUrl now.
      source = { ...fields }
      delete source.query
    }
    if (typeof fields.bytes === 'number') moves.push(['bytes', ['httpRequest', 'responseSize'], String(fields.bytes)])
    if (typeof fields.durationMs === 'number') moves.push(['durationMs', ['httpRequest', 'latency'], latency(fields.durationMs)])
  }
  if (isObject(err) && typeof err.stack === 'string') {
    const { stack, ...rest } = err
    moves.push(['err', ['stack_trace'], stack], ['err', ['err'], rest])
  }
  return withMoves(source, moves)
}

/** W3C trace flags (a number, or hex text as in `traceparent`): sampled when the low bit is set. */
function sampledOf(flags: Plain | undefined): boolean | undefined {
  const value = typeof flags === 'number' ? flags : typeof flags === 'string' && /^[\da-f]{1,2}$/i.test(flags) ? Number.parseInt(flags, 16) : undefined
  return value === undefined ? undefined : (value & 1) === 1
}

/** A duration in Google's JSON form: seconds with up to nine decimals and an `s`. */
function latency(ms: number): string {
  const seconds = (ms / 1000).toFixed(9).replace(/\.?0+$/, '')
  return `${seconds}s`
}
