import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { tempDir } from './files.js'

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
export const CLIENT_ID = '0f9b4a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c'
export const CLIENT_SECRET = 'ringlog-test-secret'
export const RULE_ID = 'dcr-0123456789abcdef0123456789abcdef'
export const STREAM = 'Custom-AppLogs_CL'

/** A self-signed certificate for 127.0.0.1 (openssl), and the file a child process trusts it from (NODE_EXTRA_CA_CERTS). */
export function selfSigned(): { key: Buffer; cert: Buffer; certFile: string } {
  const dir = tempDir()
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' })
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile }
}

/**
 * A local stand-in for Azure over https: Microsoft Entra's token endpoint for one service principal
 * (the tenant's OpenID configuration and a client-credentials grant) and the Logs Ingestion API for
 * one rule and stream. Each upload is checked as the service would: a bearer token this server
 * issued for the monitor audience, a gzipped JSON array of at most 1 MB of objects that each have
 * a `TimeGenerated` time. What breaks a rule is answered 400 and kept in `violations`.
 */
export class FakeAzure {
  readonly logs: Record<string, unknown>[] = []
  readonly violations: string[] = []
  /** Uploads (counted from 1) answered 429 with Retry-After: 0. */
  throttle = new Set<number>()
  uploads = 0
  tokens = 0
  url = ''
  private readonly issued = new Set<string>()
  private server: Server | undefined

  constructor(private readonly tls: { key: Buffer; cert: Buffer }) {}

  async start(): Promise<this> {
    this.server = createServer(this.tls, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks)))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `https://127.0.0.1:${(this.server.address() as { port: number }).port}`
    return this
  }

  stop(): void {
    this.server?.close()
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', this.url)
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(value))
    }
    if (req.method === 'GET' && url.pathname === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
      const base = `${this.url}/${TENANT}`
      return json(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        issuer: `${base}/v2.0`, jwks_uri: `${base}/discovery/v2.0/keys`, response_types_supported: ['code', 'token'], scopes_supported: ['openid'],
      })
    }
    if (req.method === 'POST' && url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body.toString())
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
        return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' })
      }
      if (form.get('scope') !== 'https://monitor.azure.com/.default') return this.violation(res, `a token for the scope ${form.get('scope')}`)
      const token = `token-${++this.tokens}`
      this.issued.add(token)
      return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token })
    }
    if (req.method === 'POST' && url.pathname === `/dataCollectionRules/${RULE_ID}/streams/${STREAM}`) {
      if (url.searchParams.get('api-version') === null) return this.violation(res, 'no api-version')
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
      if (auth === null || !this.issued.has(auth[1])) return json(401, { error: { code: 'InvalidToken', message: 'The provided access token is not valid.' } })
      if (req.headers['content-encoding'] !== 'gzip') return this.violation(res, `content-encoding ${req.headers['content-encoding']}`)
      const text = gunzipSync(body).toString('utf8')
      if (Buffer.byteLength(text) > 1_048_576) return this.violation(res, `${Buffer.byteLength(text)} bytes in one upload`)
      const logs = JSON.parse(text) as Record<string, unknown>[]
      if (!Array.isArray(logs) || logs.length === 0) return this.violation(res, 'not a JSON array of logs')
      for (const [i, log] of logs.entries()) {
        if (typeof log.TimeGenerated !== 'string' || Number.isNaN(Date.parse(log.TimeGenerated))) return this.violation(res, `log ${i} without TimeGenerated`)
      }
      if (this.throttle.has(++this.uploads)) return json(429, { error: { code: 'TooManyRequests', message: 'Rate limit exceeded' } }, { 'retry-after': '0' })
      this.logs.push(...logs)
      res.writeHead(204)
      res.end()
      return
    }
    return this.violation(res, `${req.method} ${url.pathname}`, 404)
  }

  private violation(res: ServerResponse, what: string, status = 400): void {
    this.violations.push(what)
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'InvalidRequest', message: what } }))
  }
}
