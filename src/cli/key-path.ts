import type { Plain, PlainObject } from '../worker/format/values.js'

/**
 * Key paths as pino-pretty writes them: `req.headers` names the key `headers` inside `req`, and a
 * backslash makes the next character literal, so `log\.level` names the one key `log.level`.
 */

export type KeyPath = readonly string[]

/** The path's keys; an empty one (`''`, `a..b`, `a.`) is an error, as it names nothing. */
export function keyPath(text: string): KeyPath | undefined {
  const keys: string[] = []
  let key = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\\' && i + 1 < text.length) key += text[++i]
    else if (c === '.') {
      keys.push(key)
      key = ''
    } else key += c
  }
  keys.push(key)
  return keys.includes('') ? undefined : keys
}

function isObject(value: Plain | undefined): value is PlainObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function getPath(object: PlainObject, path: KeyPath): Plain | undefined {
  let value: Plain | undefined = object
  for (const key of path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined
  return value
}

/**
 * Removes the key at the path. With `prune`, objects the removal leaves empty go too: an ECS
 * `{"log":{"level":"info"}}` read for its level leaves nothing to show.
 */
export function deletePath(object: PlainObject, path: KeyPath, prune = false): void {
  const [key, ...deeper] = path
  if (!Object.hasOwn(object, key)) return
  if (deeper.length === 0) {
    delete object[key]
    return
  }
  const inner = object[key]
  if (!isObject(inner)) return
  deletePath(inner, deeper, prune)
  if (prune && Object.keys(inner).length === 0) delete object[key]
}

// A key from the input may be `__proto__`: defined, never assigned, so it stays a key.
function setOwn(object: PlainObject, key: string, value: Plain): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Only the keys at the paths (`--include`), nested as they were; paths that hold nothing are skipped. */
export function pickPaths(object: PlainObject, paths: readonly KeyPath[]): PlainObject {
  const picked: PlainObject = {}
  for (const path of paths) {
    const value = getPath(object, path)
    if (value === undefined) continue
    let target = picked
    for (const key of path.slice(0, -1)) {
      if (!Object.hasOwn(target, key)) setOwn(target, key, {})
      target = target[key] as PlainObject
    }
    setOwn(target, path[path.length - 1], value)
  }
  return picked
}

/** True when one of the paths is the path or holds it (`req` holds `req.url`). */
export function covers(paths: readonly KeyPath[], path: KeyPath): boolean {
  return paths.some((outer) => outer.length <= path.length && outer.every((key, i) => key === path[i]))
}
