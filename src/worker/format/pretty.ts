import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { datePattern } from './date-pattern.js'
import { escapeJsonText, escapeText } from './escape.js'
import type { FormatOptions } from './format.js'
import { splitName } from './text.js'
import type { Output } from '../output.js'
import { plainJson, type Plain, type PlainObject } from './values.js'

/**
 * For people at a terminal: a short first line, then one line per field, and error stacks over
 * as many lines as they have. ANSI colors only when `colors` is set (the destination is a TTY, or
 * forced); any escape sequence inside a message or a value is written escaped, never interpreted.
 */

const INDENT = '    '

function levelColor(level: number): number {
  if (Number.isNaN(level)) return 39 // a level without a rank: the terminal's own color
  if (level <= 10) return 90 // trace: gray
  if (level <= 20) return 34 // debug: blue
  if (level <= 30) return 32 // info: green
  if (level <= 40) return 33 // warn: yellow
  if (level <= 50) return 31 // error: red
  return 35 // fatal and above: magenta
}

/** The fields as one JSON object on a line; numbers as numbers, as on their own lines. */
function inline(fields: PlainObject, keys: readonly string[]): string {
  return escapeJsonText(`{${keys.map((key) => `${JSON.stringify(key)}:${typeof fields[key] === 'number' ? fields[key] : plainJson(fields[key])}`).join(',')}}`)
}

function isErrorLike(value: Plain): value is PlainObject & { stack: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.stack === 'string' && value.stack !== ''
}

/**
 * How `ringlog pretty` lays a record out, beyond what the logger's pretty format does; the flags
 * of the same names (pino-pretty's) set them.
 */
export interface PrettyLayout {
  /**
   * The time as a `--translateTime` pattern (`SYS:yyyy-mm-dd HH:MM:ss.l o`).
   * @default the time of day in UTC, `HH:MM:ss.l`
   */
  time?: string
  /** The level before the time. */
  levelFirst?: boolean
  /** Fields as one JSON object at the end of the first line; errors still over several lines. */
  singleLine?: boolean
  /** No fields, except errors. */
  hideObject?: boolean
}

export class PrettyFormat extends DecodedFormat {
  private readonly clock: (ms: number) => string

  constructor(out: Output, options: FormatOptions, private readonly layout: PrettyLayout = {}) {
    super(out, options)
    this.clock = layout.time === undefined ? (ms) => this.time.iso(ms).slice(11, 23) : datePattern(layout.time)
  }

  /** A record without a time (NaN) or a level (an empty label) shows none, rather than one made up. */
  line(record: DecodedRecord): void {
    const { name, rest } = splitName(record.fields)
    const label = escapeText(record.label.toUpperCase())
    const head: string[] = []
    if (Number.isFinite(record.time)) head.push(this.paint(90, this.clock(record.time)))
    const labelAt = label === '' ? -1 : this.layout.levelFirst ? 0 : head.length
    if (labelAt >= 0) head.splice(labelAt, 0, this.paint(levelColor(record.level), label))
    if (name !== undefined) head.push(this.paint(1, `[${escapeText(name)}]`, 22))
    if (record.message !== undefined) head.push(this.paint(36, escapeText(record.message)))
    const { singleLine, hideObject } = this.layout
    const inlined = singleLine && !hideObject ? Object.keys(rest).filter((key) => !isErrorLike(rest[key])) : []
    if (inlined.length > 0) head.push(inline(rest, inlined))
    // Labels padded to five, so what follows lines up.
    if (labelAt >= 0 && labelAt < head.length - 1) head[labelAt] += ' '.repeat(Math.max(0, 5 - label.length))
    let text = `${head.join(' ')}\n`
    for (const key of Object.keys(rest)) {
      if (isErrorLike(rest[key]) || !(singleLine || hideObject)) text += this.field(INDENT, key, rest[key])
    }
    this.out.utf8(text)
  }

  private field(indent: string, key: string, value: Plain): string {
    const label = `${indent}${this.paint(90, `${escapeText(key)}:`)}`
    // Numbers as numbers: JSON would turn NaN and Infinity into null.
    if (typeof value === 'number') return `${label} ${value}\n`
    if (!isErrorLike(value)) return `${label} ${escapeJsonText(plainJson(value))}\n`
    // An error: its stack over several lines, then its other fields (code, cause...) below it.
    const [first, ...frames] = value.stack.split('\n')
    let text = `${label} ${this.paint(31, escapeText(first))}\n`
    for (const frame of frames) text += `${indent}${INDENT}${this.paint(90, escapeText(frame.trim()))}\n`
    for (const inner of Object.keys(value)) {
      if (inner !== 'type' && inner !== 'message' && inner !== 'stack') text += this.field(indent + INDENT, inner, value[inner])
    }
    return text
  }

  private paint(color: number, text: string, reset = 39): string {
    return this.options.colors ? `\x1b[${color}m${text}\x1b[${reset}m` : text
  }
}
