'use strict'
/**
 * Tests talk to 127.0.0.1 only: a cloud SDK that probes a metadata server (169.254.169.254) or a
 * default endpoint must fail the test that let it, not reach out. TCP (and so HTTP, TLS and fetch)
 * and UDP are checked. Loaded with `--require` into every test process (vitest.config.ts execArgv),
 * which Node also runs in each worker thread those processes start: the drain worker, where the
 * sinks' SDKs run, is guarded too. CommonJS, because `--import` preloads the main thread only.
 */
const dgram = require('node:dgram')
const net = require('node:net')

const INSTALLED = Symbol.for('ringlog.test.loopbackGuard')
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1'])

function refuse(host, port) {
  throw new Error(`test guard: a connection to ${host}:${String(port)} was attempted; tests may reach 127.0.0.1 only`)
}

function check(host, port) {
  // No host means localhost to Node; a path (a Unix socket) is local too.
  if (host === undefined || host === null || host === '') return
  if (typeof host !== 'string' || !LOOPBACK.has(host)) refuse(String(host), port)
}

if (!globalThis[INSTALLED]) {
  globalThis[INSTALLED] = true

  const connect = net.Socket.prototype.connect
  net.Socket.prototype.connect = function guardedConnect(...args) {
    // Node passes [options, listener] internally; users may pass (port, host, listener) or (path, listener).
    const first = Array.isArray(args[0]) ? args[0][0] : args[0]
    if (typeof first === 'object' && first !== null) {
      if (first.path === undefined) check(first.host, first.port)
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      check(typeof args[1] === 'string' ? args[1] : undefined, first)
    }
    return connect.apply(this, args)
  }

  const send = dgram.Socket.prototype.send
  dgram.Socket.prototype.send = function guardedSend(...args) {
    // send(msg, [offset, length,] port, address, callback): the address is the string after the port.
    const at = args.findIndex((arg, i) => i > 0 && typeof arg === 'string')
    if (at > 0) check(args[at], args[at - 1])
    return send.apply(this, args)
  }

  const udpConnect = dgram.Socket.prototype.connect
  dgram.Socket.prototype.connect = function guardedUdpConnect(...args) {
    if (typeof args[1] === 'string') check(args[1], args[0])
    return udpConnect.apply(this, args)
  }
}
