import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { type Batch, type Delivery, DeliveryError, type Written } from './delivery.js'

const LF = 0x0a
/** Probes a connection that has been quiet this long, so a peer that went away unannounced is noticed. */
const KEEPALIVE_MS = 10_000
/** How long close() waits for the server to close its side: the sink's close is waiting on it. */
const CLOSE_WAIT_MS = 1000

/** A batch's records framed for a stream (RFC 6587): `LEN SP MSG` each, or `MSG LF`. */
export function frame(batch: Batch, framing: SyslogOptions['framing']): Buffer {
  const { bytes, ends, count } = batch
  const prefixes: string[] = []
  let size = 0
  for (let i = 0, start = 0; i < count; start = ends[i++]) {
    const prefix = framing === 'lf' ? '' : `${ends[i] - start} `
    prefixes.push(prefix)
    size += prefix.length + ends[i] - start + (framing === 'lf' ? 1 : 0)
  }
  const framed = Buffer.allocUnsafe(size)
  let p = 0
  for (let i = 0, start = 0; i < count; start = ends[i++]) {
    p += framed.latin1Write(prefixes[i], p)
    p += bytes.copy(framed, p, start, ends[i])
    if (framing === 'lf') framed[p++] = LF
  }
  return framed
}

/** One connection, and the first reason it can no longer be written to. */
class Connection {
  failure: Error | undefined
  private readonly waiters = new Set<(error: Error) => void>()

  constructor(readonly socket: Socket) {
    socket.setKeepAlive(true, KEEPALIVE_MS)
    // A syslog server says nothing, but its FIN or RST is only seen while the socket is read.
    socket.resume()
    socket.on('error', (error) => this.fail(error))
    socket.on('end', () => this.fail(new Error('the server closed the connection')))
    socket.on('close', () => this.fail(new Error('connection closed')))
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.socket.destroy()
    for (const waiter of this.waiters) waiter(error)
  }

  /** Resolves when `start` calls `done`; rejects when it does with an error, or the connection fails, the signal aborts, or `ms` passes first. */
  until(ms: number, signal: AbortSignal, what: string, start: (done: (error?: Error | null) => void) => void): Promise<void> {
    return this.watch(ms, signal, new Error(`${what} took over ${ms} ms`), start)
  }

  /** Resolves after `ms` if the connection is still up by then; rejects as soon as it fails or the signal aborts. */
  quiet(ms: number, signal: AbortSignal): Promise<void> {
    return this.watch(ms, signal, null)
  }

  private watch(ms: number, signal: AbortSignal, late: Error | null, start?: (done: (error?: Error | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error | null): void => {
        clearTimeout(timer)
        this.waiters.delete(finish)
        signal.removeEventListener('abort', abort)
        if (error) {
          this.fail(error)
          reject(error)
        } else {
          resolve()
        }
      }
      const abort = (): void => finish(new Error('aborted'))
      const timer = setTimeout(() => finish(late), ms)
      if (this.failure !== undefined) return finish(this.failure)
      if (signal.aborted) return abort()
      this.waiters.add(finish)
      signal.addEventListener('abort', abort)
      start?.(finish)
    })
  }

  /** Ends the connection as a client should, letting the server close its side; destroys it after `ms`. */
  async close(ms: number): Promise<void> {
    if (this.failure !== undefined) return
    const closed = new Promise<void>((resolve) => this.waiters.add(() => resolve()))
    this.socket.end()
    const timer = setTimeout(() => this.fail(new Error('closed')), ms)
    await closed
    clearTimeout(timer)
  }
}

/**
 * Syslog over TCP or TLS: one connection, kept between batches and made again when it is lost.
 *
 * A write that the kernel accepted is not a record the server read: a server that stops (rsyslog
 * restarting) drops what is still in its socket and resets the connection some milliseconds
 * later. So a batch counts as delivered only once the connection has stayed up `settleMs` after
 * it was written (`Written.arrived`, while the next batches are written); a connection that fails
 * before then fails the batch, which the sink sends again, whole, before the later ones: plain
 * syslog has no acknowledgements, so what part of it the server read cannot be known.
 */
export class SyslogStream implements Delivery {
  private connection: Connection | undefined

  constructor(private readonly options: SyslogOptions) {}

  async send(batch: Batch, signal: AbortSignal): Promise<Written | undefined> {
    const bytes = frame(batch, this.options.framing)
    try {
      const kept = this.connection?.failure === undefined ? this.connection : undefined
      const connection = kept ?? await this.connect(signal)
      await connection.until(this.options.timeoutMs, signal, 'writing the batch', (done) => connection.socket.write(bytes, done))
      // The next batch is written while this one settles.
      return this.options.settleMs > 0 ? { arrived: connection.quiet(this.options.settleMs, signal).catch((error: unknown) => { throw this.failure(error) }) } : undefined
    } catch (error) {
      throw this.failure(error)
    }
  }

  private failure(error: unknown): DeliveryError {
    const { host, port, protocol } = this.options
    return new DeliveryError(`${protocol} ${host}:${port}: ${(error as Error).message}`, { retry: true, cause: error })
  }

  async close(): Promise<void> {
    await this.connection?.close(CLOSE_WAIT_MS)
    this.connection = undefined
  }

  private async connect(signal: AbortSignal): Promise<Connection> {
    const { host, port, protocol, ca, cert, key, rejectUnauthorized, servername } = this.options
    const socket = protocol === 'tls'
      ? tlsConnect({ host, port, ca, cert, key, rejectUnauthorized, servername })
      : tcpConnect({ host, port })
    const connection = new Connection(socket)
    this.connection = connection
    const event = protocol === 'tls' ? 'secureConnect' : 'connect'
    await connection.until(this.options.timeoutMs, signal, 'connecting', (done) => socket.once(event, () => done()))
    return connection
  }
}
