import { LEVELS, type LevelName } from '../levels.js'
import { shared } from '../shared.js'
import { invalid, show } from '../validate.js'

/**
 * Declared events: a name, a version, a level, a message and typed fields, defined once. What a
 * definition is, checked; what TypeScript makes of its fields; the process's table of definitions.
 */

/** The types a field can have. Integers are checked against their range; `int` is any safe integer. */
export type ScalarType = 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32' | 'int' | 'f64' | 'bool' | 'string' | 'timestamp' | 'json'

/**
 * A field's type: a scalar type, the same with `?` for an optional field (`'u32?'`), or a fixed
 * list of strings (`{ enum: ['GET', 'POST'] }`, optional with `optional: true`).
 */
export type FieldSpec = ScalarType | `${ScalarType}?` | { readonly enum: readonly string[]; readonly optional?: boolean }

/** What `defineEvent()` takes. */
export interface EventSpec<Fields extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  /** The event's name, written as the `event` field: letters, digits, `.`, `_` and `-`. */
  readonly name: string
  /** The schema's version, written as the `v` field: a positive integer. Two versions of one event can be used at once. */
  readonly version: number
  /** @default 'info' */
  readonly level?: LevelName
  /** The record's message. */
  readonly message?: string
  readonly fields: Fields
}

type Scalar<T> = T extends 'bool' ? boolean
  : T extends 'string' ? string
  : T extends 'timestamp' ? Date | number
  : T extends 'json' ? unknown
  : number

type ValueOf<S> = S extends { readonly enum: readonly (infer E)[] } ? E : S extends `${infer T}?` ? Scalar<T> : Scalar<S>
type IsOptional<S> = S extends `${string}?` ? true : S extends { readonly optional: true } ? true : false

/** The object `log.event()` takes for fields declared as `F`: required and optional keys, each with its value's type. */
export type EventFields<F extends Record<string, FieldSpec>> = {
  [K in keyof F as IsOptional<F[K]> extends true ? never : K]: ValueOf<F[K]>
} & {
  [K in keyof F as IsOptional<F[K]> extends true ? K : never]?: ValueOf<F[K]>
}

/** A field as both threads know it: plain data. */
export interface FieldSchema {
  readonly name: string
  readonly type: ScalarType | 'enum'
  readonly optional: boolean
  /** enum: the strings, in order; the ring carries the index. */
  readonly values?: readonly string[]
}

/** An event definition as both threads know it: plain data, sent to the worker once per logger. */
export interface EventSchema {
  /** Unique in the process: the ring carries it instead of the name. */
  readonly id: number
  readonly name: string
  readonly version: number
  readonly level: number
  readonly message: string | undefined
  readonly fields: readonly FieldSchema[]
}

/** A defined event: what `log.event()` takes. `Fields` carries the field types for TypeScript only. */
export interface EventDefinition<Fields extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  readonly schema: EventSchema
  /** Never set: it carries the type of the fields object. */
  readonly fieldTypes?: EventFields<Fields>
}

export const SCALAR_TYPES: readonly ScalarType[] = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32', 'int', 'f64', 'bool', 'string', 'timestamp', 'json']

/** Keys every event writes itself; a field cannot take them. */
export const EVENT_KEY = 'event'
export const VERSION_KEY = 'v'

const NAME = /^[A-Za-z0-9_.-]+$/
/** An enum's index is one byte up to this many values, two bytes beyond. */
export const MAX_ENUM_VALUES = 0xffff

// One table for both builds: an event's id is what the ring carries, unique in the process.
const { defined, byId } = shared('events', () => ({ defined: new Map<string, EventSchema>(), byId: [] as EventSchema[] }))

/**
 * Defines an event. Its fields' types decide what `log.event()` accepts, at compile time and (with
 * `validate`) at run time. Defining the same name and version again with the same schema returns
 * the same event; with a different schema it throws.
 */
export function defineEvent<const Fields extends Record<string, FieldSpec>>(spec: EventSpec<Fields>): EventDefinition<Fields> {
  if (spec === null || typeof spec !== 'object') invalid('defineEvent() argument', spec, 'an object with name, version and fields')
  const { name, version, level = 'info', message, fields } = spec
  if (typeof name !== 'string' || !NAME.test(name)) invalid('event name', name, 'letters, digits, ".", "_" and "-"')
  const where = `event ${name}`
  if (!Number.isSafeInteger(version) || version < 1) invalid(`${where} version`, version, 'a positive integer')
  if (typeof level !== 'string' || !Object.hasOwn(LEVELS, level)) {
    invalid(`${where} level`, level, `one of ${Object.keys(LEVELS).map((l) => `'${l}'`).join(', ')}`)
  }
  if (message !== undefined && typeof message !== 'string') invalid(`${where} message`, message, 'a string')
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) invalid(`${where} fields`, fields, 'an object of field types')
  // Frozen: compiled code is generated from it, on both threads, and must match what was checked.
  const schema: EventSchema = Object.freeze({
    id: byId.length + 1,
    name,
    version,
    level: LEVELS[level],
    message,
    fields: Object.freeze(Object.keys(fields).map((key) => fieldSchema(`${where} field ${key}`, key, fields[key]))),
  })
  const key = `${name}@${version}`
  const earlier = defined.get(key)
  if (earlier !== undefined) {
    if (sameShape(earlier, schema)) return Object.freeze({ schema: earlier })
    throw new TypeError(`ringlog: event ${name} version ${version} is defined twice, differently; give the new schema a new version`)
  }
  defined.set(key, schema)
  byId.push(schema)
  return Object.freeze({ schema })
}

/** Every event defined in this process, in the order of definition. */
export function definedEvents(): readonly EventSchema[] {
  return byId
}

function fieldSchema(where: string, name: string, spec: unknown): FieldSchema {
  if (name === EVENT_KEY || name === VERSION_KEY) invalid(where, name, `a name other than '${EVENT_KEY}' and '${VERSION_KEY}', which every event writes`)
  // JavaScript puts integer keys first in an object: log.info's line would have them before `event`.
  if (/^(0|[1-9]\d*)$/.test(name) && Number(name) < 2 ** 32 - 1) invalid(where, name, 'a name that is not an integer (objects put those before all other keys)')
  // A values object inherits these: an absent optional field would read Object.prototype's.
  if (name in Object.prototype) invalid(where, name, 'a name that is not a member of Object.prototype (constructor, toString, __proto__...)')
  if (typeof spec === 'string') {
    const optional = spec.endsWith('?')
    const type = (optional ? spec.slice(0, -1) : spec) as ScalarType
    if (SCALAR_TYPES.includes(type)) return Object.freeze({ name, type, optional })
  } else if (spec !== null && typeof spec === 'object' && 'enum' in spec) {
    const { enum: values, optional = false } = spec as { enum: unknown; optional?: unknown }
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_ENUM_VALUES || !values.every((v) => typeof v === 'string')) {
      invalid(`${where} enum`, values, `a list of 1 to ${MAX_ENUM_VALUES} strings`)
    }
    if (new Set(values).size !== values.length) invalid(`${where} enum`, values, 'strings without repeats')
    if (typeof optional !== 'boolean') invalid(`${where} optional`, optional, 'true or false')
    return Object.freeze({ name, type: 'enum' as const, optional, values: Object.freeze([...values]) })
  }
  return invalid(where, spec, `one of ${SCALAR_TYPES.map((t) => `'${t}'`).join(', ')} (with '?' when optional), or { enum: [...] }`)
}

function sameShape(a: EventSchema, b: EventSchema): boolean {
  const { id: _a, ...left } = a
  const { id: _b, ...right } = b
  return JSON.stringify(left) === JSON.stringify(right)
}

/** What a field of this type holds, for errors and the schema: `u32` is "an integer from 0 to 4294967295". */
export function describeType(field: FieldSchema): string {
  switch (field.type) {
    case 'u8': return 'u8 (an integer from 0 to 255)'
    case 'u16': return 'u16 (an integer from 0 to 65535)'
    case 'u32': return 'u32 (an integer from 0 to 4294967295)'
    case 'i8': return 'i8 (an integer from -128 to 127)'
    case 'i16': return 'i16 (an integer from -32768 to 32767)'
    case 'i32': return 'i32 (an integer from -2147483648 to 2147483647)'
    case 'int': return 'int (a safe integer)'
    case 'f64': return 'f64 (a number)'
    case 'bool': return 'bool (true or false)'
    case 'string': return 'string'
    case 'timestamp': return 'timestamp (a Date or milliseconds since the epoch)'
    case 'json': return field.optional ? 'json (any value)' : 'json (any value but undefined, a function or a symbol)'
    case 'enum': return `enum (one of ${field.values!.map(show).join(', ')})`
  }
}
