import { invalid, type Where } from '../validate.js'

/**
 * What OpenTelemetry's environment variables say about where an OTLP logs exporter sends, what
 * headers it adds and what resource it describes (the OpenTelemetry specification's "OTLP
 * Exporter Configuration" and "Resource SDK"). The sink's options win over them (otlp-options.ts).
 * Empty variables count as unset.
 */

/** Text from a variable and the variable's name, for the error when the text is not valid. */
export interface FromEnvironment {
  text: string
  where: Where
}

/** Where to send: a full URL, or a base URL that `/v1/logs` is appended to. */
export interface Target extends FromEnvironment {
  base: boolean
}

/** A variable read in place of a sink's option (`option sinks[0].endpoint`): its errors name both. */
function get(env: NodeJS.ProcessEnv, name: string, option: Where): FromEnvironment | undefined {
  const text = env[name]
  return text === undefined || text === '' ? undefined : { text, where: `environment variable ${name} (in place of ${option})` }
}

/**
 * `key1=value1,key2=value2`, as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS are
 * written (W3C Baggage's list): keys and values trimmed, values percent-decoded.
 */
function keyValueList({ text, where }: FromEnvironment): Record<string, string> {
  // Without a prototype: a key named `__proto__` is a key like any other.
  const out = Object.create(null) as Record<string, string>
  for (const item of text.split(',')) {
    if (item.trim() === '') continue
    const eq = item.indexOf('=')
    const key = eq < 0 ? '' : item.slice(0, eq).trim()
    if (key === '') invalid(where, text, 'comma-separated key=value pairs')
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim())
    } catch {
      invalid(where, text, 'values percent-encoded as in a URL (%2C for a comma)')
    }
  }
  return out
}

/** OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, a full URL, or OTEL_EXPORTER_OTLP_ENDPOINT, a base URL. */
export function environmentTarget(env: NodeJS.ProcessEnv, option: Where): Target | undefined {
  const logs = get(env, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', option)
  if (logs !== undefined) return { ...logs, base: false }
  const all = get(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', option)
  return all === undefined ? undefined : { ...all, base: true }
}

/** OTEL_EXPORTER_OTLP_LOGS_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS, and which one it was. */
export function environmentHeaders(env: NodeJS.ProcessEnv, option: Where): { headers: Record<string, string>; where: Where } | undefined {
  const set = get(env, 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', option) ?? get(env, 'OTEL_EXPORTER_OTLP_HEADERS', option)
  return set === undefined ? undefined : { headers: keyValueList(set), where: set.where }
}

/** OTEL_RESOURCE_ATTRIBUTES, with OTEL_SERVICE_NAME over its `service.name`. */
export function environmentResource(env: NodeJS.ProcessEnv, option: Where): Record<string, string> {
  const attributes = get(env, 'OTEL_RESOURCE_ATTRIBUTES', option)
  const resource = attributes === undefined ? {} : keyValueList(attributes)
  const serviceName = get(env, 'OTEL_SERVICE_NAME', option)
  if (serviceName !== undefined) resource['service.name'] = serviceName.text
  return resource
}
