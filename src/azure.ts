/**
 * `ringlog/azure`: the `azure` sink's delivery, which the drain worker imports only when a logger
 * has such a sink. It is the one module of ringlog that loads Azure's clients
 * (`@azure/monitor-ingestion` and `@azure/identity`, optional peer dependencies).
 */
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity'
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion'
import type { AzureConfig } from './shipping/azure-options.js'
import { STAMP_BYTES } from './worker/format/timestamped.js'
import { DeliveryError, type Batch, type Delivery } from './worker/shipping/delivery.js'
import { runsOf } from './worker/shipping/runs.js'

export type { AzureSinkOptions } from './shipping/azure-options.js'

/**
 * Record bytes in one upload: the client sends its logs in gzipped requests of at most 1 MB of JSON
 * each, and one request per call keeps "the first N records arrived" true when a call fails.
 */
export const MAX_CALL_BYTES = 900 * 1024

type Json = Record<string, unknown>

/** Microsoft Entra's hosts in the public and sovereign clouds. */
const MICROSOFT_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'])

/**
 * The batch's records (the json format's, each after its time: src/worker/format/timestamped.ts)
 * as the stream's objects, `TimeGenerated` their time unless a field is named so, in calls of at
 * most MAX_CALL_BYTES, in order.
 */
export function calls(batch: Batch): Json[][] {
  return runsOf(batch, Number.POSITIVE_INFINITY, MAX_CALL_BYTES, (record) => {
    const log = JSON.parse(record.toString('utf8', STAMP_BYTES)) as Json
    return log.TimeGenerated === undefined ? { TimeGenerated: new Date(record.readDoubleLE(0)).toISOString(), ...log } : log
  })
}

/** @azure/identity's errors for a credential that cannot get a token as it is (a wrong secret, none configured): trying again does not help. */
const CREDENTIAL_REFUSED = new Set(['AuthenticationRequiredError', 'CredentialUnavailableError'])

/** Whether a call that failed so is worth trying again: by its HTTP status; without one, a network error, unless the credential was refused. */
function retried(name: string | undefined, status: number | undefined): boolean {
  if (status === undefined) return !CREDENTIAL_REFUSED.has(name ?? '')
  return status === 408 || status === 429 || status >= 500
}

/** Logs Ingestion API uploads for each batch, in order. */
export class AzureDelivery implements Delivery {
  private readonly client: LogsIngestionClient

  constructor(private readonly config: AzureConfig) {
    const credential: TokenCredential = config.credential === undefined
      ? new DefaultAzureCredential()
      : new ClientSecretCredential(config.credential.tenantId, config.credential.clientId, config.credential.clientSecret, {
        ...(config.authorityHost === undefined ? {} : {
          authorityHost: config.authorityHost,
          // Microsoft's clouds are looked up; another host (Azure Stack, a stand-in) answers for itself.
          disableInstanceDiscovery: !MICROSOFT_HOSTS.has(new URL(config.authorityHost).host),
        }),
      })
    this.client = new LogsIngestionClient(config.endpoint, credential, {
      ...(config.audience === undefined ? {} : { audience: config.audience }),
      // The sink retries, with its backoff and circuit.
      retryOptions: { maxRetries: 0 },
    })
  }

  async send(batch: Batch, signal: AbortSignal): Promise<void> {
    let delivered = 0
    for (const run of calls(batch)) {
      try {
        await this.client.upload(this.config.ruleId, this.config.streamName, run, { abortSignal: signal, maxConcurrency: 1 })
      } catch (error) {
        const cause = isAggregateLogsUploadError(error) ? (error.errors[0]?.cause ?? error) : error
        const { name, statusCode, message } = (cause ?? {}) as { name?: string; statusCode?: number; message?: string }
        const what = statusCode === undefined ? `${name ?? 'Error'}: ` : `HTTP ${statusCode}: `
        throw new DeliveryError(`${what}${message ?? String(cause)}`, { retry: retried(name, statusCode), delivered, cause })
      }
      delivered += run.length
    }
  }
}

/** The delivery of an `azure` sink (src/worker/shipping/types.ts). */
export function azureDelivery(config: AzureConfig): Delivery {
  return new AzureDelivery(config)
}
