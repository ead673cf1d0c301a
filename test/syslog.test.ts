import { createServer, type Socket } from 'node:net'
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { Rsyslog, type Parsed } from './helpers/rsyslog.js'
import { until } from './helpers/until.js'

const TIME = Date.UTC(2024, 4, 1, 10, 0, 0, 123)
const BOM = '\ufeff'
const MESSAGE = 'héllo wörld ✓ 日本'
const FIELDS = { event: 'user.login', user: { id: 7, name: 'Zoë' }, quote: 'a"b\\c]d', tags: ['x', 'y'], ok: true, none: null }
/** FIELDS as rsyslog's mmpstrucdata gives them back: flattened with dots, every value text. */
const PARAMS = { event: 'user.login', 'user.id': '7', 'user.name': 'Zoë', quote: 'a"b\\c]d', tags: '["x","y"]', ok: 'true', none: 'null' }
/** Where the 5424 tests send: their own header, so each test finds its records. */
const HEADER = { hostname: 'web-1.example', appName: 'ringlog-test', procid: 4242, facility: 'local3' } as const

let rsyslog: Rsyslog
beforeAll(async () => {
  rsyslog = await Rsyslog.start()
})
afterAll(async () => {
  await rsyslog?.close()
})

const loggers: Logger[] = []
beforeEach(() => rsyslog.clear())
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((log) => log.close()))
})

function kept<L extends Logger>(log: L): L {
  loggers.push(log)
  return log
}

const FAST_RETRY = { retry: { minDelay: 20, maxDelay: 200 }, circuit: { failures: 1000, probe: 100 } } as const

describe('syslog sink against rsyslog', () => {
  const transports = [
    { protocol: 'udp', port: () => rsyslog.udpPort, extra: () => ({}), driver: '' },
    { protocol: 'tcp', port: () => rsyslog.tcpPort, extra: () => ({}), driver: '' },
    { protocol: 'tls', port: () => rsyslog.tlsPort, extra: () => ({ ca: rsyslog.ca }), driver: ' (rsyslog\'s GnuTLS driver)' },
    { protocol: 'tls', port: () => rsyslog.osslPort, extra: () => ({ ca: rsyslog.ca }), driver: ' (rsyslog\'s OpenSSL driver)' },
  ] as const

  it.each(transports)('RFC 5424 over $protocol$driver: rsyslog parses the header, the structured data and the non-ASCII message as they were logged', async ({ protocol, port, extra }) => {
    const log = kept(createLogger({
      now: () => TIME,
      sinks: [{ type: 'syslog', protocol, port: port(), ...extra(), ...HEADER, msgid: { field: 'event' } }],
    }))
    log.info(MESSAGE, FIELDS)
    log.error('no fields')
    await log.flush()
    const [first, second] = await rsyslog.received(2)
    expect(first).toMatchObject({
      'protocol-version': '1',
      timereported: '2024-05-01T10:00:00.123Z',
      hostname: 'web-1.example',
      'app-name': 'ringlog-test',
      procid: '4242',
      msgid: 'user.login',
      syslogfacility: '19',
      syslogseverity: '6',
      // A message that is not ASCII is marked UTF-8 with the BOM (RFC 5424 MSG-UTF8); rsyslog keeps it.
      msg: BOM + MESSAGE,
      inputname: protocol === 'udp' ? 'imudp' : 'imtcp',
    })
    expect(first['$!']?.['rfc5424-sd']).toEqual({ 'ringlog@32473': PARAMS })
    expect(second).toMatchObject({ msgid: '-', 'structured-data': '-', msg: 'no fields', syslogseverity: '3', '$!': null })
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 2, failed: 0, retried: 0 })
  })

  it('RFC 3164 over UDP and TCP: rsyslog parses the time, host, tag, pid and message, the fields as logfmt after it', async () => {
    const log = kept(createLogger({
      now: () => TIME,
      sinks: [
        { type: 'syslog', rfc: '3164', port: rsyslog.udpPort, hostname: 'web-1', appName: 'legacy', procid: 99, facility: 'daemon' },
        { type: 'syslog', rfc: 3164, protocol: 'tcp', port: rsyslog.tcpPort, hostname: 'web-1', appName: 'legacy', procid: 99, facility: 'daemon' },
      ],
    }))
    log.warn('disk almost full', { mount: '/var', free: '3%' })
    await log.flush()
    const messages = await rsyslog.received(2)
    const local = new Date(TIME)
    for (const message of messages) {
      expect(message).toMatchObject({
        'protocol-version': '0',
        hostname: 'web-1',
        'app-name': 'legacy',
        syslogtag: 'legacy[99]:',
        procid: '99',
        syslogfacility: '3',
        syslogseverity: '4',
        // rsyslog keeps the space after the tag's colon.
        msg: ' disk almost full mount=/var free=3%',
      })
      // 3164 has no year and no zone: the process's local time of day, which rsyslog reads as its own.
      expect(message.timereported.slice(5, 19)).toBe(`05-01T${String(local.getHours()).padStart(2, '0')}:00:00`)
    }
    expect(messages.map((m) => m.inputname).sort()).toEqual(['imtcp', 'imudp'])
  })

  it('maps levels to severities: trace and debug 7, info 6, warn 4, error 3, fatal 2, a custom level by the nearest standard one', async () => {
    const log = kept(createLogger({
      level: 'trace',
      customLevels: { notice: 35, audit: 33, emergency: 70 },
      sinks: [{ type: 'syslog', protocol: 'tcp', port: rsyslog.tcpPort, facility: 0 }],
    }))
    for (const level of ['trace', 'debug', 'info', 'audit', 'notice', 'warn', 'error', 'fatal', 'emergency'] as const) log[level](level)
    await log.flush()
    const messages = await rsyslog.received(9)
    expect(Object.fromEntries(messages.map((m) => [m.msg, Number(m.syslogseverity)]))).toEqual({
      trace: 7, debug: 7, info: 6, audit: 6, notice: 4, warn: 4, error: 3, fatal: 2, emergency: 2,
    })
    expect(new Set(messages.map((m) => m.syslogfacility))).toEqual(new Set(['0']))
  })

  it('cuts a record to maxMessageBytes: the header whole, the message to what is left, parameters that fit whole', async () => {
    const log = kept(createLogger({ sinks: [{ type: 'syslog', port: rsyslog.udpPort, ...HEADER }] }))
    const long = 'ü'.repeat(1500) // 3,000 bytes
    log.info(long, { small: 1, big: 'x'.repeat(3000), after: 2 })
    log.info('short', { small: 1, big: 'x'.repeat(3000), after: 2 })
    await log.flush()
    const [cut, short] = await rsyslog.received(2)
    // The default for UDP: 2,048 bytes (RFC 5426); the message took what the header left.
    expect(Buffer.byteLength(cut.rawmsg)).toBeLessThanOrEqual(2048)
    expect(Buffer.byteLength(cut.rawmsg)).toBeGreaterThan(2040)
    expect(long.startsWith(cut.msg.slice(1))).toBe(true)
    expect(cut['structured-data']).toBe('[ringlog@32473 small="1" after="2"]')
    expect(short.msg).toBe('short')
    expect(short['$!']?.['rfc5424-sd']).toEqual({ 'ringlog@32473': { small: '1', after: '2' } })
  })

  it('frames with LF when asked: a newline inside a record is written #012, as rsyslog shows control characters', async () => {
    const log = kept(createLogger({ sinks: [{ type: 'syslog', protocol: 'tcp', framing: 'lf', port: rsyslog.tcpPort, ...HEADER }] }))
    log.info('two\nlines', { stack: 'at a\nat b' })
    log.info('next')
    await log.flush()
    const [first, second] = await rsyslog.received(2)
    expect(first.msg).toBe('two#012lines')
    expect(first['$!']?.['rfc5424-sd']).toEqual({ 'ringlog@32473': { stack: 'at a#012at b' } })
    expect(second.msg).toBe('next')
  })

  it('delivers 50,000 records over TCP with none lost while rsyslog restarts in the middle', async () => {
    const log = kept(createLogger({
      sinks: [{ type: 'syslog', protocol: 'tcp', port: rsyslog.tcpPort, ...HEADER, batch: { records: 1000 }, ...FAST_RETRY }],
    }))
    const total = 50_000
    let restarted = false
    const logging = (async () => {
      for (let i = 0; i < total; i++) {
        log.info('record', { i })
        // Logged at about the rate the sink sends, so the restart falls in the middle of the stream.
        if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    await until(() => rsyslog.messages().length >= 15_000, '15,000 records before the restart', 60_000)
    await rsyslog.restart()
    restarted = true
    await logging
    await log.flush()
    const seen = new Map<number, number>()
    await until(() => {
      seen.clear()
      for (const message of rsyslog.messages()) {
        const i = message['$!']?.['rfc5424-sd']?.['ringlog@32473']?.i
        if (i !== undefined) seen.set(Number(i), (seen.get(Number(i)) ?? 0) + 1)
      }
      return seen.size === total
    }, 'every record', 60_000).catch(() => {})
    const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !seen.has(i))
    expect(restarted).toBe(true)
    expect(missing).toEqual([])
    const duplicates = [...seen.values()].filter((n) => n > 1).length
    // The batches written within settleTime (100 ms) before the reset are sent again whole: what rsyslog had read of them arrives twice.
    expect(duplicates).toBeLessThanOrEqual(20_000)
    const metrics = log.metrics().sinks[0]
    expect(metrics).toMatchObject({ sent: total, failed: 0, dropped: 0 })
    expect(metrics.retried).toBeGreaterThan(0)
    console.log(`restart: ${duplicates} records arrived twice, ${metrics.retried} sent again`)
  })
})

describe('syslog sink against a plain TCP server', () => {
  interface Server {
    port: number
    /** Every connection's bytes. */
    connections: Buffer[][]
    sockets: Socket[]
    close(): void
  }

  async function tcpServer(): Promise<Server> {
    const connections: Buffer[][] = []
    const sockets: Socket[] = []
    const server = createServer((socket) => {
      const chunks: Buffer[] = []
      connections.push(chunks)
      sockets.push(socket)
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      port: (server.address() as { port: number }).port,
      connections,
      sockets,
      close: () => {
        for (const socket of sockets) socket.destroy()
        server.close()
      },
    }
  }

  const text = (server: Server): string => server.connections.map((chunks) => Buffer.concat(chunks).toString('utf8')).join('')

  it('writes RFC 5424 with octet counting, byte for byte, over one connection kept between batches', async () => {
    const server = await tcpServer()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'syslog', protocol: 'tcp', port: server.port, ...HEADER, structuredDataId: 'shop@32473', settleTime: 0 }] }))
    log.info(MESSAGE, { 'a b': 1, 'x=y': 'q"]', [`k${'k'.repeat(40)}`]: 2 })
    await log.flush()
    log.debug('dropped by level')
    log.warn('second batch')
    await log.flush()
    await until(() => text(server).endsWith('second batch'), 'both batches')
    const first = `<158>1 2024-05-01T10:00:00.123Z web-1.example ringlog-test 4242 - [shop@32473 a_b="1" x_y="q\\"\\]" ${`k${'k'.repeat(31)}`}="2"] ${BOM}${MESSAGE}`
    const second = '<156>1 2024-05-01T10:00:00.123Z web-1.example ringlog-test 4242 - - second batch'
    expect(text(server)).toBe(`${Buffer.byteLength(first)} ${first}${second.length} ${second}`)
    expect(server.connections).toHaveLength(1)
    server.close()
  })

  it('connects again after the server dropped the connection, and sends the batch that found it gone', async () => {
    const server = await tcpServer()
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'syslog', protocol: 'tcp', port: server.port, ...HEADER, utf8Bom: false, ...FAST_RETRY }] }))
    log.info('before')
    await log.flush()
    await until(() => text(server).endsWith('before'), 'the first batch')
    server.sockets[0].destroy()
    log.info('after')
    await log.flush()
    await until(() => text(server).endsWith('after'), 'the second batch')
    expect(server.connections).toHaveLength(2)
    expect(Buffer.concat(server.connections[1]).toString()).toMatch(/^\d+ <\d+>1 .* - - after$/)
    // The drop was seen before the write (the connection is read for the server's FIN): nothing was sent again.
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 2, failed: 0, retried: 0 })
    server.close()
  })

  it('sends a batch again whole when the server resets the connection within settleTime of its write', async () => {
    const server = await tcpServer()
    // This server reads a batch, then resets the connection 20 ms later, as rsyslog does when it stops.
    let resets = 0
    const log = kept(createLogger({ now: () => TIME, sinks: [{ type: 'syslog', protocol: 'tcp', port: server.port, ...HEADER, settleTime: 500, ...FAST_RETRY }] }))
    log.info('once')
    log.info('twice')
    const flushed = log.flush()
    await until(() => text(server).endsWith('twice'), 'the batch')
    setTimeout(() => {
      resets++
      server.sockets[0].resetAndDestroy()
    }, 20)
    await flushed
    expect(resets).toBe(1)
    expect(server.connections).toHaveLength(2)
    expect(Buffer.concat(server.connections[1]).toString()).toBe(Buffer.concat(server.connections[0]).toString())
    expect(log.metrics().sinks[0]).toMatchObject({ sent: 2, retried: 2, failed: 0 })
    server.close()
  })
})

describe('syslog sink options', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['protocol', { protocol: 'smtp' }, /invalid option sinks\[0\]\.protocol: "smtp"; expected one of 'udp', 'tcp', 'tls'/],
    ['rfc', { rfc: 5425 }, /sinks\[0\]\.rfc: "5425"; expected one of '5424', '3164'/],
    ['facility', { facility: 'local8' }, /sinks\[0\]\.facility: "local8"; expected a facility name/],
    ['facility number', { facility: 24 }, /sinks\[0\]\.facility: 24;/],
    ['port', { port: 0 }, /sinks\[0\]\.port: 0; expected a port number/],
    ['appName', { appName: 'my app' }, /sinks\[0\]\.appName: "my app"; expected 1 to 48 printable US-ASCII/],
    ['3164 tag', { rfc: '3164', appName: 'a:b' }, /sinks\[0\]\.appName: "a:b"; expected .*RFC 3164 TAG/],
    ['hostname', { hostname: 'h'.repeat(256) }, /sinks\[0\]\.hostname: "h+"; expected 1 to 255/],
    ['msgid', { msgid: { name: 'event' } }, /sinks\[0\]\.msgid: \{"name":"event"\}; expected \{ field: 'name' \}/],
    ['structuredDataId', { structuredDataId: 'my id@1' }, /sinks\[0\]\.structuredDataId: "my id@1"; expected an SD-ID/],
    ['maxMessageBytes', { maxMessageBytes: 100 }, /sinks\[0\]\.maxMessageBytes: 100; expected a size from 480 bytes to 65507/],
    ['framing over udp', { framing: 'lf' }, /sinks\[0\]\.framing: "lf"; expected no value: UDP/],
    ['framing', { protocol: 'tcp', framing: 'nul' }, /sinks\[0\]\.framing: "nul"; expected one of 'octet-counting', 'lf'/],
    ['ca without tls', { protocol: 'tcp', ca: 'x' }, /sinks\[0\]\.ca: "x"; expected no value: it is for protocol 'tls'/],
    ['ca file', { protocol: 'tls', ca: '/nonexistent/ca.pem' }, /sinks\[0\]\.ca: "\/nonexistent\/ca.pem"; expected PEM text or a readable file \(ENOENT/],
    ['timeout', { timeout: 'soon' }, /sinks\[0\]\.timeout: "soon"; expected a duration/],
    ['unknown', { colour: 'red' }, /sinks\[0\]\.colour: "red"; expected no such option of a 'syslog' sink/],
  ]

  it.each(bad)('throws from createLogger() naming the sink, the option and the value: %s', (_, options, message) => {
    expect(() => createLogger({ sinks: [{ type: 'syslog', ...options } as never] })).toThrow(message)
  })

  it('reads ca as PEM text or from a file', async () => {
    const pem = readFileSync(rsyslog.ca, 'utf8')
    const log = kept(createLogger({ now: () => TIME, sinks: [
      { type: 'syslog', protocol: 'tls', port: rsyslog.tlsPort, ca: pem, servername: 'localhost', ...HEADER },
      { type: 'syslog', protocol: 'tls', port: rsyslog.tlsPort, ca: rsyslog.ca, ...HEADER },
    ] }))
    log.info('over tls')
    await log.flush()
    const messages: Parsed[] = await rsyslog.received(2)
    expect(messages.map((m) => m.msg)).toEqual(['over tls', 'over tls'])
  })

  it('over UDP, notices a closed port (ICMP port unreachable) on the next send, retries and says so in lastError', async () => {
    const log = kept(createLogger({ sinks: [{ type: 'syslog', port: rsyslog.tcpPort, batch: { records: 10 }, closeTimeout: 300, ...FAST_RETRY }] }))
    for (let i = 0; i < 30; i++) log.info('nobody listens on this UDP port', { i })
    await log.flush()
    const metrics = log.metrics().sinks[0]
    expect(metrics.lastError).toMatch(/^send: udp 127\.0\.0\.1:\d+: send ECONNREFUSED$/)
    expect(metrics.retried).toBeGreaterThan(0)
    expect(metrics.sent).toBe(0)
  })

  it('refuses a server whose certificate it cannot verify, and says why in lastError', async () => {
    const log = kept(createLogger({ sinks: [{ type: 'syslog', protocol: 'tls', port: rsyslog.tlsPort, closeTimeout: 300, ...FAST_RETRY }] }))
    log.info('not trusted')
    await log.flush()
    expect(log.metrics().sinks[0].lastError).toMatch(/^send: tls 127\.0\.0\.1:\d+: unable to verify the first certificate$/)
    expect(log.metrics().sinks[0].sent).toBe(0)
  })
})
