/**
 * `ringlog/mongodb`: the `mongodb` sink's delivery, which the drain worker imports only when a
 * logger has such a sink. It is the one module of ringlog that loads the official driver
 * (`mongodb`, an optional peer dependency).
 */
import { createHash } from 'node:crypto'
import { MongoBulkWriteError, MongoClient, MongoServerError, type Collection, type Document } from 'mongodb'
import type { MongoConfig } from './shipping/mongodb-options.js'
import { abortable } from './worker/shipping/abortable.js'
import { batchBytes, DeliveryError, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { jsonRecord } from './worker/shipping/json-records.js'

export type { MongoSinkOptions } from './shipping/mongodb-options.js'

/** A duplicate key: a document of a batch tried again that had arrived the first time. */
const DUPLICATE_KEY = 11000
/** A collection that exists already when it is created. */
const NAMESPACE_EXISTS = 48

/**
 * The batch's records as documents `{ _id, time, level, msg, fields }`. The `_id` is the batch's
 * hash and the record's place in it: a batch tried again (its answer lost) inserts nothing twice.
 */
export function documentsOf(batch: Batch): Document[] {
  const hash = createHash('sha1').update(batchBytes(batch)).digest('hex').slice(0, 24)
  const documents: Document[] = []
  for (let i = 0; i < batch.count; i++) {
    const { time, level, msg, fields } = jsonRecord(batch, i)
    const document: Document = { _id: `${hash}-${i}`, time: new Date(time), level }
    if (msg !== undefined) document.msg = msg
    document.fields = fields
    documents.push(document)
  }
  return documents
}

/** One unordered insertMany per batch; the collection made first if it should be a time-series or capped one. */
export class MongoDelivery implements Delivery {
  private readonly client: MongoClient
  private collection: Promise<Collection> | undefined

  constructor(private readonly config: MongoConfig) {
    this.client = new MongoClient(config.url, {
      serverSelectionTimeoutMS: config.timeoutMs,
      connectTimeoutMS: config.timeoutMs,
      socketTimeoutMS: config.timeoutMs,
      // The sink retries, with its backoff and circuit.
      retryWrites: false,
      appName: 'ringlog',
    })
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    const documents = documentsOf(batch)
    try {
      this.collection ??= this.open()
      const collection = await abortable(this.collection, signal)
      await abortable(collection.insertMany(documents, { ordered: false }), signal)
    } catch (error) {
      // Documents that arrived on an earlier try are there: the others went in now. (A lost connection
      // is a bulk write error too, without write errors.)
      const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : []
      if (writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY)) return
      if (!(error instanceof MongoServerError)) this.collection = undefined
      const message = String((error as Error)?.message ?? error)
      // A server's refusal (a validation, a permission, a write error) stays; the network, a failover
      // or a timeout passes. A bulk write whose connection was lost is a server error without write errors.
      const bulk = error instanceof MongoBulkWriteError
      const refused = bulk ? writeErrors.length > 0 : error instanceof MongoServerError && !error.hasErrorLabel('RetryableWriteError')
      throw new DeliveryError(message, { retry: !refused, cause: error })
    }
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  private async open(): Promise<Collection> {
    await this.client.connect()
    const db = this.client.db(this.config.database)
    const { create } = this.config
    if (create !== undefined) {
      const options = 'timeseries' in create
        ? {
          timeseries: { timeField: 'time', metaField: 'level', granularity: create.timeseries.granularity },
          ...(create.timeseries.expireAfterSeconds === undefined ? {} : { expireAfterSeconds: create.timeseries.expireAfterSeconds }),
        }
        : { capped: true, size: create.capped.size, ...(create.capped.max === undefined ? {} : { max: create.capped.max }) }
      await db.createCollection(this.config.collection, options).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error
      })
    }
    return db.collection(this.config.collection)
  }
}

/** The delivery of a `mongodb` sink (src/worker/shipping/types.ts). */
export function mongoDelivery(config: MongoConfig): Delivery {
  return new MongoDelivery(config)
}
