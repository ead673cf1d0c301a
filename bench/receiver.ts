/** Starts bench/ship-receiver.js in a process of its own and reads what it says. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { fail } from './numbers.js'

const RECEIVER = fileURLToPath(new URL('./ship-receiver.js', import.meta.url))

export interface ReceiverResult {
  records: number
  requests: number
  wireBytes: number
  /** The receiver's own CPU, user and system, in microseconds. */
  cpuUs: number
}

export interface Receiver {
  /** The HTTP and the TCP port (in stall mode the same one). */
  ports: [number, number]
  /** Its next line, split at spaces. */
  next(): Promise<string[]>
  /** Ends it; resolves to what it counted. */
  stop(): Promise<ReceiverResult>
}

function lines(child: ChildProcess): () => Promise<string[]> {
  const iterator = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return async () => {
    const line = await iterator.next()
    return line.done === true ? fail('the receiver ended early') : line.value.split(' ')
  }
}

/** A receiver counting `records` (mode 'count') or stalling every connection (mode 'stall'), listening once this resolves. */
export async function startReceiver(mode: 'count' | 'stall', records = 0): Promise<Receiver> {
  const child = spawn(process.execPath, [RECEIVER, mode, String(records)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const next = lines(child)
  const [word, http, tcp] = await next()
  if (word !== 'ports') fail(`receiver: expected "ports", got ${word}`)
  return {
    ports: [Number(http), Number(tcp)],
    next,
    async stop() {
      child.kill('SIGTERM')
      for (;;) {
        const [head, ...values] = await next()
        if (head === 'final') {
          const [counted, requests, wireBytes, cpuUs] = values.map(Number)
          return { records: counted, requests, wireBytes, cpuUs }
        }
      }
    },
  }
}
