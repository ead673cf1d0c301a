import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { DeliveryError } from './delivery.js'

/** How much of a refusal's body goes into the error (metrics().sinks[i].lastError). */
const BODY_START = 200
/** How much of a response's body is kept: an OTLP collector's answer says which records it refused. */
const BODY_KEPT = 64 * 1024

/** A POST to one URL over kept-alive connections, with the status policy every HTTP sink shares. */
export class HttpPoster {
  private readonly agent: HttpAgent
  private readonly url: URL

  constructor(url: string, private readonly headers: OutgoingHttpHeaders, private readonly timeoutMs: number) {
    this.url = new URL(url)
    // One request at a time per sink: one socket, kept between batches.
    const options = { keepAlive: true, maxSockets: 1 }
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options)
  }

  /**
   * Resolves on a 2xx, with the response's body (its first 64 KiB). A 408, 429 or 5xx, and an
   * error on the way, reject with a DeliveryError to retry (a 429's or 503's Retry-After
   * honoured); any other status with one not to.
   */
  post(body: Buffer, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<Buffer> {
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const request = send(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, ...headers, 'content-length': body.length },
        signal,
        timeout: this.timeoutMs,
      }, (response) => {
        const status = response.statusCode ?? 0
        const chunks: Buffer[] = []
        let kept = 0
        response.on('data', (chunk: Buffer) => {
          if (kept < BODY_KEPT) chunks.push(chunk)
          kept += chunk.length
        })
        response.on('error', (error) => reject(new DeliveryError(`response: ${error.message}`, { retry: true, cause: error })))
        response.on('end', () => {
          const answer = Buffer.concat(chunks).subarray(0, BODY_KEPT)
          if (status >= 200 && status < 300) return resolve(answer)
          const text = answer.subarray(0, BODY_START).toString('utf8')
          const retry = status === 408 || status === 429 || status >= 500
          reject(new DeliveryError(`HTTP ${status}${text === '' ? '' : `: ${text}`}`, { retry, retryAfterMs: retryAfter(response.headers) }))
        })
      })
      request.on('timeout', () => request.destroy(new Error(`no response in ${this.timeoutMs} ms`)))
      request.on('error', (error) => reject(new DeliveryError(`${this.url.host}: ${error.message}`, { retry: true, cause: error })))
      request.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

/** Retry-After in ms: seconds, or an HTTP date. */
export function retryAfter(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after']
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && value.trim() !== '') return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
