import { invalid, type Where } from '../validate.js'

/**
 * An object of text options, such as a cloud sink's credentials: each of `required` a non-empty
 * string, each of `optional` a string when given, no other key. The values of `secret` keys are
 * not shown in the error a bad one gets.
 */
export function textFields<Required extends string, Optional extends string = never>(
  where: Where, value: unknown, required: readonly Required[], optional: readonly Optional[] = [], secret: readonly string[] = [],
): Record<Required, string> & Partial<Record<Optional, string>> {
  const keys: readonly string[] = [...required, ...optional]
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, `an object { ${keys.join(', ')} } of strings`)
  const fields = value as Record<string, unknown>
  for (const key of Object.keys(fields)) if (!keys.includes(key)) invalid(`${where}.${key}`, fields[key], `no such option; known are ${keys.join(', ')}`)
  const shown = (key: string): unknown => (secret.includes(key) && fields[key] !== undefined ? '(hidden)' : fields[key])
  for (const key of required) if (typeof fields[key] !== 'string' || fields[key] === '') invalid(`${where}.${key}`, shown(key), 'a non-empty string')
  for (const key of optional) if (fields[key] !== undefined && typeof fields[key] !== 'string') invalid(`${where}.${key}`, shown(key), 'a string')
  const out: Record<string, string> = {}
  for (const key of keys) if (fields[key] !== undefined) out[key] = fields[key] as string
  return out as Record<Required, string> & Partial<Record<Optional, string>>
}
