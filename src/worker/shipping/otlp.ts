import type { OutgoingHttpHeaders } from 'node:http'
import type { OtlpOptions } from '../../shipping/otlp-options.js'
import { VERSION } from '../../version.js'
import { DeliveryError, type Batch, type Delivery } from './delivery.js'
import { GzipMembers } from './gzip-members.js'
import { HttpPoster } from './http-request.js'
import { PreparedBody } from './prepared-body.js'
import { JsonEnvelope, ProtobufEnvelope, type Envelope } from './otlp-envelope.js'
import { rejection } from './otlp-response.js'

/**
 * OpenTelemetry logs over OTLP/HTTP: each batch is one export request, POSTed with HttpPoster's
 * status policy. A 2xx whose answer reports a partial success rejects with a DeliveryError not to
 * retry whose `delivered` is the records the collector took, so that the sink counts them sent
 * and the rejected ones failed (the collector does not say which they were).
 */
export class OtlpDelivery implements Delivery {
  private readonly envelope: Envelope
  private readonly poster: HttpPoster
  private readonly gzip: GzipMembers | undefined
  private readonly bodies = new PreparedBody((batch) => this.body(batch))

  constructor(private readonly options: OtlpOptions) {
    this.envelope = options.encoding === 'json' ? new JsonEnvelope(options.resource) : new ProtobufEnvelope(options.resource)
    // The user's headers may replace the user agent, not the body's type (nor, gzipped, its encoding).
    const headers: OutgoingHttpHeaders = { 'user-agent': `ringlog/${VERSION}`, ...options.headers, 'content-type': this.envelope.contentType }
    if (options.gzip) headers['content-encoding'] = 'gzip'
    this.poster = new HttpPoster(options.url, headers, options.timeoutMs)
    this.gzip = options.gzip ? new GzipMembers() : undefined
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    const rejected = rejection(await this.poster.post(await this.bodies.take(batch), {}, signal), this.options.encoding)
    if (rejected === undefined) return
    const message = `the collector rejected ${rejected.records} of ${batch.count} records${rejected.message === '' ? '' : `: ${rejected.message}`}`
    throw new DeliveryError(message, { retry: false, delivered: Math.max(0, batch.count - rejected.records) })
  }

  prepare(batch: Batch): Promise<void> {
    return this.bodies.prepare(batch)
  }

  close(): void {
    this.poster.close()
    this.gzip?.close()
  }

  private async body(batch: Batch): Promise<Buffer> {
    const request = this.envelope.wrap(batch)
    return this.gzip === undefined ? request : this.gzip.gzip(request)
  }
}
