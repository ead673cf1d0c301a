/**
 * Waits for `promise` with the event loop kept alive. Network sinks wait with Atomics.waitAsync and
 * unref'd timers, which hold no handle: without one, a process with nothing else to do ended in the
 * middle of an awaited flush() or close() (a top-level await never settled: exit code 13). Used
 * where those waits are: a sender's close, and a flush waiting on the sinks' counters.
 */
export async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const alive = setInterval(() => {}, 1 << 30)
  try {
    return await promise
  } finally {
    clearInterval(alive)
  }
}
