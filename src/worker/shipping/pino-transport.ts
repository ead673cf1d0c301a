import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { PinoOptions } from '../../shipping/pino-options.js'
import { createFormat } from '../format/formats.js'
import { importFunction } from '../plugin-import.js'
import { type Batch, batchBytes, type Delivery, DeliveryError } from './delivery.js'
import type { ShippingType } from './shipping-type.js'

type StreamBuilder = (options: Record<string, unknown>) => unknown

function isWritable(value: unknown): value is Writable {
  return value !== null && typeof value === 'object' && typeof (value as Writable).write === 'function' && typeof (value as Writable).end === 'function'
}

function failed(target: string, error: unknown): DeliveryError {
  const message = error instanceof Error ? error.message : String(error)
  return new DeliveryError(`${target}: ${message}`, { retry: true, cause: error })
}

/**
 * A pino transport in the drain worker, loaded as pino's own worker loads one: the target's default
 * export, called with the options, awaited, gives a Writable that takes pino's lines. A batch is
 * taken when the stream calls back its write: what the transport does with the lines then (send
 * them at once, batch them, retry) is its own business, as under pino.
 */
export class PinoTransport implements Delivery {
  private stream: Writable | undefined

  private constructor(private readonly options: PinoOptions, private readonly build: StreamBuilder) {}

  static async open(options: PinoOptions): Promise<PinoTransport> {
    const transport = new PinoTransport(options, (await importFunction(options.url)) as StreamBuilder)
    transport.stream = await transport.start()
    return transport
  }

  /** Ends the stream and waits for its 'close', as pino does: a transport's close hook sends what it holds. */
  async close(): Promise<void> {
    const stream = this.stream
    if (stream === undefined || stream.closed || stream.destroyed) return
    const closed = once(stream, 'close').catch(() => undefined)
    stream.end()
    await closed
  }

  /** Builds the transport's stream. An 'error' is listened to: unheard, it would end the drain worker. */
  private async start(): Promise<Writable> {
    // A copy each time: a transport may change the options it is given.
    const stream = await this.build(structuredClone(this.options.options))
    if (!isWritable(stream)) throw new TypeError(`${this.options.target} made no Writable stream of its options`)
    stream.on('error', () => {
      // The write waiting for it is called back with the error; the next batch starts the transport again.
    })
    return stream
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    const { target } = this.options
    let stream = this.stream
    if (stream === undefined || stream.destroyed || stream.writableEnded) {
      try {
        stream = this.stream = await this.start()
      } catch (error) {
        throw failed(target, error)
      }
    }
    const bytes = batchBytes(batch)
    const taken = stream
    return new Promise((resolve, reject) => {
      const abort = (): void => reject(failed(target, signal.reason ?? new Error('aborted')))
      signal.addEventListener('abort', abort, { once: true })
      // Called back once the stream has taken the chunk, not merely buffered it: one batch at a time is its backpressure.
      taken.write(bytes, (error) => {
        signal.removeEventListener('abort', abort)
        if (error) reject(failed(target, error))
        else resolve()
      })
    })
  }
}

/** `{ type: 'pino', target, options }`: records in pino's line (numbers for levels, epoch milliseconds), unless the sink sets its own. */
export const pinoTransport: ShippingType<PinoOptions> = {
  format(out, format, options) {
    return createFormat(out, { ...format, format: 'json', levelFormat: options.levelFormat ?? 'number', timeFormat: options.timeFormat ?? 'epoch' })
  },
  delivery(options) {
    return PinoTransport.open(options)
  },
}
