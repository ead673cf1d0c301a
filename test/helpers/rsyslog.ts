import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import { freePort } from './scripted-server.js'
import { until } from './until.js'

const SCRIPT = new URL('../../scripts/services/rsyslog.sh', import.meta.url).pathname

/** One message as rsyslog parsed it (its %jsonmesg%, after mmpstrucdata). */
export interface Parsed {
  msg: string
  rawmsg: string
  hostname: string
  'app-name': string
  procid: string
  msgid: string
  syslogtag: string
  syslogfacility: string
  syslogseverity: string
  timereported: string
  'protocol-version': string
  'structured-data': string
  inputname: string
  '$!': { 'rfc5424-sd'?: Record<string, Record<string, string>> } | null
}


async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * A private rsyslogd (scripts/services/rsyslog.sh) on free ports of 127.0.0.1, for one test
 * file: start() in beforeAll, close() in afterAll; restart() in the middle of a test.
 */
export class Rsyslog {
  private child: ChildProcess | undefined
  /** Messages before this many were another test's (clear()). */
  private skip = 0
  /** messages.json as far as it was read: its whole lines parsed, the bytes of a line rsyslogd is still writing, the bytes read. */
  private readonly parsed: Parsed[] = []
  private partial = Buffer.alloc(0)
  private offset = 0

  /** `tlsPort` is rsyslog's GnuTLS driver, `osslPort` its OpenSSL driver. */
  private constructor(readonly dir: string, readonly udpPort: number, readonly tcpPort: number, readonly tlsPort: number, readonly osslPort: number) {}

  static async start(): Promise<Rsyslog> {
    const rsyslog = new Rsyslog(mkdtempSync(join(tmpdir(), 'ringlog-rsyslog-')), await freeUdpPort(), await freePort(), await freePort(), await freePort())
    await rsyslog.run()
    return rsyslog
  }

  get ca(): string {
    return join(this.dir, 'ca.pem')
  }

  get pidFile(): string {
    return join(this.dir, 'rsyslogd.pid')
  }

  /** Starts rsyslogd and waits for its TCP and TLS ports (UDP opens with them). */
  private async run(): Promise<void> {
    const log = openSync(join(this.dir, 'rsyslogd.log'), 'a')
    const child = spawn('bash', [SCRIPT, this.dir, String(this.udpPort), String(this.tcpPort), String(this.tlsPort), String(this.osslPort)], { stdio: ['ignore', log, log] })
    closeSync(log)
    this.child = child
    let exited = false
    child.once('exit', () => (exited = true))
    await until(async () => {
      if (exited) throw new Error(`rsyslogd exited: ${readFileSync(join(this.dir, 'rsyslogd.log'), 'utf8')}`)
      return (await accepts(this.tcpPort)) && (await accepts(this.tlsPort)) && (await accepts(this.osslPort))
    }, 'rsyslogd to listen')
  }

  /** SIGTERM, as a service manager stops it: rsyslogd writes what it has read, then exits and removes its pid file. */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    await until(() => !existsSync(this.pidFile), 'the pid file to go')
  }

  /** Stops it and removes its directory. */
  async close(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.run()
  }

  /** What rsyslog wrote since the last clear(), whole lines only. */
  messages(): Parsed[] {
    return this.read().slice(this.skip)
  }

  /** Polls until rsyslog has written at least `count` messages; returns them all. */
  async received(count: number, ms?: number): Promise<Parsed[]> {
    let messages: Parsed[] = []
    await until(() => (messages = this.messages()).length >= count, `${count} messages from rsyslog (${this.messages().length} so far)`, ms)
    return messages
  }

  /** Forgets what was received: each test reads only its own messages. (rsyslogd keeps the file open: it stays.) */
  clear(): void {
    this.skip = this.read().length
  }

  /** Parses what was added to messages.json since the last call: tests poll it, and it grows to tens of MB. */
  private read(): Parsed[] {
    const file = join(this.dir, 'messages.json')
    if (!existsSync(file)) return this.parsed
    const fd = openSync(file, 'r')
    try {
      const size = fstatSync(fd).size
      if (size > this.offset) {
        const added = Buffer.alloc(size - this.offset)
        readSync(fd, added, 0, added.length, this.offset)
        this.offset = size
        const bytes = Buffer.concat([this.partial, added])
        const end = bytes.lastIndexOf(0x0a) + 1
        for (const line of bytes.toString('utf8', 0, end).split('\n').slice(0, -1)) this.parsed.push(JSON.parse(line) as Parsed)
        this.partial = bytes.subarray(end)
      }
    } finally {
      closeSync(fd)
    }
    return this.parsed
  }
}
