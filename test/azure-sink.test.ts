import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { missingSdk } from '../dist/src/worker/shipping/types.js'
import { CLIENT_SECRET, FakeAzure, RULE_ID, selfSigned, STREAM } from './helpers/azure-server.js'
import { runFixture } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'

// Azure's client sends bearer tokens over https only: the stand-in's certificate is trusted by the
// fixture's process, started with NODE_EXTRA_CA_CERTS (read at start-up) and the loopback guard.
const tls = selfSigned()
const GUARD = fileURLToPath(new URL('./helpers/loopback-guard.cjs', import.meta.url))
let azure: FakeAzure
beforeAll(async () => {
  azure = await new FakeAzure(tls).start()
})
afterAll(() => azure.stop())

function run(secret: string, count: number, worker: boolean): ReturnType<typeof runFixture> {
  return runFixture('azure-sink.mjs', [azure.url, azure.url, secret, String(count), String(worker)], undefined, {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certFile, AZURE_AUTHORITY_HOST: azure.url },
    execArgv: ['--require', GUARD],
  })
}

describe('azure sink', () => {
  it.each([true, false])('with worker: %s, uploads every record once and in order with its TimeGenerated, through throttling', async (worker) => {
    azure.logs.length = 0
    azure.throttle = new Set([azure.uploads + 2])
    const started = Date.now()
    const { code, stdout, stderr } = await run(CLIENT_SECRET, 5000, worker)
    expect({ code, stderr: stderr.replace(/^ringlog: sink .* cannot send records: HTTP 429: .*\n/m, '') }).toEqual({ code: 0, stderr: '' })
    expect(azure.violations).toEqual([])
    expect(azure.logs.map((log) => log.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i))
    for (const log of azure.logs) {
      expect(log.TimeGenerated).toBe(log.time)
      expect(Date.parse(log.TimeGenerated as string)).toBeGreaterThanOrEqual(started - 1000)
      expect(log).toMatchObject({ level: 'info', msg: 'shipped' })
    }
    expect(JSON.parse(stdout)).toMatchObject({ type: 'azure', sent: 5000, failed: 0, retried: 1000, inFlight: 0 })
  })

  it('counts the records as failed when Entra refuses the credential, with its answer in lastError', async () => {
    const { code, stdout } = await run('wrong-secret', 3, false)
    expect(code).toBe(0)
    // Not tried again: a wrong secret stays wrong.
    expect(JSON.parse(stdout)).toMatchObject({ sent: 0, failed: 3, retried: 0, dropped: 0 })
    expect((JSON.parse(stdout) as { lastError: string }).lastError).toMatch(/^send: AuthenticationRequiredError: invalid_client: .*AADSTS7000215: Invalid client secret provided\./)
  })

  it('throws from createLogger() naming the option and the value', () => {
    const good = { type: 'azure', endpoint: 'https://dce.example.com', ruleId: RULE_ID, streamName: STREAM }
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ ...good, ...more } as never] }))
    expect(bad({ endpoint: 'http://dce.example.com' })).toBe('ringlog: invalid option sinks[0].endpoint: "http://dce.example.com"; expected an https: URL (Azure sends bearer tokens over https only)')
    expect(bad({ ruleId: 'rule-1' })).toBe("ringlog: invalid option sinks[0].ruleId: \"rule-1\"; expected a data collection rule's immutable id: dcr- and 32 hexadecimal digits")
    expect(bad({ streamName: 'AppLogs' })).toBe("ringlog: invalid option sinks[0].streamName: \"AppLogs\"; expected a stream of the rule: 'Custom-' or 'Microsoft-' and its name")
    expect(bad({ credential: { tenantId: 't', clientId: 'c' } })).toBe('ringlog: invalid option sinks[0].credential.clientSecret: undefined; expected a non-empty string')
    expect(bad({ format: 'logfmt' })).toBe('ringlog: invalid option sinks[0].format: "logfmt"; expected \'json\' (each record is sent as a JSON object of the stream)')
  })

  it('says which packages to install when a cloud sink\'s SDK is missing', () => {
    expect(() => missingSdk(['@azure/monitor-ingestion', '@azure/identity'])(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' }))).toThrow(
      'this sink needs @azure/monitor-ingestion and @azure/identity, optional peer dependencies of ringlog: npm install @azure/monitor-ingestion @azure/identity',
    )
    const other = new Error('a syntax error')
    expect(() => missingSdk(['x'])(other)).toThrow(other)
  })
})
