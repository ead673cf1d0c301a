import { invalid, type Where } from '../../validate.js'

type Scalar = string | number | boolean | null

/** A filter as plain data, so that it can cross into the drain worker. */
export type FilterConfig =
  | { field: string; equals: Scalar }
  | { field: string; oneOf: Scalar[] }
  | { field: string; matches: { source: string; flags: string } }
  | { field: string; exists: boolean }
  | { all: FilterConfig[] }
  | { any: FilterConfig[] }
  | { not: FilterConfig }

/** A record's value at a dotted field path ('status', 'req.method', 'msg', 'level', 'name'); undefined when absent. */
export type FieldGetter = (path: string) => unknown
export type Filter = (get: FieldGetter) => boolean

const FIELD_OPERATORS = ['equals', 'oneOf', 'matches', 'exists']
const GROUP_OPERATORS = ['all', 'any', 'not']
const OPERATORS = [...FIELD_OPERATORS, ...GROUP_OPERATORS]
const A_FILTER = "a filter: { field, equals | oneOf | matches | exists }, { all: [...] }, { any: [...] } or { not: {...} }"
const SCALAR = 'a string, number, boolean or null'

/**
 * The user's filter, checked, as plain data. `matches` takes a regular expression source, a RegExp,
 * or `{ source, flags }` (what this returns, so a checked filter passes again).
 * @param where the option, for errors: 'option filter', 'option sinks[1].filter'.
 */
export function filterOption(where: Where, value: unknown): FilterConfig | undefined {
  return value === undefined ? undefined : filterAt(where, value)
}

function filterAt(where: Where, value: unknown): FilterConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof RegExp) return invalid(where, value, A_FILTER)
  const fields = value as Record<string, unknown>
  const keys = Object.keys(fields)
  const unknown = keys.find((key) => key !== 'field' && !OPERATORS.includes(key))
  if (unknown !== undefined) invalid(`${where}.${unknown}`, fields[unknown], `a filter operator: one of ${OPERATORS.join(', ')}`)
  const [op, extra] = keys.filter((key) => key !== 'field')
  if (op === undefined) return invalid(where, value, A_FILTER)
  if (extra !== undefined) invalid(`${where}.${extra}`, fields[extra], `one operator per filter (this one has ${op}); combine filters with all or any`)
  const at = `${where}.${op}`
  const operand = fields[op]
  if (GROUP_OPERATORS.includes(op)) {
    if ('field' in fields) invalid(`${where}.field`, fields.field, `no field beside ${op}: fields go in the filters inside it`)
    if (op === 'not') return { not: filterAt(at, operand) }
    if (!Array.isArray(operand) || operand.length === 0) return invalid(at, operand, 'a non-empty array of filters')
    const filters = operand.map((filter, i) => filterAt(`${at}[${i}]`, filter))
    return op === 'all' ? { all: filters } : { any: filters }
  }
  const field = fields.field
  if (typeof field !== 'string' || field === '') return invalid(`${where}.field`, field, "a field name, like 'status' or 'req.method'")
  switch (op) {
    case 'equals':
      return { field, equals: scalar(at, operand) }
    case 'oneOf':
      if (!Array.isArray(operand) || operand.length === 0) return invalid(at, operand, `a non-empty array, each ${SCALAR}`)
      return { field, oneOf: operand.map((item, i) => scalar(`${at}[${i}]`, item)) }
    case 'matches':
      return { field, matches: pattern(at, operand) }
    default:
      if (typeof operand !== 'boolean') return invalid(at, operand, 'true or false')
      return { field, exists: operand }
  }
}

function scalar(where: Where, value: unknown): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && !Number.isNaN(value))) return value
  return invalid(where, value, SCALAR)
}

function pattern(where: Where, value: unknown): { source: string; flags: string } {
  let source: unknown
  let flags: unknown = ''
  if (value instanceof RegExp) ({ source, flags } = value)
  else if (typeof value === 'string') source = value
  else if (value !== null && typeof value === 'object' && Object.keys(value).every((k) => k === 'source' || k === 'flags')) {
    ({ source, flags = '' } = value as { source?: unknown; flags?: unknown })
  }
  if (typeof source !== 'string' || typeof flags !== 'string') {
    return invalid(where, value, 'a regular expression: its source as a string, a RegExp, or { source, flags }')
  }
  // g and y make RegExp.test() remember where it stopped, so one record's match would move the next one's start.
  flags = flags.replace(/[gy]/g, '')
  try {
    new RegExp(source, flags as string)
  } catch (error) {
    const message = (error as Error).message
    const reason = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message)?.[1] ?? message
    return invalid(where, value, `a valid regular expression (${reason.charAt(0).toLowerCase()}${reason.slice(1)})`)
  }
  return { source, flags: flags as string }
}

/** The filter as a function; regular expressions are compiled here, once. */
export function compileFilter(config: FilterConfig): Filter {
  if ('all' in config) {
    const filters = config.all.map(compileFilter)
    return (get) => filters.every((filter) => filter(get))
  }
  if ('any' in config) {
    const filters = config.any.map(compileFilter)
    return (get) => filters.some((filter) => filter(get))
  }
  if ('not' in config) {
    const filter = compileFilter(config.not)
    return (get) => !filter(get)
  }
  const { field } = config
  if ('equals' in config) {
    const expected = config.equals
    return (get) => get(field) === expected
  }
  if ('oneOf' in config) {
    const allowed = new Set<unknown>(config.oneOf)
    return (get) => allowed.has(get(field))
  }
  if ('matches' in config) {
    const regex = new RegExp(config.matches.source, config.matches.flags)
    // Numbers and booleans are matched as written (status 503 against /^5/); objects and absent fields never match.
    return (get) => {
      const value = get(field)
      const type = typeof value
      return (type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint') && regex.test(String(value))
    }
  }
  const exists = config.exists
  return (get) => (get(field) !== undefined) === exists
}
