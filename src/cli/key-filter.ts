import type { ForeignRecord } from './foreign-record.js'
import { covers, deletePath, pickPaths, type KeyPath } from './key-path.js'

/**
 * `--include` and `--ignore` on a record read from a line. They choose among all of its keys, the
 * time and level included (`-i time` prints no time), as pino-pretty's do, but for two differences:
 * `--include` always keeps the message, as pino-pretty does, yet `--ignore msg` hides it; and with
 * both, both apply (`-I req -i req.headers`), where pino-pretty drops `--ignore`.
 */
export function filterKeys(record: ForeignRecord, include: readonly KeyPath[] | undefined, ignore: readonly KeyPath[]): ForeignRecord {
  const { from } = record
  const shown = (path: KeyPath | undefined): boolean => path === undefined || ((include === undefined || covers(include, path)) && !covers(ignore, path))
  const fields = include === undefined ? record.fields : pickPaths(record.fields, include)
  for (const path of ignore) deletePath(fields, path)
  return {
    time: shown(from.time) ? record.time : NaN,
    level: record.level,
    label: shown(from.level) ? record.label : '',
    message: from.message === undefined || !covers(ignore, from.message) ? record.message : undefined,
    fields,
    from,
  }
}
