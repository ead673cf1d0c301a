/**
 * The destination of the shipping benchmarks (bench/ship.ts, bench/ship-down.ts), in a process of
 * its own so that the logging process's CPU and memory are the logger's alone.
 *
 *   node dist/bench/ship-receiver.js count N   an HTTP server (NDJSON bodies, gzip or not) and a TCP
 *                                              server (newline-terminated records) on 127.0.0.1 that
 *                                              count records; prints `received N AT` once N have come
 *   node dist/bench/ship-receiver.js stall     a TCP server that accepts and never reads nor answers
 *
 * It prints `ports HTTP TCP` once listening (in stall mode both are the stalling port). AT is
 * `performance.timeOrigin + performance.now()`, comparable with the same clock in the logging process.
 * On SIGTERM it prints `final RECORDS REQUESTS WIRE_BYTES CPU_US` and exits.
 */
import { createServer } from 'node:http'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { gunzipSync } from 'node:zlib'

const NEWLINE = 0x0a
const HOST = '127.0.0.1'

const [mode, expectedArg] = process.argv.slice(2)
const expected = Number(expectedArg)
const cpuBefore = process.cpuUsage()
let records = 0
let requests = 0
let wireBytes = 0
let announced = false

function newlines(bytes: Buffer): number {
  let n = 0
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) n++
  return n
}

function counted(n: number): void {
  records += n
  if (!announced && records >= expected) {
    announced = true
    process.stdout.write(`received ${records} ${performance.timeOrigin + performance.now()}\n`)
  }
}

function listen(server: Server | ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as { port: number }).port)))
}

async function count(): Promise<[number, number]> {
  const http = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      wireBytes += chunk.length
    })
    req.on('end', () => {
      requests++
      const body = Buffer.concat(chunks)
      counted(newlines(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body))
      res.end()
    })
  })
  // A record may straddle two chunks; its newline is in exactly one of them.
  const tcp = createTcpServer((socket) => socket.on('data', (chunk: Buffer) => {
    wireBytes += chunk.length
    counted(newlines(chunk))
  }))
  return [await listen(http), await listen(tcp)]
}

async function stall(): Promise<[number, number]> {
  // Held, never read: the sender's writes fill the socket buffers and its requests wait for an answer.
  const held: Socket[] = []
  const port = await listen(createTcpServer((socket) => {
    socket.pause()
    held.push(socket)
  }))
  return [port, port]
}

const [httpPort, tcpPort] = mode === 'count' && Number.isInteger(expected) && expected > 0 ? await count() : mode === 'stall' ? await stall() : usage()
process.once('SIGTERM', () => {
  const cpu = process.cpuUsage(cpuBefore)
  process.stdout.write(`final ${records} ${requests} ${wireBytes} ${cpu.user + cpu.system}\n`, () => process.exit(0))
})
process.stdout.write(`ports ${httpPort} ${tcpPort}\n`)

function usage(): never {
  throw new Error('usage: ship-receiver.js count N | ship-receiver.js stall')
}
