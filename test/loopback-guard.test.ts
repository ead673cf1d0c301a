import dgram from 'node:dgram'
import { createServer } from 'node:http'
import net from 'node:net'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'

/** test/helpers/loopback-guard.cjs: anything but 127.0.0.1 fails the test at once, in any thread. */
describe('the loopback guard', () => {
  it('refuses TCP and fetch to another address, naming it', async () => {
    expect(() => net.connect({ host: '169.254.169.254', port: 80 })).toThrow('test guard: a connection to 169.254.169.254:80 was attempted; tests may reach 127.0.0.1 only')
    expect(() => net.connect(443, '10.0.0.1')).toThrow('10.0.0.1:443')
    // fetch wraps the guard's error as its cause.
    const failure = await fetch('http://169.254.169.254/latest/meta-data/').then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: Error },
    )
    expect(failure?.cause?.message).toContain('169.254.169.254:80')
  })

  it('refuses UDP to another address', () => {
    const socket = dgram.createSocket('udp4')
    try {
      expect(() => socket.send('x', 514, '192.0.2.7')).toThrow('192.0.2.7:514')
    } finally {
      socket.close()
    }
  })

  it('refuses in a worker thread too (the drain worker runs the sinks\' SDKs)', async () => {
    const worker = new Worker(`
      const net = require('node:net')
      try { net.connect({ host: '169.254.169.254', port: 80 }); require('node:worker_threads').parentPort.postMessage('connected') }
      catch (error) { require('node:worker_threads').parentPort.postMessage(error.message) }
    `, { eval: true })
    const [message] = await new Promise<unknown[]>((resolve) => worker.once('message', (...args) => resolve(args)))
    await worker.terminate()
    expect(message).toBe('test guard: a connection to 169.254.169.254:80 was attempted; tests may reach 127.0.0.1 only')
  })

  it('lets a request to 127.0.0.1 through', async () => {
    const server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as net.AddressInfo
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok')
    } finally {
      server.close()
    }
  })
})
