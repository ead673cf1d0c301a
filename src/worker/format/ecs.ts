import type { Output } from '../output.js'
import { DecodedFormat, type DecodedRecord } from './decoded.js'
import type { FormatOptions } from './format.js'
import { isObject, withMoves, type Move, type Path } from './field-moves.js'
import { plainJson, type PlainObject } from './values.js'

/** The version of the Elastic Common Schema the records follow. */
export const ECS_VERSION = '8.11.0'

/** Fields ringlog writes on any record (the HTTP integrations' request context, pino's base), and where ECS has them. */
const RECORD_FIELDS: readonly (readonly [string, Path])[] = [
  ['seq', ['event', 'sequence']],
  ['name', ['log', 'logger']],
  ['pid', ['process', 'pid']],
  ['hostname', ['host', 'hostname']],
  ['requestId', ['http', 'request', 'id']],
  ['userId', ['user', 'id']],
  ['trace_id', ['trace', 'id']],
  ['span_id', ['span', 'id']],
]

/** The HTTP integrations' access record (src/http/request-logging.ts): its fields in ECS. */
const ACCESS_FIELDS: readonly (readonly [string, Path])[] = [
  ['method', ['http', 'request', 'method']],
  ['path', ['url', 'path']],
  ['query', ['url', 'query']],
  ['status', ['http', 'response', 'status_code']],
  ['bytes', ['http', 'response', 'body', 'bytes']],
  ['remoteAddress', ['client', 'address']],
  ['userAgent', ['user_agent', 'original']],
]

/**
 * Elastic Common Schema, as Elastic's own ECS loggers write it: `@timestamp`, `log.level`,
 * `message` and `ecs.version` first, then the fields, those ECS names moved where it has them:
 * an error under `err` to `error.type`, `error.message` and `error.stack_trace`; the HTTP
 * integrations' access record to `http.*`, `url.*`, `client.address`, `user_agent.original` and
 * `event.duration` (nanoseconds); the request context's `requestId` and `userId` to
 * `http.request.id` and `user.id`. Every other field is written as it is. The time is always ISO
 * 8601 and the level its name: ECS fixes both, and the time, level and message keys.
 */
export class EcsFormat extends DecodedFormat {
  constructor(out: Output, options: FormatOptions) {
    super(out, { ...options, timeKey: '@timestamp', levelKey: 'log.level', messageKey: 'message', timeFormat: 'iso', levelFormat: 'label' })
  }

  line(record: DecodedRecord): void {
    let text = `{"@timestamp":"${this.time.text(record.time)}","log.level":${JSON.stringify(record.label)}`
    if (record.message !== undefined) text += `,"message":${JSON.stringify(record.message)}`
    text += `,"ecs.version":"${ECS_VERSION}"`
    const body = ecsFields(record.fields)
    for (const key of Object.keys(body)) text += `,${JSON.stringify(key)}:${plainJson(body[key])}`
    this.out.utf8(`${text}}\n`)
  }
}

/** The fields with those ECS names moved to their place. */
export function ecsFields(fields: PlainObject): PlainObject {
  const moves: Move[] = []
  for (const [key, path] of RECORD_FIELDS) if (fields[key] !== undefined) moves.push([key, path, fields[key]])
  if (typeof fields.method === 'string' && typeof fields.path === 'string' && typeof fields.status === 'number') {
    for (const [key, path] of ACCESS_FIELDS) if (fields[key] !== undefined) moves.push([key, path, fields[key]])
    if (typeof fields.durationMs === 'number') moves.push(['durationMs', ['event', 'duration'], Math.round(fields.durationMs * 1e6)])
  }
  if (isObject(fields.err)) moves.push(['err', ['error'], errorFields(fields.err)])
  return withMoves(fields, moves)
}

/** pino's err shape (type, message, stack, the error's own fields, cause) as ECS's `error`. */
function errorFields(err: PlainObject): PlainObject {
  const error: PlainObject = {}
  for (const key of Object.keys(err)) error[key === 'stack' ? 'stack_trace' : key] = err[key]
  return error
}
