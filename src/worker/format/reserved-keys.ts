import type { FormatOptions } from './format.js'
import { SEQUENCE_KEY } from './format.js'
import type { PlainObject } from './values.js'

const UNDERSCORE = 0x5f

/**
 * The keys a record writes itself (time, level, message, and `seq` when it has a number) are its
 * own: a field of the same name would be a second key of that name, and JSON parsers keep the last,
 * so the record's own value would be lost. A top-level field (of the call, the child bindings or the
 * request context) named like one of them followed by any number of `_` is written with one `_`
 * more: `msg` as `msg_`, `msg_` as `msg__`. No field is written under a record's own key, no two
 * fields get the same name, and a reader takes one `_` off to have the name back.
 */
export class ReservedKeys {
  private readonly names: ReadonlySet<string>
  /**
   * 1 at the first UTF-8 byte of every reserved name, and at the low byte of its first UTF-16 code
   * unit: most keys, as bytes or as a string, are told apart by one lookup.
   */
  private readonly firstBytes = new Uint8Array(256)

  constructor(names: readonly string[]) {
    this.names = new Set(names)
    for (const name of names) {
      if (name === '') continue
      this.firstBytes[Buffer.from(name)[0]] = 1
      this.firstBytes[name.charCodeAt(0) & 0xff] = 1
    }
  }

  /** The reserved keys of a format: its time, level and message keys, and `seq` for a record that has its number. */
  static of(options: FormatOptions, sequence: boolean): ReservedKeys {
    const names = [options.timeKey, options.levelKey, options.messageKey]
    return new ReservedKeys(sequence ? [...names, SEQUENCE_KEY] : names)
  }

  /** True when `key` is a reserved name followed by zero or more `_`. */
  isReserved(key: string): boolean {
    if (key === '' || this.firstBytes[key.charCodeAt(0) & 0xff] === 0) return false
    for (let end = key.length; ; end--) {
      if (this.names.has(end === key.length ? key : key.slice(0, end))) return true
      if (end === 0 || key.charCodeAt(end - 1) !== UNDERSCORE) return false
    }
  }

  /** isReserved() of the UTF-8 key src[start, end), decoded only when its first byte starts a reserved name. */
  isReservedBytes(src: Buffer, start: number, end: number): boolean {
    return end > start && this.firstBytes[src[start]] === 1 && this.isReserved(src.utf8Slice(start, end))
  }

  /** The name a top-level field is written under. */
  rename(key: string): string {
    return this.isReserved(key) ? `${key}_` : key
  }

  /** `fields` with its reserved-looking keys renamed, in their places; `fields` itself when none is. */
  renameAll(fields: PlainObject): PlainObject {
    const keys = Object.keys(fields)
    if (!keys.some((key) => this.isReserved(key))) return fields
    const out = Object.create(null) as PlainObject
    for (const key of keys) out[this.rename(key)] = fields[key]
    return out
  }
}
