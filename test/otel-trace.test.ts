/**
 * Records inside spans of the real OpenTelemetry SDK's tracer carry the span's ids; outside, none
 * (issue 21). The context manager is the SDK's AsyncLocalStorage one, as an instrumented service has.
 */
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, withContext } from '../dist/src/index.js'
import { TraceContexts } from '../dist/src/trace-context.js'
import { readRecords, tempDir } from './helpers/files.js'

const manager = new AsyncLocalStorageContextManager()
const tracer = new BasicTracerProvider().getTracer('ringlog-test')

beforeAll(() => {
  context.setGlobalContextManager(manager.enable())
})
afterAll(() => {
  context.disable()
})

describe.each([{ worker: true }, { worker: false }])('OpenTelemetry spans (worker: $worker)', ({ worker }) => {
  it('records inside a span carry trace_id, span_id and trace_flags; outside, nothing', async () => {
    const file = join(tempDir(), 'app.log')
    const log = createLogger({ worker, destination: file })
    log.info('before any span')
    const ids: { traceId: string; spanId: string }[] = []
    await tracer.startActiveSpan('GET /orders', async (parent) => {
      ids.push(parent.spanContext())
      log.info('in the parent')
      await new Promise((resolve) => setTimeout(resolve, 5))
      tracer.startActiveSpan('db.query', (child) => {
        ids.push(child.spanContext())
        log.child({ component: 'db' }).warn('in the child', { rows: 3 })
        child.end()
      })
      withContext({ requestId: 'r-1' }, () => log.info('with a request context too'))
      parent.end()
    })
    log.info('after the spans')
    await log.close()
    const records = readRecords(file)
    expect(records.map((r) => r.msg)).toEqual(['before any span', 'in the parent', 'in the child', 'with a request context too', 'after the spans'])
    expect(records[0]).not.toHaveProperty('trace_id')
    expect(records[4]).not.toHaveProperty('trace_id')
    expect(records[1]).toMatchObject({ trace_id: ids[0].traceId, span_id: ids[0].spanId, trace_flags: '01' })
    expect(records[2]).toMatchObject({ trace_id: ids[0].traceId, span_id: ids[1].spanId, trace_flags: '01', component: 'db', rows: 3 })
    expect(records[3]).toMatchObject({ trace_id: ids[0].traceId, span_id: ids[0].spanId, requestId: 'r-1' })
    expect(ids[0].traceId).toMatch(/^[0-9a-f]{32}$/)
  })

  it('otel: false leaves the ids out', async () => {
    const file = join(tempDir(), 'app.log')
    const log = createLogger({ worker, destination: file, otel: false })
    tracer.startActiveSpan('x', (span) => {
      log.info('inside')
      span.end()
    })
    await log.close()
    expect(readRecords(file)[0]).not.toHaveProperty('trace_id')
  })
})

it('the ids are read once per span context, not per call', () => {
  let lookups = 0
  const active = { span: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 } }
  const api = {
    ROOT_CONTEXT: {},
    context: { active: () => active },
    trace: { getSpanContext: (c: typeof active) => (lookups++, c.span) },
    isSpanContextValid: () => true,
  }
  const contexts = new TraceContexts(api)
  const first = contexts.current(undefined)
  for (let i = 0; i < 1000; i++) expect(contexts.current(undefined)).toBe(first)
  expect(lookups).toBe(1)
  expect(first!.fields).toEqual({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), trace_flags: '01' })
})
