import { LEVELS } from '../levels.js'
import { EVENT_KEY, VERSION_KEY, type EventSchema, type FieldSchema } from './schema.js'

/**
 * The registered events as one JSON Schema document (draft 2020-12), one definition per event
 * version, and the comparison of two such documents: what `ringlog schema` prints and checks.
 */

export const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

/** An event version's key in `$defs`: `user.logged_in@2`. */
export function definitionKey(name: string, version: number): string {
  return `${name}@${version}`
}

/** The JSON Schema of the records an event writes: its fields; the record's time, level and message are the format's. */
export function eventJsonSchema(event: EventSchema): JsonObject {
  const properties: JsonObject = { [EVENT_KEY]: { const: event.name }, [VERSION_KEY]: { const: event.version } }
  const required: Json[] = [EVENT_KEY, VERSION_KEY]
  for (const field of event.fields) {
    properties[field.name] = fieldJsonSchema(field)
    if (!field.optional) required.push(field.name)
  }
  const level = Object.keys(LEVELS).find((name) => LEVELS[name as keyof typeof LEVELS] === event.level) ?? String(event.level)
  const schema: JsonObject = { type: 'object', 'x-ringlog': { name: event.name, version: event.version, level }, properties, required }
  if (event.message !== undefined) (schema['x-ringlog'] as JsonObject).message = event.message
  return schema
}

function fieldJsonSchema(field: FieldSchema): JsonObject {
  const type = { 'x-ringlog-type': field.type }
  switch (field.type) {
    case 'u8': return { ...type, type: 'integer', minimum: 0, maximum: 0xff }
    case 'u16': return { ...type, type: 'integer', minimum: 0, maximum: 0xffff }
    case 'u32': return { ...type, type: 'integer', minimum: 0, maximum: 0xffffffff }
    case 'i8': return { ...type, type: 'integer', minimum: -0x80, maximum: 0x7f }
    case 'i16': return { ...type, type: 'integer', minimum: -0x8000, maximum: 0x7fff }
    case 'i32': return { ...type, type: 'integer', minimum: -0x80000000, maximum: 0x7fffffff }
    case 'int': return { ...type, type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }
    // NaN and the infinities are written as null, as in any record.
    case 'f64': return { ...type, type: ['number', 'null'] }
    case 'bool': return { ...type, type: 'boolean' }
    case 'string': return { ...type, type: 'string' }
    // An invalid Date is written as null.
    case 'timestamp': return { ...type, type: ['string', 'null'], format: 'date-time' }
    case 'json': return { ...type }
    case 'enum': return { ...type, enum: [...field.values!] }
  }
}

/** The document `ringlog schema` prints. */
export function registryJsonSchema(events: readonly EventSchema[]): JsonObject {
  const defs: JsonObject = {}
  // By code unit, not by locale: the same document on every machine.
  for (const event of [...events].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version))) {
    defs[definitionKey(event.name, event.version)] = eventJsonSchema(event)
  }
  const document: JsonObject = { $schema: JSON_SCHEMA_DRAFT, title: 'ringlog events' }
  // oneOf must not be empty: without events, the document says nothing about records.
  if (Object.keys(defs).length > 0) document.oneOf = Object.keys(defs).map((key) => ({ $ref: `#/$defs/${key.replaceAll('~', '~0').replaceAll('/', '~1')}` }))
  document.$defs = defs
  return document
}

/** What changed from a stored document to the current one: `breaking` fails `ringlog schema --check`. */
export interface SchemaChanges {
  breaking: string[]
  compatible: string[]
}

interface StoredField {
  type: string
  required: boolean
  values: readonly string[] | undefined
}

/**
 * Compares a stored document (an earlier `ringlog schema`) with the current one, as a reader of
 * the logs sees it: an event version or a field that is gone, a field whose type changed, a field
 * that may now be absent, an enum that lost a value are breaking; additions are not.
 */
export function compareRegistries(stored: unknown, current: JsonObject): SchemaChanges {
  const before = storedEvents(stored)
  const after = storedEvents(current)
  const changes: SchemaChanges = { breaking: [], compatible: [] }
  for (const [key, fields] of before) {
    const now = after.get(key)
    if (now === undefined) {
      changes.breaking.push(`${key}: event version removed`)
      continue
    }
    for (const [name, was] of fields) {
      const is = now.get(name)
      if (is === undefined) {
        changes.breaking.push(`${key}: field ${name} removed`)
      } else if (is.type !== was.type) {
        changes.breaking.push(`${key}: field ${name} retyped from ${was.type} to ${is.type}`)
      } else {
        const lost = (was.values ?? []).filter((value) => !is.values?.includes(value))
        const gained = (is.values ?? []).filter((value) => !was.values?.includes(value))
        if (lost.length > 0) changes.breaking.push(`${key}: field ${name} lost enum values ${lost.map((v) => JSON.stringify(v)).join(', ')}`)
        if (gained.length > 0) changes.compatible.push(`${key}: field ${name} gained enum values ${gained.map((v) => JSON.stringify(v)).join(', ')}`)
        if (was.required && !is.required) changes.breaking.push(`${key}: field ${name} is now optional`)
        if (!was.required && is.required) changes.compatible.push(`${key}: field ${name} is now required`)
      }
    }
    for (const name of now.keys()) if (!fields.has(name)) changes.compatible.push(`${key}: field ${name} added`)
  }
  for (const key of after.keys()) if (!before.has(key)) changes.compatible.push(`${key}: event version added`)
  return changes
}

/** The events of a document, by `name@version`, each field's type and whether it is required. */
function storedEvents(document: unknown): Map<string, Map<string, StoredField>> {
  const defs = (document as { $defs?: unknown } | null)?.$defs
  if (defs === null || typeof defs !== 'object') throw new TypeError('not a ringlog schema document: it has no $defs (make one with `ringlog schema`)')
  const events = new Map<string, Map<string, StoredField>>()
  for (const [key, value] of Object.entries(defs as Record<string, unknown>)) {
    const { properties, required } = (value ?? {}) as { properties?: Record<string, { 'x-ringlog-type'?: unknown; enum?: unknown }>; required?: unknown }
    if (properties === undefined || typeof properties !== 'object' || !Array.isArray(required)) {
      throw new TypeError(`not a ringlog schema document: $defs.${key} has no properties and required list`)
    }
    const fields = new Map<string, StoredField>()
    for (const [name, property] of Object.entries(properties)) {
      if (name === EVENT_KEY || name === VERSION_KEY) continue
      const type = property['x-ringlog-type']
      if (typeof type !== 'string') throw new TypeError(`not a ringlog schema document: $defs.${key}.properties.${name} has no x-ringlog-type`)
      fields.set(name, { type, required: required.includes(name), values: Array.isArray(property.enum) ? (property.enum as string[]) : undefined })
    }
    events.set(key, fields)
  }
  return events
}
