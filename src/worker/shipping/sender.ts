import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { writeSync } from 'node:fs'
import { keepingAlive } from '../../keep-alive.js'
import type { ShipConfig } from '../../shipping/ship-options.js'
import type { SinkCounters } from '../../shipping/sink-counters.js'
import { failureOf, type Batch, type Delivery } from './delivery.js'
import { Spool, type SpoolFile } from './spool.js'
import { describe, errorCode } from '../../serialize.js'

/** A batch held in memory, by the key it is sent in order of. */
interface Held {
  readonly key: string
  readonly batch: Batch
  readonly size: number
  /** Gives the batch's buffer back for another batch, once nothing reads it any more. */
  readonly release: (() => void) | undefined
  /** 'sending': a try is in flight; 'written': the delivery wrote it and waits to know it arrived. */
  state: 'waiting' | 'sending' | 'written'
  /** The delivery reads its bytes ahead (Delivery.prepare) until this settles. */
  preparing?: Promise<void>
}

/** The next thing to send: a batch in memory, or one in the spool. */
type Next = { held: Held; file?: undefined } | { held?: undefined; file: SpoolFile }

/**
 * Sends an asynchronous sink's batches, one at a time and in the order they were made: from memory
 * and, when the destination was down or memory full, from the disk spool. A failed try waits with
 * exponential backoff and full jitter (or the Retry-After asked for); after `circuit.failures` failed
 * tries in a row the destination is taken for down (the circuit opens): batches are spooled, if
 * there is a spool, and one try is made every `circuit.probe` until one succeeds.
 */
export class Sender {
  private readonly held: Held[] = []
  private heldBytes = 0
  private readonly spool: Spool | undefined
  /** Keys sort in the order batches were made, across processes (a spool outlives them). */
  private readonly stamp = Date.now().toString(36).padStart(9, '0')
  private sequence = 0
  private failures = 0
  private open = false
  /** While the circuit is open: no try before this. */
  private probeAt = 0
  private delivery: Delivery | undefined
  /** Aborts the try in flight when close() times out. */
  private attempt = attemptController()
  private wake: (() => void) | undefined
  private stopped = false
  /** A batch is being tried: one added meanwhile may be prepared. */
  private busy = false
  /** One batch at most is prepared per batch tried: a stalled try must not have every batch after it compressed in turn, and dropped. */
  private prepared = false
  private readonly loop: Promise<void>
  private readonly reported = new Set<string>()

  constructor(private readonly config: ShipConfig, private readonly counters: SinkCounters, delivery: Promise<Delivery>) {
    this.spool = config.spool === undefined ? undefined : new Spool(config.spool, counters, randomBytes(4).toString('hex'))
    this.loop = this.run(delivery)
  }

  /** Records in memory and on disk not yet sent. */
  get empty(): boolean {
    return this.held.length === 0 && (this.spool?.size ?? 0) === 0
  }

  /** @param release called once the batch's bytes are no longer read (sent, spooled, dropped). */
  add(batch: Batch, release?: () => void): void {
    const key = `${this.stamp}-${String(this.sequence++).padStart(12, '0')}`
    const size = batch.ends[batch.count - 1]
    if (this.spool !== undefined && (this.open || this.heldBytes + size > this.config.bufferBytes)) {
      this.toSpool(key, batch)
      release?.()
    } else {
      this.makeRoom(size)
      this.held.push({ key, batch, size, release, state: 'waiting' })
      this.heldBytes += size
      if (this.busy) this.prepareNext()
    }
    this.wake?.()
  }

  /**
   * Resolves once everything in memory and in the spool is sent, or at the deadline, or at once
   * when the destination is down and there is a spool; then what is left in memory is spooled, or
   * counted as dropped. The try in flight is aborted first. What the spool holds stays there for
   * the next sink that opens it.
   */
  async settle(deadline: number): Promise<void> {
    // A destination that is down is not waited for when there is a spool; one that is up gets the spool's batches too.
    while (!this.empty && !(this.open && this.spool !== undefined) && performance.now() < deadline && !this.stopped) {
      const seen = this.counters.changes
      await this.counters.changeAfter(seen, Math.max(1, Math.min(50, deadline - performance.now())))
    }
    if (this.held.length === 0) return
    const attempt = this.attempt
    this.attempt = attemptController()
    attempt.abort()
    this.spill()
  }

  /**
   * Settles, then stops sending and lets go of the delivery's connections. The thread is kept alive
   * meanwhile: the waits here (Atomics.waitAsync, the unref'd backoff timers) hold no handle, and a
   * process with nothing else to do ended in the middle of an awaited close() (exit code 13).
   */
  close(deadline: number): Promise<void> {
    return keepingAlive(this.closed(deadline))
  }

  private async closed(deadline: number): Promise<void> {
    await this.settle(deadline)
    this.stopped = true
    this.wake?.()
    await this.loop
    await this.delivery?.close?.()
  }

  /**
   * Everything in memory to the spool, or counted as dropped without one. `rest`: what is left of the
   * batch being sent, part of which arrived.
   */
  spill(rest?: Batch): void {
    for (const held of this.held.splice(0)) {
      this.counters.leftMemory(held.batch.count)
      const batch = held.state === 'sending' && rest !== undefined ? rest : held.batch
      if (this.spool !== undefined) this.toSpool(held.key, batch)
      else this.counters.dropped(batch.count)
      // Not the batch being sent: its request may still read it.
      if (held.state !== 'sending') letGo(held)
    }
    this.heldBytes = 0
  }

  private toSpool(key: string, batch: Batch): void {
    try {
      this.spool!.put(key, batch)
    } catch (error) {
      this.counters.dropped(batch.count)
      this.report('spool', error)
    }
  }

  /** The oldest batches in memory go to make room (not one being sent or written: it may arrive). */
  private makeRoom(size: number): void {
    for (let i = 0; this.heldBytes + size > this.config.bufferBytes && i < this.held.length;) {
      if (this.held[i].state !== 'waiting') {
        i++
        continue
      }
      const [dropped] = this.held.splice(i, 1)
      this.heldBytes -= dropped.size
      this.counters.leftMemory(dropped.batch.count)
      this.counters.dropped(dropped.batch.count)
      letGo(dropped)
    }
  }

  /** The batch with the lowest key not yet written, in memory or in the spool. */
  private next(): Next | undefined {
    const held = this.held.find((h) => h.state === 'waiting')
    const file = this.spool?.head()
    if (file !== undefined && (held === undefined || file.key < held.key)) return { file }
    return held === undefined ? undefined : { held }
  }

  private async run(loading: Promise<Delivery>): Promise<void> {
    try {
      this.delivery = await loading
    } catch (error) {
      this.report('load', error)
      return this.failEverything()
    }
    while (!this.stopped) {
      const next = this.next()
      const wait = next === undefined ? Number.POSITIVE_INFINITY : this.probeAt - performance.now()
      if (wait > 0) {
        await this.pause(wait)
        continue
      }
      const batch = next!.held !== undefined ? next!.held.batch : this.spool!.read(next!.file!)
      if (batch === undefined) continue
      if (next!.held !== undefined) next!.held.state = 'sending'
      const sending = this.send(batch, next!.held)
      this.busy = true
      this.prepared = false
      this.prepareNext()
      const result = await sending
      this.busy = false
      if (next!.held?.state === 'sending') next!.held.state = 'waiting'
      if (result !== 'let go' && result !== 'written') this.done(next!, result)
    }
  }

  /**
   * While a batch is in flight, the delivery may make the next one's request (compress it): the
   * round trip and the next batch's compression overlap. Only when the next to go is in memory,
   * not in the spool, and once per batch tried.
   */
  private prepareNext(): void {
    if (this.prepared || this.delivery?.prepare === undefined || (this.spool?.size ?? 0) > 0) return
    const following = this.held.find((h) => h.state === 'waiting')
    if (following === undefined || following.preparing !== undefined) return
    this.prepared = true
    following.preparing = this.delivery.prepare(following.batch)
  }

  /**
   * Tries a batch until it is sent, refused, or its tries run out; the part of it that arrived is
   * counted as sent. 'let go': it is in the spool now (the circuit opened, or close() timed out), or
   * the sender stopped. 'written': the delivery waits to know it arrived (src/worker/shipping/delivery.ts's
   * `Written`); the next batch goes meanwhile.
   */
  private async send(batch: Batch, held: Held | undefined): Promise<{ sent: number; failed: number } | 'let go' | 'written'> {
    let sent = 0
    for (let tries = 1; !this.stopped; tries++) {
      const { signal } = this.attempt
      const rest = sent === 0 ? batch : slice(batch, sent)
      try {
        const written = await this.delivery!.send(rest, signal)
        if (written?.arrived !== undefined) {
          if (held === undefined) {
            // From the spool: the file stays until it is known to have arrived.
            await written.arrived
          } else {
            this.confirm(held, written.arrived)
            return 'written'
          }
        }
        this.succeeded()
        return { sent: batch.count, failed: 0 }
      } catch (error) {
        const failure = failureOf(error)
        sent += Math.min(failure.delivered, rest.count)
        if (signal.aborted) return 'let go'
        this.report('send', error)
        if (!failure.retry || tries >= this.config.retry.attempts) return { sent, failed: batch.count - sent }
        this.counters.retried(batch.count - sent)
        if (this.failed() && this.spool !== undefined) {
          if (held !== undefined) {
            // What arrived of it is sent; the rest waits in the spool with the others.
            this.counters.sent(sent)
            this.spill(sent === 0 ? undefined : slice(batch, sent))
          } else {
            // From the spool: it stays there whole (a part that arrived is sent again).
            this.spill()
          }
          return 'let go'
        }
        await this.pause(failure.retryAfterMs ?? this.backoff(tries))
      }
    }
    return 'let go'
  }

  /** A batch written: sent once it is known to have arrived; if not, it waits to be sent again, before the later ones. */
  private confirm(held: Held, arrived: Promise<void>): void {
    held.state = 'written'
    arrived.then(() => {
      this.succeeded()
      this.done({ held }, { sent: held.batch.count, failed: 0 })
    }, (error: unknown) => {
      // Spilled meanwhile (close timed out, the circuit opened): the spool has it.
      if (held.state !== 'written' || !this.held.includes(held)) return
      held.state = 'waiting'
      this.counters.retried(held.batch.count)
      this.report('send', error)
      this.failed()
      this.wake?.()
    })
  }

  private done(next: Next, result: { sent: number; failed: number }): void {
    // Spilled to the spool while it was sent or written (close timed out, the circuit opened): the file is what counts now.
    const i = next.held === undefined ? -1 : this.held.indexOf(next.held)
    if (next.held !== undefined && i === -1) return
    this.counters.sent(result.sent)
    if (result.failed > 0) this.counters.failed(result.failed)
    if (next.held !== undefined) {
      this.held.splice(i, 1)
      this.heldBytes -= next.held.size
      this.counters.leftMemory(next.held.batch.count)
      letGo(next.held)
    } else {
      this.spool!.remove(next.file)
    }
  }

  private succeeded(): void {
    this.failures = 0
    if (!this.open) return
    this.open = false
    this.counters.circuit(false)
  }

  /** True when this failure opened the circuit. */
  private failed(): boolean {
    if (++this.failures < this.config.circuit.failures) return false
    this.probeAt = performance.now() + this.config.circuit.probeMs
    if (this.open) return false
    this.open = true
    this.counters.circuit(true)
    return true
  }

  /** Full jitter (a random wait up to the exponential delay): many senders after one outage do not come back in step. */
  private backoff(tries: number): number {
    if (this.open) return this.config.circuit.probeMs
    const { minDelayMs, maxDelayMs } = this.config.retry
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** (tries - 1))
    return minDelayMs + Math.random() * (ceiling - minDelayMs)
  }

  /** Waits `ms`, or until a batch is added or the sender stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Unref'd: a sink waiting to try again must not keep a `worker: false` process from ending (its exit spools).
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wake?.(), ms).unref() : undefined
      this.wake = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      if (this.stopped) this.wake()
    })
  }

  /** A delivery that could not be made: what comes is failed, as it comes. */
  private async failEverything(): Promise<void> {
    while (!this.stopped) {
      for (let next = this.next(); next !== undefined; next = this.next()) {
        this.done(next, { sent: 0, failed: next.held?.batch.count ?? next.file!.count })
      }
      await this.pause(Number.POSITIVE_INFINITY)
    }
  }

  /** Each kind of failure said once on stderr; every one kept as metrics().sinks[i].lastError. */
  private report(stage: string, error: unknown): void {
    const text = describe(error)
    this.counters.error(`${stage}: ${text}`)
    const key = `${stage}:${errorCode(error)}:${stage === 'send' ? text.slice(0, 12) : ''}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    try {
      writeSync(2, `ringlog: sink ${this.config.name} cannot ${stage} records: ${text}; it retries or counts them in metrics().sinks\n`)
    } catch {
      // stderr is gone: metrics() still has it.
    }
  }
}

/** The signal of a sink's tries: every batch written and waiting to be known arrived listens to it. */
function attemptController(): AbortController {
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  return controller
}

/** A batch's buffer goes back for reuse once nothing reads it: not before the delivery is done reading it ahead. */
function letGo(held: Held): void {
  if (held.release === undefined) return
  if (held.preparing === undefined) held.release()
  else void held.preparing.then(held.release)
}

/** The records of a batch from `from` on. */
function slice(batch: Batch, from: number): Batch {
  const start = batch.ends[from - 1]
  const ends = new Int32Array(batch.count - from)
  for (let i = 0; i < ends.length; i++) ends[i] = batch.ends[from + i] - start
  return { bytes: batch.bytes.subarray(start), ends, count: ends.length }
}
