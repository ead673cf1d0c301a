import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Health } from '../health.js'
import { invalid } from '../validate.js'

/** What a health endpoint needs of a logger. */
export interface HealthSource {
  health(): Health
}

/**
 * `ringlog/http`: a request handler for node:http (and Express) that answers with the logger's
 * health as JSON. For liveness (the default) 200 unless 'failing' (503): a degraded logger still
 * logs. For readiness (`{ readiness: true }`) 200 only when 'ok'.
 */
export function healthHandler(logger: HealthSource, options: { readiness?: boolean } = {}): (request: IncomingMessage, response: ServerResponse) => void {
  if (typeof logger?.health !== 'function') invalid('healthHandler logger', logger, 'a logger')
  const readiness = options.readiness === true
  return (_request, response) => {
    const health = logger.health()
    const up = health.status === 'ok' || (!readiness && health.status === 'degraded')
    const body = JSON.stringify(health)
    response.writeHead(up ? 200 : 503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    response.end(body)
  }
}
