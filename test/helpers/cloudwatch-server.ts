import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { SignatureV4 } from '@smithy/signature-v4'

/** The fake credentials and region the tests give the SDK; every request must be signed with them. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDRINGLOGTEST', secretAccessKey: 'ringlog-test-secret' }
export const TEST_REGION = 'us-east-1'

const DAY_MS = 24 * 60 * 60 * 1000

/** SHA-256, or its HMAC with a key, as the signer takes it. */
class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = typeof secret === 'string' || secret === undefined ? secret : Buffer.from(ArrayBuffer.isView(secret) ? secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength) : secret)
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key)
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data))
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest()
  }
}

export interface StoredEvent {
  timestamp: number
  message: string
}

/**
 * A local stand-in for CloudWatch Logs' JSON 1.1 API (PutLogEvents, CreateLogGroup,
 * CreateLogStream) that checks every request as the service does: the target and content type,
 * the SigV4 signature (recomputed with the test credentials), and PutLogEvents' limits (at most
 * 10,000 events and 1,048,576 bytes counting 26 a event, an event at most 256 KiB, events in time
 * order, one call spanning at most 24 hours). What breaks a rule is answered with the service's
 * error and kept in `violations`, which a test expects empty. Events older than 14 days or more
 * than 2 hours ahead are refused in `rejectedLogEventsInfo`, as the service does.
 */
export class FakeCloudWatch {
  readonly groups = new Map<string, Map<string, StoredEvent[]>>()
  readonly violations: string[] = []
  /** Calls by operation, in order: `PutLogEvents`, `CreateLogGroup`... */
  readonly calls: string[] = []
  /** PutLogEvents calls (counted from 1) answered with a ThrottlingException. */
  throttle = new Set<number>()
  private puts = 0
  private server: Server | undefined
  private readonly signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: TEST_REGION, service: 'logs', sha256: Sha256 })
  url = ''

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => void this.answer(req, res, Buffer.concat(chunks).toString('utf8')))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`
    return this
  }

  stop(): void {
    this.server?.close()
  }

  events(group: string, stream: string): StoredEvent[] {
    return this.groups.get(group)?.get(stream) ?? []
  }

  private async answer(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '')
    const operation = target.startsWith('Logs_20140328.') ? target.slice('Logs_20140328.'.length) : ''
    this.calls.push(operation)
    if (req.method !== 'POST' || req.url !== '/') return this.violation(res, `${req.method} ${req.url}: expected POST /`)
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return this.violation(res, `content-type ${req.headers['content-type']}`)
    const signature = await this.signatureProblem(req, body)
    if (signature !== undefined) return this.violation(res, signature, 'UnrecognizedClientException', 403)
    let input: Record<string, unknown>
    try {
      input = JSON.parse(body) as Record<string, unknown>
    } catch {
      return this.violation(res, `a body that is not JSON: ${body.slice(0, 80)}`, 'SerializationException')
    }
    const group = input.logGroupName
    if (typeof group !== 'string') return this.violation(res, 'no logGroupName')
    switch (operation) {
      case 'CreateLogGroup':
        if (this.groups.has(group)) return this.error(res, 'ResourceAlreadyExistsException', 'The specified log group already exists')
        this.groups.set(group, new Map())
        return this.ok(res, {})
      case 'CreateLogStream': {
        const streams = this.groups.get(group)
        if (streams === undefined) return this.error(res, 'ResourceNotFoundException', 'The specified log group does not exist.')
        if (typeof input.logStreamName !== 'string') return this.violation(res, 'no logStreamName')
        if (streams.has(input.logStreamName)) return this.error(res, 'ResourceAlreadyExistsException', 'The specified log stream already exists')
        streams.set(input.logStreamName, [])
        return this.ok(res, {})
      }
      case 'PutLogEvents':
        return this.put(res, group, input)
      default:
        return this.violation(res, `unknown target ${target}`, 'UnknownOperationException')
    }
  }

  private put(res: ServerResponse, group: string, input: Record<string, unknown>): void {
    const n = ++this.puts
    const { logStreamName: stream, logEvents: events } = input as { logStreamName: unknown; logEvents: StoredEvent[] }
    if (typeof stream !== 'string') return this.violation(res, 'no logStreamName')
    if (!Array.isArray(events) || events.length === 0 || events.length > 10_000) return this.violation(res, `${Array.isArray(events) ? events.length : 'no'} events in one call`)
    let bytes = 0
    for (const [i, event] of events.entries()) {
      if (!Number.isInteger(event.timestamp) || typeof event.message !== 'string' || event.message === '') return this.violation(res, `event ${i} is not { timestamp, message }`)
      const size = Buffer.byteLength(event.message) + 26
      if (size > 256 * 1024) return this.violation(res, `event ${i} is ${size} bytes`)
      bytes += size
      if (i > 0 && event.timestamp < events[i - 1].timestamp) return this.violation(res, `event ${i} is earlier than the one before it`)
    }
    if (bytes > 1_048_576) return this.violation(res, `${bytes} bytes in one call`)
    if (events[events.length - 1].timestamp - events[0].timestamp > DAY_MS) return this.violation(res, 'one call spans more than 24 hours')
    const streams = this.groups.get(group)
    if (streams === undefined) return this.error(res, 'ResourceNotFoundException', 'The specified log group does not exist.')
    const stored = streams.get(stream)
    if (stored === undefined) return this.error(res, 'ResourceNotFoundException', 'The specified log stream does not exist.')
    if (this.throttle.has(n)) return this.error(res, 'ThrottlingException', 'Rate exceeded')
    const now = Date.now()
    const tooOld = events.findLastIndex((event) => event.timestamp < now - 14 * DAY_MS)
    const tooNew = events.findIndex((event) => event.timestamp > now + 2 * 60 * 60 * 1000)
    stored.push(...events.slice(tooOld + 1, tooNew === -1 ? events.length : tooNew))
    const rejected = { ...(tooOld === -1 ? {} : { tooOldLogEventEndIndex: tooOld }), ...(tooNew === -1 ? {} : { tooNewLogEventStartIndex: tooNew }) }
    this.ok(res, { nextSequenceToken: String(n), ...(Object.keys(rejected).length === 0 ? {} : { rejectedLogEventsInfo: rejected }) })
  }

  /** Undefined when the request carries a valid SigV4 signature by the test credentials for this region and service. */
  private async signatureProblem(req: IncomingMessage, body: string): Promise<string | undefined> {
    const authorization = String(req.headers.authorization ?? '')
    const parsed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization)
    if (parsed === null) return `authorization header ${JSON.stringify(authorization)}`
    const [, key, , region, service, signed, signature] = parsed
    if (key !== TEST_CREDENTIALS.accessKeyId || region !== TEST_REGION || service !== 'logs') return `signed for ${key}, ${region}, ${service}`
    const amzDate = String(req.headers['x-amz-date'] ?? '')
    const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate)
    if (date === null) return `x-amz-date ${amzDate}`
    const headers: Record<string, string> = {}
    for (const name of signed.split(';')) headers[name] = String(req.headers[name] ?? '')
    const [host, port] = String(req.headers.host).split(':')
    const again = await this.signer.sign(
      { method: 'POST', protocol: 'http:', hostname: host, port: Number(port), path: '/', query: {}, headers, body },
      { signingDate: new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6])) },
    )
    const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization))?.[1]
    return expected === signature ? undefined : 'a signature that does not verify'
  }

  private ok(res: ServerResponse, answer: object): void {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
    res.end(JSON.stringify(answer))
  }

  private error(res: ServerResponse, type: string, message: string, status = 400): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type })
    res.end(JSON.stringify({ __type: type, message }))
  }

  private violation(res: ServerResponse, what: string, type = 'InvalidParameterException', status = 400): void {
    this.violations.push(what)
    this.error(res, type, what, status)
  }
}
