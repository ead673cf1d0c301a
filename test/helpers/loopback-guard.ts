import dgram from 'node:dgram'
import net from 'node:net'

/**
 * Tests talk to 127.0.0.1 only: a cloud SDK that probes a metadata server (169.254.169.254) or a
 * default endpoint must fail the test that let it, not reach out. Loaded before every test file
 * (vitest.config.ts setupFiles); TCP (and so HTTP, TLS and fetch) and UDP are checked.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1'])

function refuse(host: string, port: unknown): never {
  throw new Error(`test guard: a connection to ${host}:${String(port)} was attempted; tests may reach 127.0.0.1 only`)
}

function check(host: unknown, port: unknown): void {
  // No host means localhost to Node; a path (a Unix socket) is local too.
  if (host === undefined || host === null || host === '') return
  if (typeof host !== 'string' || !LOOPBACK.has(host)) refuse(String(host), port)
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket
const connect = net.Socket.prototype.connect as unknown as Connect
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  // Node passes [options, listener] internally; users may pass (port, host, listener) or (path, listener).
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0]
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; port?: unknown; path?: unknown }
    if (options.path === undefined) check(options.host, options.port)
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    check(typeof args[1] === 'string' ? args[1] : undefined, first)
  }
  return connect.apply(this, args)
} as typeof net.Socket.prototype.connect

type Send = (this: dgram.Socket, ...args: unknown[]) => void
const send = dgram.Socket.prototype.send as unknown as Send
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]): void {
  // send(msg, [offset, length,] port, address, callback): the address is the string after the port.
  const at = args.findIndex((arg, i) => i > 0 && typeof arg === 'string')
  if (at > 0) check(args[at], args[at - 1])
  send.apply(this, args)
} as typeof dgram.Socket.prototype.send

type UdpConnect = (this: dgram.Socket, ...args: unknown[]) => void
const udpConnect = dgram.Socket.prototype.connect as unknown as UdpConnect
dgram.Socket.prototype.connect = function guardedUdpConnect(this: dgram.Socket, ...args: unknown[]): void {
  if (typeof args[1] === 'string') check(args[1], args[0])
  udpConnect.apply(this, args)
} as typeof dgram.Socket.prototype.connect
