import { Writable } from 'node:stream'

/** What `captureLogs()` gives: a stream to log to, and what was written to it. */
export interface LogCapture {
  /** A Writable that keeps what it is given: `createLogger({ destination: capture.stream })`. */
  readonly stream: Writable
  /** The lines written so far, exactly as formatted, without their line feeds. */
  lines(): string[]
  /** The lines parsed as JSON: for the json format (another format's line throws JSON.parse's error). */
  records(): Record<string, unknown>[]
  /** Forgets what was written so far. */
  clear(): void
}

/**
 * For tests: a stream sink that keeps the exact bytes the drain worker wrote, in memory. Call
 * `await log.flush()` before reading: the worker writes a little later than the log call.
 *
 * @example
 * const capture = captureLogs()
 * const log = createLogger({ destination: capture.stream })
 * log.info('hello', { user: 7 })
 * await log.flush()
 * capture.records() // [{ time: '…', level: 'info', msg: 'hello', user: 7 }]
 */
export function captureLogs(): LogCapture {
  let text = ''
  const decoder = new TextDecoder()
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      // Batches are whole records; streaming decode keeps a character split across writes whole all the same.
      text += decoder.decode(chunk, { stream: true })
      callback()
    },
  })
  const lines = (): string[] => {
    const all = text.split('\n')
    all.pop()
    return all
  }
  return {
    stream,
    lines,
    records: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      text = ''
    },
  }
}
