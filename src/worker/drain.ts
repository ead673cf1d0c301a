import { setImmediate as nextTurn } from 'node:timers/promises'
import { BroadcastChannel, threadId, workerData, type MessagePort } from 'node:worker_threads'
import type { DrainData, DrainTask, RingEntry, ToDrain, ToHost, ToThread } from '../control.js'
import { AWAKE, DRAIN, DRAIN_STARTING, DRAIN_STARTS, DRAIN_TID, DRAIN_UP, DOZING, EXIT_DONE, EXIT_REQUEST, FLUSHES, Hub, kernelThreadId, PARKED, PROGRESS, SLEEP, WAKE } from '../hub.js'
import { ALIVE, CLOSING, CONTROL_BYTES, READ, STATE, STATE_CLOSED, STATE_GONE, STATE_RUNNING, WRITE } from '../ring.js'
import { DrainedRing } from './drained-ring.js'
import { hasAsyncSinks, sealAll, settleAll } from './shipping/async-sink.js'

/** How long the loop may run without giving the event loop a turn (for the control channel's messages). */
const SLICE_MS = 4
/**
 * The slice while network sinks are open: each of their batches needs a few turns of the event loop
 * (compression's callback, the request's write, its response), which a long slice would space out.
 */
const SHIPPING_SLICE_MS = 0.5
/** Park at most this long while there are rings, so a lost wake-up costs a delay and a gone thread is noticed. */
const PARK_MS = 500
/**
 * After a turn that read frames, the worker dozes this long before it looks again, and producers
 * ring only past their ring's wake-up mark (src/ring.ts): a service logging a record per request
 * would otherwise cost two thread wake-ups, a futex call on the calling thread and a write system
 * call per record. A record logged at a steady rate reaches its sink this much later at most; the
 * first record after a quiet spell, a flush and a close are not delayed. No spinning on the rings
 * before waiting: it saved nothing in a burst and cost 10-30 us a turn.
 */
const DOZE_MS = 25

/**
 * The process's drain worker: it reads the ring of every logger of every thread, in turns of a
 * batch each, and writes each ring's records through the ring's own pipeline. It parks on the
 * hub's doorbell when every ring is empty.
 */
class Drain {
  private readonly hub: Hub
  private readonly rings = new Map<number, DrainedRing>()
  private channel: BroadcastChannel | undefined
  private port: MessagePort | undefined
  private exitServed: number
  /** FLUSHES when network sinks last sealed their batches. */
  private sealedAt = 0

  constructor(data: DrainData) {
    this.hub = new Hub({ sab: data.hub, id: data.hubId })
    this.exitServed = Atomics.load(this.hub.ints, EXIT_REQUEST)
    // The first worker reads at once: the task needs the host's event loop, which a burst of logging
    // right after createLogger() does not give back. A replacement waits for the task, which the
    // host sends once it has taken the rings back from the worker that died; until then it does not
    // listen either (piscina may start a thread in a pool the host is about to destroy).
    if (Atomics.add(this.hub.ints, DRAIN_STARTS, 1) === 0) {
      this.listen()
      for (const entry of data.rings) this.adopt(entry)
      this.sayUp()
    }
    void this.loop()
  }

  attach(task: DrainTask): void {
    this.listen()
    this.port = task.port
    // The host passes on every ring it hears of: one posted on the channel before this worker had it is not lost.
    this.port.on('message', (message: ToDrain) => this.onMessage(message))
    this.port.postMessage({ type: 'up', threadId } satisfies ToHost)
    for (const entry of task.rings) this.adopt(entry)
    this.sayUp()
    this.hub.wake()
  }

  /** The rings' channel. Ref'd: a worker whose event loop has nothing ref'd gets no messages (piscina unrefs the thread itself). */
  private listen(): void {
    if (this.channel !== undefined) return
    this.channel = new BroadcastChannel(this.hub.drainChannel)
    this.channel.onmessage = (event) => this.onMessage((event as { data: ToDrain }).data)
  }

  /** Up in the hub as well as to the host: a host blocked at exit (DrainHost.drainEverything) waits for this word. */
  private sayUp(): void {
    // After the host took the rings back from the worker before (it clears the word), never before.
    Atomics.store(this.hub.ints, DRAIN_TID, kernelThreadId())
    if (Atomics.compareExchange(this.hub.ints, DRAIN, DRAIN_STARTING, DRAIN_UP) === DRAIN_STARTING) Atomics.notify(this.hub.ints, DRAIN)
  }

  private adopt(entry: RingEntry): void {
    if (this.rings.has(entry.id)) return
    const control = new Int32Array(entry.sab, 0, CONTROL_BYTES / 4)
    const state = Atomics.load(control, STATE)
    // Closed or let go before this worker heard of it (a replacement is given every ring ever attached),
    // or closed by its thread, which wrote it itself.
    if (state === STATE_CLOSED || state === STATE_GONE || (Atomics.load(control, CLOSING) === 1 && state !== STATE_RUNNING)) return
    const ring = new DrainedRing(entry, (key) => this.tell(ring.thread, { type: 'error', ring: ring.id, key }), () => this.hub.wake())
    this.rings.set(entry.id, ring)
    if (!ring.takeFresh()) this.tell(ring.thread, { type: 'ready', ring: ring.id })
  }

  private onMessage(message: ToDrain): void {
    if (message.type === 'attach') {
      this.adopt(message.ring)
      this.hub.wake()
      return
    }
    if (message.type !== 'start') return
    const ring = this.rings.get(message.ring)
    if (ring === undefined || ring.running) return
    for (const key of message.reported) ring.reported.add(key)
    ring.run(message.snapshot)
    this.hub.wake()
  }

  private async loop(): Promise<void> {
    let sliceStart = performance.now()
    /** Frames were read since the worker last waited. */
    let active = false
    for (;;) {
      if (Atomics.load(this.hub.ints, EXIT_REQUEST) !== this.exitServed) {
        // The host announced its rings again before the request: their messages are read first.
        await nextTurn()
        await nextTurn()
        await this.serveExit()
      }
      // Read before the rings: what was logged before a flush asked is in them by then.
      const flushes = Atomics.load(this.hub.ints, FLUSHES)
      let moved = false
      for (const ring of this.rings.values()) if (ring.drain()) moved = true
      if (flushes !== this.sealedAt) {
        // A flush waits for network sinks too: their batches go now, not when they are full or
        // old, with the records logged before it (sealed before this pass, those read in it would
        // make a batch of their own).
        this.sealedAt = flushes
        sealAll()
      }
      if (moved) {
        active = true
        Atomics.add(this.hub.ints, PROGRESS, 1)
        if (performance.now() - sliceStart > (hasAsyncSinks() ? SHIPPING_SLICE_MS : SLICE_MS)) {
          await nextTurn()
          sliceStart = performance.now()
        }
        continue
      }
      this.letGo()
      await this.park(active)
      active = false
      sliceStart = performance.now()
    }
  }

  /**
   * The host's exit: every ring drained to where its thread had written, network sinks given their
   * close timeout to send what they hold (then it is spooled or counted), then EXIT_DONE.
   */
  private async serveExit(): Promise<void> {
    const request = Atomics.load(this.hub.ints, EXIT_REQUEST)
    const progress = (): number => Atomics.add(this.hub.ints, PROGRESS, 1)
    for (const ring of this.rings.values()) {
      if (ring.running) ring.drainTo(Atomics.load(ring.views.control, WRITE), progress)
    }
    if (hasAsyncSinks()) {
      // The host waits while there is progress: sending within the timeout is.
      const ticking = setInterval(progress, 100)
      await settleAll()
      clearInterval(ticking)
    }
    this.exitServed = request
    Atomics.store(this.hub.ints, EXIT_DONE, request)
    Atomics.notify(this.hub.ints, EXIT_DONE)
  }

  /** Rings that are done: closed by their logger once written, or whose thread is gone. */
  private letGo(): void {
    const now = performance.now()
    for (const ring of this.rings.values()) {
      if (ring.closing && !ring.running && !ring.handedOver) {
        // Closed by its thread, which wrote what the ring held itself.
        this.rings.delete(ring.id)
      } else if (ring.closing && ring.running && !ring.pending && !ring.midFrame) {
        void this.release(ring, STATE_CLOSED)
      } else if (!ring.closing && ring.threadGone(now)) {
        // Its thread ended before it could send its bindings table: what it left is written without it.
        if (!ring.running) ring.run()
        else void this.release(ring, STATE_GONE)
      }
    }
  }

  /** Closes the ring's destinations (the last ring that writes one closes it) and tells who waits. */
  private async release(ring: DrainedRing, state: typeof STATE_CLOSED | typeof STATE_GONE): Promise<void> {
    this.rings.delete(ring.id)
    ring.pipeline?.close()
    // Archives of rotated files are finished before the thread hears the ring is closed.
    await ring.pipeline?.idle()
    const { control } = ring.views
    Atomics.store(control, STATE, state)
    if (state === STATE_CLOSED) {
      // close() waits on READ.
      Atomics.notify(control, READ)
    } else {
      // A thread taken for gone that was only busy sees it when its waiter wakes.
      Atomics.notify(control, ALIVE)
      this.post({ type: 'gone', ring: ring.id })
    }
    if (![...this.rings.values()].some((other) => other.thread === ring.thread)) this.hub.forget(ring.thread)
  }

  private pending(): boolean {
    if (Atomics.load(this.hub.ints, EXIT_REQUEST) !== this.exitServed) return true
    for (const ring of this.rings.values()) if (ring.pending || (ring.closing && ring.running && !ring.midFrame)) return true
    return false
  }

  /** Waits for the doorbell: DOZE_MS at most after a turn that read frames, PARK_MS (or for ever without rings) otherwise. */
  private async park(dozing: boolean): Promise<void> {
    const { ints } = this.hub
    Atomics.store(ints, SLEEP, dozing ? DOZING : PARKED)
    const wake = Atomics.load(ints, WAKE)
    // Look again after raising the flag: a frame published before its producer saw it is here now.
    if (!this.pending()) {
      const timeout = dozing ? DOZE_MS : this.rings.size > 0 ? PARK_MS : Infinity
      const wait = Atomics.waitAsync(ints, WAKE, wake, timeout)
      if (wait.async) await wait.value
    }
    Atomics.store(ints, SLEEP, AWAKE)
  }

  private tell(thread: number, message: ToThread): void {
    this.hub.tell(thread, message)
  }

  private post(message: ToDrain): void {
    this.channel?.postMessage(message)
  }
}

// piscina loads this module when it starts the thread, before any task: draining begins here.
const drain = new Drain(workerData as DrainData)

/**
 * The piscina task: hands over the host's control port and every ring known to the host, and
 * returns at once. The worker goes on draining on its own event loop, so piscina sees an idle
 * thread and holds nothing that keeps the process open.
 */
export default function attach(task: DrainTask): void {
  drain.attach(task)
}
