/**
 * One 'exit' listener for every live logger (not one each, which would trip Node's listener
 * warning), and the opt-in signal handlers.
 */

interface Drainable {
  drainSync(): void
}

const live = new Set<Drainable>()
let listening = false

function drainAll(): void {
  for (const transport of live) {
    try {
      transport.drainSync()
    } catch {
      // One logger failing at exit must not keep the others from writing.
    }
  }
}

/**
 * 'exit' runs for process.exit(), for the end of the event loop and after an uncaught exception;
 * worker threads still run during it, so a transport can wait for its worker synchronously.
 */
export function drainOnExit(transport: Drainable): void {
  live.add(transport)
  if (!listening) {
    process.on('exit', drainAll)
    listening = true
  }
}

export function forgetOnExit(transport: Drainable): void {
  live.delete(transport)
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * Handlers that drain, then end the process as the signal would have (re-raised with the default
 * action), unless the application has its own handler for it, which then decides. Returns a
 * function that removes them.
 */
export function drainOnSignals(transport: Drainable): () => void {
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      transport.drainSync()
      remove()
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    process.on(signal, handler)
    return [signal, handler] as const
  })
  const remove = (): void => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler)
  }
  return remove
}
