import type { OutgoingHttpHeaders } from 'node:http'
import { promisify } from 'node:util'
import { constants, gzip } from 'node:zlib'
import type { OtlpOptions } from '../../shipping/otlp-options.js'
import { VERSION } from '../../version.js'
import { DeliveryError, type Batch, type Delivery } from './delivery.js'
import { HttpPoster } from './http-request.js'
import { JsonEnvelope, ProtobufEnvelope, type Envelope } from './otlp-envelope.js'
import { rejection } from './otlp-response.js'

const gzipped = promisify(gzip)

/**
 * OpenTelemetry logs over OTLP/HTTP: each batch is one export request, POSTed with HttpPoster's
 * status policy. A 2xx whose answer reports a partial success rejects with a DeliveryError not to
 * retry whose `delivered` is the records the collector took, so that the sink counts them sent
 * and the rejected ones failed (the collector does not say which they were).
 */
export class OtlpDelivery implements Delivery {
  private readonly envelope: Envelope
  private readonly poster: HttpPoster

  constructor(private readonly options: OtlpOptions) {
    this.envelope = options.encoding === 'json' ? new JsonEnvelope(options.resource) : new ProtobufEnvelope(options.resource)
    // The user's headers may replace the user agent, not the body's type (nor, gzipped, its encoding).
    const headers: OutgoingHttpHeaders = { 'user-agent': `ringlog/${VERSION}`, ...options.headers, 'content-type': this.envelope.contentType }
    if (options.gzip) headers['content-encoding'] = 'gzip'
    this.poster = new HttpPoster(options.url, headers, options.timeoutMs)
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    const request = this.envelope.wrap(batch)
    // As the http sink does: off this thread, at the fastest level.
    const body = this.options.gzip ? await gzipped(request, { level: constants.Z_BEST_SPEED }) : request
    const rejected = rejection(await this.poster.post(body, {}, signal), this.options.encoding)
    if (rejected === undefined) return
    const message = `the collector rejected ${rejected.records} of ${batch.count} records${rejected.message === '' ? '' : `: ${rejected.message}`}`
    throw new DeliveryError(message, { retry: false, delivered: Math.max(0, batch.count - rejected.records) })
  }

  close(): void {
    this.poster.close()
  }
}
