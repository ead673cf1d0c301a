import type { Plain, PlainObject } from './values.js'

/** Where a field goes: the keys of the objects on the way, then its own. */
export type Path = readonly string[]

/** A field taken from its key to a path, with the value it has there. */
export type Move = readonly [key: string, path: Path, value: Plain]

export const isObject = (value: Plain | undefined): value is PlainObject => value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * The fields, those of the moves taken to their paths (after the others, in the moves' order). A
 * field whose place is taken (a field of that name that is not an object, or a value already
 * there) stays under its own name as it was given.
 */
export function withMoves(fields: PlainObject, moves: readonly Move[]): PlainObject {
  const moved = new Set(moves.map(([key]) => key))
  const body: PlainObject = {}
  for (const key of Object.keys(fields)) if (!moved.has(key)) body[key] = fields[key]
  for (const [key, path, value] of moves) if (!put(body, path, value)) body[key] = fields[key]
  return body
}

/** Puts `value` at `path` in `target`, making the objects on the way; false, and nothing changed, when something else is in the way. */
function put(target: PlainObject, path: Path, value: Plain): boolean {
  let node = target
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]]
    if (next === undefined) {
      // Made here: what is below is new too, so nothing further fails and leaves it empty.
      const made: PlainObject = {}
      node[path[i]] = made
      node = made
    } else if (isObject(next)) {
      node = next
    } else {
      return false
    }
  }
  const last = path[path.length - 1]
  if (node[last] !== undefined) return false
  node[last] = value
  return true
}
