import { invalid, type Where } from '../validate.js'
import { type OptionsReader, timeoutOption } from './options-reader.js'
import { textFields } from './text-fields.js'

/**
 * `{ type: 'gcp', logName }`: records to Google Cloud Logging through the official client
 * (`@google-cloud/logging`, an optional peer dependency, loaded by the drain worker only when such a
 * sink exists), as the `gcp` format's entries: severity, trace, labels, source location and
 * `httpRequest` in the entry, the other fields in its `jsonPayload`.
 */
export interface GcpSinkOptions {
  /** The log's id in the project: 1 to 511 of `A-Za-z0-9/_-.`. */
  logName: string
  /** @default the client's: GOOGLE_CLOUD_PROJECT, the credentials' project, the metadata server */
  projectId?: string
  /** The monitored resource. @default detected by the client (Cloud Run, GKE, Compute Engine, Cloud Functions), else `global` */
  resource?: { type: string; labels?: Record<string, string> }
  /** Added to every entry's labels (a record's own `labels` win). */
  labels?: Record<string, string>
  /** A service account's key: `{ client_email, private_key }`. @default Application Default Credentials */
  credentials?: { client_email: string; private_key: string }
  /** A service account key file, instead of `credentials`. */
  keyFilename?: string
  /** Another endpoint than logging.googleapis.com: an emulator, a private endpoint. `http:` means plain HTTP. @example 'http://127.0.0.1:8085' */
  apiEndpoint?: string
  /** How long a call may go without an answer: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's gcp delivery is given. */
export interface GcpConfig {
  logName: string
  projectId: string | undefined
  resource: { type: string; labels: Record<string, string> } | undefined
  labels: Record<string, string>
  credentials: { client_email: string; private_key: string } | undefined
  keyFilename: string | undefined
  apiEndpoint: { host: string; port: number; protocol: 'http' | 'https' } | undefined
  timeoutMs: number
}

const LOG_NAME = /^[\w/.-]{1,511}$/

export const gcpOptions: OptionsReader<GcpConfig> = {
  keys: ['logName', 'projectId', 'resource', 'labels', 'credentials', 'keyFilename', 'apiEndpoint', 'timeout'],
  read(fields, where) {
    const { logName, projectId, keyFilename, apiEndpoint } = fields
    if (typeof logName !== 'string' || !LOG_NAME.test(logName)) invalid(where('logName'), logName, 'a log name: 1 to 511 of A-Z a-z 0-9 / _ - .')
    if (projectId !== undefined && (typeof projectId !== 'string' || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[\w.:-]+$/.test(projectId))) invalid(where('projectId'), projectId, 'a Google Cloud project id')
    if (keyFilename !== undefined && (typeof keyFilename !== 'string' || keyFilename === '')) invalid(where('keyFilename'), keyFilename, 'the path of a service account key file')
    if (keyFilename !== undefined && fields.credentials !== undefined) invalid(where('keyFilename'), keyFilename, 'not both keyFilename and credentials')
    if (apiEndpoint !== undefined && (typeof apiEndpoint !== 'string' || !URL.canParse(apiEndpoint) || !/^https?:$/.test(new URL(apiEndpoint).protocol))) {
      invalid(where('apiEndpoint'), apiEndpoint, 'an http: or https: URL')
    }
    // The entries are the gcp format's, read back field by field.
    if (fields.format !== undefined && fields.format !== 'gcp') invalid(where('format'), fields.format, "'gcp' (the entries are made from the gcp format's records)")
    let endpoint: GcpConfig['apiEndpoint']
    if (typeof apiEndpoint === 'string') {
      const url = new URL(apiEndpoint)
      const protocol = url.protocol === 'http:' ? 'http' : 'https'
      endpoint = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol }
    }
    return {
      logName,
      projectId,
      resource: fields.resource === undefined ? undefined : resource(where('resource'), fields.resource),
      labels: fields.labels === undefined ? {} : textMap(where('labels'), fields.labels),
      credentials: fields.credentials === undefined ? undefined : credentials(where('credentials'), fields.credentials),
      keyFilename,
      apiEndpoint: endpoint,
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}

function resource(where: Where, value: unknown): GcpConfig['resource'] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, "an object { type, labels? } such as { type: 'global' }")
  const { type, labels, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) invalid(`${where}.${Object.keys(rest)[0]}`, Object.values(rest)[0], 'no such option; known are type, labels')
  if (typeof type !== 'string' || type === '') invalid(`${where}.type`, type, "a monitored resource type such as 'global' or 'cloud_run_revision'")
  return { type, labels: labels === undefined ? {} : textMap(`${where}.labels`, labels) }
}

function credentials(where: Where, value: unknown): GcpConfig['credentials'] {
  const key = textFields(where, value, ['client_email', 'private_key'], [], ['private_key'])
  if (!key.client_email.includes('@')) invalid(`${where}.client_email`, key.client_email, "the service account's email")
  if (!key.private_key.includes('PRIVATE KEY')) invalid(`${where}.private_key`, '(hidden)', 'a PEM private key')
  return key
}

/** Labels: an object of text values. */
function textMap(where: Where, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, 'an object of text values')
  for (const [key, text] of Object.entries(value)) if (typeof text !== 'string') invalid(`${where}[${JSON.stringify(key)}]`, text, 'text')
  return { ...(value as Record<string, string>) }
}
