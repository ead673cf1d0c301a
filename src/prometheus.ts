import type { IncomingMessage, ServerResponse } from 'node:http'
import { FAMILIES, LATENCY, LATENCY_HELP, loggersOf, type ExposedLoggers } from './metric-families.js'
import type { Metrics } from './transport.js'

/**
 * `ringlog/prometheus`: a logger's metrics in Prometheus' text exposition format (0.0.4), served
 * by ringlog itself, or collected by a prom-client registry. Names follow Prometheus' conventions:
 * counters end in `_total`, sizes are `_bytes`, the latency histogram is in seconds.
 */

export type { ExposedLoggers }

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: Record<string, string>): string => `{${Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`
const number = (n: number): string => (n === Infinity ? '+Inf' : Number.isNaN(n) ? 'NaN' : String(n))

/** The metrics of the loggers in the text exposition format. */
export function prometheusText(loggers: ExposedLoggers): string {
  const all = loggersOf(loggers).map(([name, logger]) => [name, logger.metrics()] as const)
  let text = ''
  for (const family of FAMILIES) {
    text += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`
    for (const [name, metrics] of all) for (const sample of family.samples(name, metrics)) text += `${family.name}${labelText(sample.labels)} ${number(sample.value)}\n`
  }
  text += `# HELP ${LATENCY} ${LATENCY_HELP}\n# TYPE ${LATENCY} histogram\n`
  for (const [logger, { latency }] of all) {
    for (const bucket of latency.buckets) text += `${LATENCY}_bucket${labelText({ logger, le: number(bucket.le / 1000) })} ${bucket.count}\n`
    text += `${LATENCY}_sum${labelText({ logger })} ${latency.sumMs / 1000}\n${LATENCY}_count${labelText({ logger })} ${latency.count}\n`
  }
  return text
}

/** A request handler for node:http (and Express) that answers with the loggers' metrics: mount it at /metrics. */
export function prometheusHandler(loggers: ExposedLoggers): (request: IncomingMessage, response: ServerResponse) => void {
  loggersOf(loggers)
  return (_request, response) => {
    const body = prometheusText(loggers)
    response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) })
    response.end(body)
  }
}

/** What registerMetrics() needs of a prom-client Registry. */
export interface PromRegistry {
  registerMetric(metric: never): void
}

/**
 * Registers the loggers' metrics with a prom-client registry (`register` or a `new Registry()`), so
 * they are scraped with the application's own: one collector per family, read when scraped.
 */
export async function registerMetrics(registry: PromRegistry, loggers: ExposedLoggers): Promise<void> {
  loggersOf(loggers)
  const client = await import('prom-client').catch((error: unknown) => {
    throw new Error(`ringlog/prometheus: registerMetrics() needs prom-client (npm install prom-client): ${(error as Error).message}`)
  })
  const read = (): (readonly [string, Metrics])[] => loggersOf(loggers).map(([name, logger]) => [name, logger.metrics()] as const)
  for (const family of FAMILIES) {
    const Type = family.type === 'counter' ? client.Counter : client.Gauge
    new Type({
      name: family.name, help: family.help, labelNames: family.labels, registers: [registry as never],
      collect(this: { reset(): void; inc?(labels: Record<string, string>, value: number): void; set?(labels: Record<string, string>, value: number): void }) {
        this.reset()
        for (const [name, metrics] of read()) {
          for (const { labels, value } of family.samples(name, metrics)) {
            if (this.inc !== undefined && family.type === 'counter') this.inc(labels, value)
            else this.set!(labels, value)
          }
        }
      },
    })
  }
  registry.registerMetric(latencyCollector(read) as never)
}

/** The latency histogram as a prom-client metric object: prom-client's Histogram observes values one by one, these are already counted. */
function latencyCollector(read: () => (readonly [string, Metrics])[]): object {
  return {
    name: LATENCY,
    help: LATENCY_HELP,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = []
      for (const [logger, { latency }] of read()) {
        for (const bucket of latency.buckets) values.push({ metricName: `${LATENCY}_bucket`, labels: { logger, le: bucket.le === Infinity ? '+Inf' : bucket.le / 1000 }, value: bucket.count })
        values.push({ metricName: `${LATENCY}_sum`, labels: { logger }, value: latency.sumMs / 1000 })
        values.push({ metricName: `${LATENCY}_count`, labels: { logger }, value: latency.count })
      }
      return { name: LATENCY, help: LATENCY_HELP, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {},
  }
}
