/**
 * `ringlog/redis`: the `redis` sink's delivery, which the drain worker imports only when a logger
 * has such a sink. It is the one module of ringlog that loads the official client (`redis`, an
 * optional peer dependency).
 */
import { createHash } from 'node:crypto'
import { createClient, ErrorReply } from 'redis'
import type { RedisConfig } from './shipping/redis-options.js'
import { batchBytes, DeliveryError, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { jsonRecord } from './worker/shipping/json-records.js'

export type { RedisSinkOptions } from './shipping/redis-options.js'

/** Server errors worth trying the batch again for: a server loading its data after a restart, busy, or failing over. */
const RETRIED = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|READONLY|CLUSTERDOWN)\b/

/** How long a batch's mark stays: a batch tried again after it (from a spool of yesterday) is added again. */
const MARK_SECONDS = 24 * 60 * 60

/**
 * A batch, atomically and once: the script adds nothing when the batch's mark (KEYS[2], named by
 * a hash of its bytes) is there already. A batch whose answer a lost connection took (it was
 * added) is marked, and its next try adds nothing. ARGV: the structure, the stream's trim length
 * (0: none), then per record the time, the level, the message or '' and whether it has one, and
 * the fields' JSON (a stream), or the JSON lines (a list).
 */
const ADD_BATCH = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ${MARK_SECONDS}) then return 0 end
if ARGV[1] == 'list' then
  for i = 3, #ARGV, 1000 do redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
  return 1
end
local trim = tonumber(ARGV[2])
for i = 3, #ARGV, 5 do
  local entry = { 'time', ARGV[i], 'level', ARGV[i + 1] }
  if ARGV[i + 3] == '1' then entry[5] = 'msg'; entry[6] = ARGV[i + 2] end
  entry[#entry + 1] = 'fields'
  entry[#entry + 1] = ARGV[i + 4]
  if trim > 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', trim, '*', unpack(entry))
  else
    redis.call('XADD', KEYS[1], '*', unpack(entry))
  end
end
return 1
`

/**
 * One script per batch: an XADD per record to a stream (fields time, level, msg, and fields as
 * JSON), or RPUSHes of the records' JSON lines to a list, all or none, and each batch once.
 */
export class RedisDelivery implements Delivery {
  private readonly client: ReturnType<typeof createClient>
  private connecting: Promise<unknown> | undefined

  constructor(private readonly config: RedisConfig) {
    this.client = createClient({
      url: config.url,
      // A batch fails at once while the connection is down, and the sink retries it with its backoff; the client reconnects meanwhile.
      disableOfflineQueue: true,
      socket: { connectTimeout: config.timeoutMs },
    })
    // Connection errors are the batches' to report (lastError); the client reconnects on its own.
    this.client.on('error', () => {})
  }

  async send(batch: Batch): Promise<void> {
    try {
      this.connecting ??= this.client.connect()
      await this.connecting
      const mark = `${this.config.key}:ringlog-batch:${createHash('sha1').update(batchBytes(batch)).digest('hex')}`
      await this.client.eval(ADD_BATCH, { keys: [this.config.key, mark], arguments: [this.config.structure, String(this.config.maxLength), ...this.values(batch)] })
    } catch (error) {
      // A first connection that failed is made again at the next try.
      if (!this.client.isOpen) this.connecting = undefined
      const message = String((error as Error)?.message ?? error)
      // The server answered with an error: tried again only if it says it will pass.
      throw new DeliveryError(message, { retry: !(error instanceof ErrorReply) || RETRIED.test(message), cause: error })
    }
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.quit().catch(() => this.client.destroy())
    else this.client.destroy()
  }

  /** The script's arguments for the batch's records. */
  private values(batch: Batch): string[] {
    const values: string[] = []
    for (let i = 0; i < batch.count; i++) {
      const record = jsonRecord(batch, i)
      if (this.config.structure === 'list') {
        values.push(record.text)
      } else {
        const { msg } = record
        values.push(record.time, record.level, msg === undefined ? '' : typeof msg === 'string' ? msg : JSON.stringify(msg), msg === undefined ? '0' : '1', JSON.stringify(record.fields))
      }
    }
    return values
  }
}

/** The delivery of a `redis` sink (src/worker/shipping/types.ts). */
export function redisDelivery(config: RedisConfig): Delivery {
  return new RedisDelivery(config)
}
