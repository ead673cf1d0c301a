import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { escapeJsonText, escapeText } from './escape.js'
import { splitName } from './text.js'
import { plainJson, type Plain, type PlainObject } from './values.js'

/**
 * For people at a terminal: a short first line, then one line per field, and error stacks over
 * as many lines as they have. ANSI colors only when `colors` is set (the destination is a TTY, or
 * forced); any escape sequence inside a message or a value is written escaped, never interpreted.
 */

const INDENT = '    '

function levelColor(level: number): number {
  if (level <= 10) return 90 // trace: gray
  if (level <= 20) return 34 // debug: blue
  if (level <= 30) return 32 // info: green
  if (level <= 40) return 33 // warn: yellow
  if (level <= 50) return 31 // error: red
  return 35 // fatal and above: magenta
}

function isErrorLike(value: Plain): value is PlainObject & { stack: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.stack === 'string' && value.stack !== ''
}

export class PrettyFormat extends DecodedFormat {
  line(record: DecodedRecord): void {
    const { name, rest } = splitName(record.fields)
    const clock = Number.isFinite(record.time) ? this.time.iso(record.time).slice(11, 23) : '--:--:--.---'
    const label = escapeText(record.label.toUpperCase())
    let after = ''
    if (name !== undefined) after += ` ${this.paint(1, `[${escapeText(name)}]`, 22)}`
    if (record.message !== undefined) after += ` ${this.paint(36, escapeText(record.message))}`
    // Labels padded to five, so what follows lines up.
    let text = `${this.paint(90, clock)} ${this.paint(levelColor(record.level), label)}${after && ' '.repeat(Math.max(0, 5 - label.length))}${after}\n`
    for (const key of Object.keys(rest)) text += this.field(INDENT, key, rest[key])
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
