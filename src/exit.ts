import { isMainThread } from 'node:worker_threads'
import { shared } from './shared.js'

/**
 * Exit and signals, once for the process: one 'exit' listener for every live logger of the thread
 * (not one each, which would trip Node's listener warning), and the signal handlers.
 */

interface Drainable {
  /**
   * Before the drain worker is asked to write every ring: a ring this thread must write itself
   * (its stream sinks' bytes would go back through an event loop that no longer turns) is taken.
   */
  holdForExit(): void
  /** Writes what the drain worker did not; `final` at exit, after which records are written on the spot. */
  drainSync(final: boolean): void
}

interface Flushable {
  /** Records logged are not yet where flush() takes them. */
  readonly pending: boolean
  flush(): Promise<void>
}

interface Host {
  /** Asks the drain worker to write every thread's ring and waits until it has. */
  drainEverything(): boolean
}

/**
 * One of each per thread, also with both builds of ringlog loaded: the loggers of either are
 * drained by one 'exit' listener, after one request to the drain worker.
 */
const state = shared('exit', () => ({
  live: new Set<Drainable>(),
  streaming: new Set<Flushable>(),
  host: undefined as Host | undefined,
  listening: false,
  beforeExit: false,
  handlers: [] as [Handled, () => void][],
}))
const { live } = state

/** Everything logged so far, in every thread's ring, written before this returns. */
function drainAll(final: boolean): void {
  for (const transport of live) transport.holdForExit()
  try {
    state.host?.drainEverything()
  } catch {
    // The rings of this thread are written below all the same.
  }
  for (const transport of live) {
    try {
      transport.drainSync(final)
    } catch {
      // One logger failing at exit must not keep the others from writing.
    }
  }
}

/**
 * 'exit' runs for process.exit(), for the end of the event loop and after an uncaught exception;
 * worker threads still run during it, so the drain worker can be waited for synchronously.
 */
function listen(): void {
  if (state.listening) return
  process.on('exit', () => drainAll(true))
  state.listening = true
}

export function drainOnExit(transport: Drainable): void {
  live.add(transport)
  listen()
}

export function forgetOnExit(transport: Drainable): void {
  live.delete(transport)
}

/**
 * A logger with stream sinks is flushed when the event loop runs out of work: the drain worker
 * hands their bytes back through the thread's event loop, which 'exit' no longer turns. The flush
 * keeps the loop alive until the streams have them; 'beforeExit' comes again after, and finds
 * nothing pending.
 */
export function flushBeforeExit(transport: Flushable): void {
  if (!state.beforeExit) {
    process.on('beforeExit', () => {
      for (const streaming of state.streaming) if (streaming.pending) void streaming.flush()
    })
    state.beforeExit = true
  }
  state.streaming.add(transport)
}

export function forgetBeforeExit(transport: Flushable): void {
  state.streaming.delete(transport)
}

/** The host's exit writes every thread's ring, through the drain worker it runs. */
export function hostOnExit(drainHost: Host): void {
  state.host = drainHost
  listen()
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
type Handled = (typeof SIGNALS)[number]
/** Marks ringlog's own listeners, also those of another copy of ringlog in the process, so neither takes the other's for the application's. */
const SIGNAL_HANDLER = Symbol.for('ringlog.signal')
const REOPEN_HANDLER = Symbol.for('ringlog.reopen')

/** A `reopen: 'SIGHUP'` listener, which keeps SIGHUP from ending the process: ringlog's own, not the application's. */
export function markReopen(listener: () => void): () => void {
  return Object.assign(listener, { [REOPEN_HANDLER]: true })
}

function isOwn(listener: unknown, mark: symbol): boolean {
  return typeof listener === 'function' && mark in listener
}

/**
 * A signal drains every ring. With no listener of the application's for it, the process then ends
 * as the signal would have ended it: the handlers are removed and the signal raised again, to its
 * default action. With one, the application decides. SIGHUP while a logger reopens its files on it
 * is that logger's, and ends nothing.
 */
function onSignal(signal: Handled): void {
  const others = process.listeners(signal).filter((listener) => !isOwn(listener, SIGNAL_HANDLER))
  if (signal === 'SIGHUP' && others.some((listener) => isOwn(listener, REOPEN_HANDLER))) return
  drainAll(false)
  if (others.length > 0) return
  removeSignalHandlers()
  process.kill(process.pid, signal)
}

/** Installs the signal handlers (in the main thread: the only one signals reach). */
export function installSignalHandlers(): void {
  if (!isMainThread || state.handlers.length > 0) return
  state.handlers = SIGNALS.map((signal) => {
    const handler = Object.assign(() => onSignal(signal), { [SIGNAL_HANDLER]: true })
    process.on(signal, handler)
    return [signal, handler]
  })
}

export function removeSignalHandlers(): void {
  for (const [signal, handler] of state.handlers) process.removeListener(signal, handler)
  state.handlers = []
}
