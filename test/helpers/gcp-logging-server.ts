import { createPublicKey, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** A service account made for the tests: its key signs the client's requests (self-signed JWTs), its public half checks them. */
export function testServiceAccount(): { credentials: { client_email: string; private_key: string }; publicKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
  return { credentials: { client_email: 'ringlog-test@test-project.iam.gserviceaccount.com', private_key: privateKey }, publicKey: createPublicKey(privateKey) }
}

/** A written entry, as entries:write received it (REST JSON, enums as numbers). */
export interface WrittenEntry {
  logName: string
  resource: { type: string; labels?: Record<string, string> }
  timestamp: string
  severity: number
  insertId: string
  labels?: Record<string, string>
  jsonPayload?: Record<string, unknown>
  trace?: string
  spanId?: string
  traceSampled?: boolean
  sourceLocation?: Record<string, unknown>
  httpRequest?: Record<string, unknown>
}

const DIAGNOSTIC = 'logging.googleapis.com/diagnostic'

/**
 * A local stand-in for Cloud Logging's REST API, `POST /v2/entries:write`, that checks each request
 * as the service would: a bearer JWT signed (RS256) by the test service account for itself and not
 * expired, the log name in the project, every entry with a time, a severity and an insert id, and
 * a duration's form. What breaks a rule is answered 400 and kept in `violations`. The client's own
 * one-time diagnostic entry is taken and not kept.
 */
export class FakeCloudLogging {
  readonly entries: WrittenEntry[] = []
  readonly violations: string[] = []
  /** Write calls (counted from 1) answered 429 RESOURCE_EXHAUSTED. */
  throttle = new Set<number>()
  writes = 0
  url = ''
  private server: Server | undefined

  constructor(private readonly project: string, private readonly email: string, private readonly publicKey: KeyObject) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks).toString('utf8')))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`
    return this
  }

  stop(): void {
    this.server?.close()
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method !== 'POST' || !req.url?.startsWith('/v2/entries:write')) return this.violation(res, `${req.method} ${req.url}`, 404)
    const auth = this.authProblem(String(req.headers.authorization ?? ''))
    if (auth !== undefined) return this.refuse(res, 401, 'UNAUTHENTICATED', auth)
    const n = ++this.writes
    let request: { logName?: string; resource?: WrittenEntry['resource']; entries?: WrittenEntry[]; labels?: Record<string, string> }
    try {
      request = JSON.parse(body) as typeof request
    } catch {
      return this.violation(res, 'a body that is not JSON')
    }
    const logPrefix = `projects/${this.project}/logs/`
    if (!Array.isArray(request.entries) || request.entries.length === 0) return this.violation(res, 'no entries')
    for (const [i, entry] of request.entries.entries()) {
      const logName = entry.logName ?? request.logName
      if (typeof logName !== 'string' || !logName.startsWith(logPrefix)) return this.violation(res, `entry ${i}: log name ${logName}`)
      if (typeof entry.timestamp !== 'string' || Number.isNaN(Date.parse(entry.timestamp))) return this.violation(res, `entry ${i}: timestamp ${entry.timestamp}`)
      if (typeof entry.insertId !== 'string' || entry.insertId === '') return this.violation(res, `entry ${i}: no insertId`)
      if (entry.jsonPayload?.[DIAGNOSTIC] === undefined && (typeof entry.severity !== 'number' || entry.severity % 100 !== 0)) return this.violation(res, `entry ${i}: severity ${entry.severity}`)
      const latency = entry.httpRequest?.latency
      if (latency !== undefined && (typeof latency !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(latency))) return this.violation(res, `entry ${i}: latency ${String(latency)}`)
      if (Buffer.byteLength(JSON.stringify(entry)) > 256 * 1024) return this.violation(res, `entry ${i} over 256 KiB`)
    }
    if (this.throttle.has(n)) return this.refuse(res, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric Write requests')
    for (const entry of request.entries) {
      if (entry.jsonPayload?.[DIAGNOSTIC] !== undefined) continue
      this.entries.push({ ...entry, logName: entry.logName ?? request.logName!, resource: entry.resource ?? request.resource! })
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  }

  /** Undefined when the bearer token is a JWT signed by the test account for itself, not expired. */
  private authProblem(header: string): string | undefined {
    const token = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header)
    if (token === null) return `authorization ${JSON.stringify(header.slice(0, 30))}`
    const [, head, claims, signature] = token
    const verify = createVerify('RSA-SHA256')
    verify.update(`${head}.${claims}`)
    if (!verify.verify(this.publicKey, Buffer.from(signature, 'base64url'))) return 'a token whose signature does not verify'
    const { iss, sub, exp } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss?: string; sub?: string; exp?: number }
    if (iss !== this.email || sub !== this.email) return `a token of ${iss}`
    if (typeof exp !== 'number' || exp * 1000 < Date.now()) return 'an expired token'
    return undefined
  }

  private refuse(res: ServerResponse, code: number, status: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code, message, status } }))
  }

  private violation(res: ServerResponse, what: string, code = 400): void {
    this.violations.push(what)
    this.refuse(res, code, 'INVALID_ARGUMENT', what)
  }
}
