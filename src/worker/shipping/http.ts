import type { HttpConfig } from '../../shipping/http-options.js'
import { type Batch, batchBytes, type Delivery } from './delivery.js'
import { GzipMembers } from './gzip-members.js'
import { HttpPoster } from './http-request.js'
import { PreparedBody } from './prepared-body.js'

const COMMA = 0x2c
const NEWLINE = 0x0a

/** `[a,b,c]` from NDJSON records: each record's bytes without its newline. */
function jsonArray(batch: Batch): Buffer {
  const body = Buffer.allocUnsafe(batch.ends[batch.count - 1] + 2)
  let p = 0
  body[p++] = 0x5b
  for (let i = 0, start = 0; i < batch.count; start = batch.ends[i++]) {
    let end = batch.ends[i]
    if (end > start && batch.bytes[end - 1] === NEWLINE) end--
    if (i > 0) body[p++] = COMMA
    p += batch.bytes.copy(body, p, start, end)
  }
  body[p++] = 0x5d
  return body.subarray(0, p)
}

/** `{ type: 'http' }`: batches POSTed as NDJSON or a JSON array, gzipped if asked. */
export class HttpDelivery implements Delivery {
  private readonly poster: HttpPoster
  private readonly contentHeaders: Record<string, string>
  private readonly gzip: GzipMembers | undefined
  private readonly bodies = new PreparedBody((batch) => this.body(batch))

  constructor(private readonly config: HttpConfig) {
    this.poster = new HttpPoster(config.url, config.headers, config.timeoutMs)
    this.contentHeaders = {
      'content-type': config.body === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      ...(config.gzip ? { 'content-encoding': 'gzip' } : {}),
    }
    this.gzip = config.gzip ? new GzipMembers() : undefined
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    await this.poster.post(await this.bodies.take(batch), this.contentHeaders, signal)
  }

  prepare(batch: Batch): Promise<void> {
    return this.bodies.prepare(batch)
  }

  close(): void {
    this.poster.close()
    this.gzip?.close()
  }

  private async body(batch: Batch): Promise<Buffer> {
    const records = this.config.body === 'ndjson' ? batchBytes(batch) : jsonArray(batch)
    return this.gzip === undefined ? records : this.gzip.gzip(records)
  }
}
