import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { type Batch, type Delivery, DeliveryError, recordOf } from './delivery.js'

/**
 * Syslog over UDP (RFC 5426): a datagram per record. Nothing says whether a datagram arrived;
 * the socket is connected so that at least a closed port (an ICMP port unreachable) fails the
 * next send, and the records from there on are sent again.
 */
export class SyslogDatagrams implements Delivery {
  private socket: Promise<Socket> | undefined

  constructor(private readonly options: SyslogOptions) {}

  async send(batch: Batch): Promise<void> {
    let sent = 0
    try {
      const socket = await (this.socket ??= this.open())
      // All at once: the kernel takes them in order, and a callback each says which it took.
      const sends: Promise<void>[] = []
      for (let i = 0; i < batch.count; i++) {
        const record = recordOf(batch, i)
        sends.push(new Promise((resolve, reject) => socket.send(record, (error) => (error ? reject(error) : resolve()))))
      }
      for (const result of await Promise.allSettled(sends)) {
        if (result.status === 'rejected') throw result.reason
        sent++
      }
    } catch (error) {
      const { host, port } = this.options
      throw new DeliveryError(`udp ${host}:${port}: ${(error as Error).message}`, { retry: true, delivered: sent, cause: error })
    }
  }

  async close(): Promise<void> {
    const socket = await this.socket?.catch(() => undefined)
    socket?.close()
  }

  private async open(): Promise<Socket> {
    const { host, port } = this.options
    try {
      const { address, family } = await lookup(host)
      const socket = createSocket(family === 6 ? 'udp6' : 'udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.connect(port, address, () => {
          socket.off('error', reject)
          resolve()
        })
      })
      // Errors also come through the send callbacks; an unhandled 'error' would end the worker.
      socket.on('error', () => {})
      return socket
    } catch (error) {
      this.socket = undefined
      throw error
    }
  }
}
