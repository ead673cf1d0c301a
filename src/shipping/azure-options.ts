import { invalid, type Where } from '../validate.js'
import { type OptionsReader, timeoutOption, jsonFormatOnly } from './options-reader.js'
import { textFields } from './text-fields.js'

/**
 * `{ type: 'azure', endpoint, ruleId, streamName }`: records to Azure Monitor through the Logs
 * Ingestion API with the official client (`@azure/monitor-ingestion` and `@azure/identity`,
 * optional peer dependencies, loaded by the drain worker only when such a sink exists): each record
 * is a JSON object of the data collection rule's stream, with `TimeGenerated` its time.
 */
export interface AzureSinkOptions {
  /** The data collection endpoint (or the rule's own logs ingestion endpoint). @example 'https://my-dce-a1b2.westeurope-1.ingest.monitor.azure.com' */
  endpoint: string
  /** The data collection rule's immutable id. @example 'dcr-00000000000000000000000000000000' */
  ruleId: string
  /** The rule's input stream. @example 'Custom-AppLogs_CL' */
  streamName: string
  /** A service principal's secret: `{ tenantId, clientId, clientSecret }`. @default DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI */
  credential?: { tenantId: string; clientId: string; clientSecret: string }
  /** Microsoft Entra's host for `credential`: a sovereign cloud's. @default 'https://login.microsoftonline.com' */
  authorityHost?: string
  /** The token's audience, for sovereign clouds. @default 'https://monitor.azure.com' */
  audience?: string
  /** How long a call may go without an answer: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's azure delivery is given. */
export interface AzureConfig {
  endpoint: string
  ruleId: string
  streamName: string
  credential: { tenantId: string; clientId: string; clientSecret: string } | undefined
  authorityHost: string | undefined
  audience: string | undefined
  timeoutMs: number
}

function httpsUrl(where: Where, value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value) || new URL(value).protocol !== 'https:') return invalid(where, value, 'an https: URL (Azure sends bearer tokens over https only)')
  return value
}

export const azureOptions: OptionsReader<AzureConfig> = {
  keys: ['endpoint', 'ruleId', 'streamName', 'credential', 'authorityHost', 'audience', 'timeout'],
  read(fields, where) {
    const { ruleId, streamName } = fields
    if (typeof ruleId !== 'string' || !/^dcr-[0-9a-f]{32}$/.test(ruleId)) invalid(where('ruleId'), ruleId, "a data collection rule's immutable id: dcr- and 32 hexadecimal digits")
    if (typeof streamName !== 'string' || !/^(Custom|Microsoft)-\w+$/.test(streamName)) invalid(where('streamName'), streamName, "a stream of the rule: 'Custom-' or 'Microsoft-' and its name")
    // The records are objects of the stream: the json format's, read back.
    jsonFormatOnly(where('format'), fields.format, "each record is sent as a JSON object of the stream")
    return {
      endpoint: httpsUrl(where('endpoint'), fields.endpoint),
      ruleId,
      streamName,
      credential: fields.credential === undefined ? undefined : textFields(where('credential'), fields.credential, ['tenantId', 'clientId', 'clientSecret'], [], ['clientSecret']),
      authorityHost: fields.authorityHost === undefined ? undefined : httpsUrl(where('authorityHost'), fields.authorityHost),
      audience: fields.audience === undefined ? undefined : httpsUrl(where('audience'), fields.audience),
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}
