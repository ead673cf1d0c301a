import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ContextStore } from './context.js'
import { invalid } from './validate.js'

/** What ringlog reads of `@opentelemetry/api`. */
export interface OtelApi {
  context: { active(): object }
  ROOT_CONTEXT: object
  trace: { getSpanContext(context: object): { traceId: string; spanId: string; traceFlags: number } | undefined }
  isSpanContextValid(spanContext: { traceId: string; spanId: string }): boolean
}

/**
 * The `otel` option: `@opentelemetry/api` as the application has it (resolved from process.cwd(),
 * as plugins are; every copy of one major version shares the registered context manager), when it
 * is installed and not turned off.
 */
export function otelOption(where: string, value: unknown): OtelApi | undefined {
  if (value === false) return undefined
  if (value !== undefined && value !== true) return invalid(where, value, 'true or false (by default: on when @opentelemetry/api is installed)')
  const api = loadOtelApi()
  if (api === undefined && value === true) invalid(where, value, 'false, or @opentelemetry/api installed (npm install @opentelemetry/api)')
  return api
}

function loadOtelApi(): OtelApi | undefined {
  try {
    return createRequire(join(process.cwd(), 'noop.js'))('@opentelemetry/api') as OtelApi
  } catch {
    return undefined
  }
}

/** A traced context: the request context's fields (if any) and the span's ids, for one OTel context. */
interface Traced {
  store: ContextStore | undefined
  traced: ContextStore | undefined
}

/**
 * The active OpenTelemetry span's ids as the fields of a request context: `trace_id`, `span_id`,
 * `trace_flags` (as @opentelemetry/instrumentation-pino names them), merged after ringlog's own
 * context. Worked out once per OTel context, which every call inside the same span shares: a call
 * costs the context manager's lookup and a WeakMap's.
 */
export class TraceContexts {
  private readonly byContext = new WeakMap<object, Traced>()

  constructor(private readonly api: OtelApi) {}

  /** The context a record logged now carries: `store`, with the active span's ids when there is one. */
  current(store: ContextStore | undefined): ContextStore | undefined {
    const active = this.api.context.active()
    if (active === this.api.ROOT_CONTEXT) return store
    const known = this.byContext.get(active)
    if (known !== undefined && known.store === store) return known.traced
    const span = this.api.trace.getSpanContext(active)
    const traced = span === undefined || !this.api.isSpanContextValid(span) ? store : new ContextStore({
      ...store?.fields,
      trace_id: span.traceId,
      span_id: span.spanId,
      trace_flags: `0${(span.traceFlags & 0xff).toString(16)}`.slice(-2),
    }, true)
    this.byContext.set(active, { store, traced })
    return traced
  }
}
