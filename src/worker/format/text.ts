import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { escapeText } from './escape.js'
import { logfmtPairs } from './logfmt.js'
import type { PlainObject } from './values.js'

/** The `name` binding shown in brackets, and the other fields. */
export function splitName(fields: PlainObject): { name: string | undefined; rest: PlainObject } {
  const { name, ...rest } = fields
  return typeof name === 'string' ? { name, rest } : { name: undefined, rest: fields }
}

/** `2026-11-28T02:04:27.123Z INFO  [billing] user logged in userId=42`, one record per line. */
export class TextFormat extends DecodedFormat {
  line(record: DecodedRecord): void {
    const { name, rest } = splitName(record.fields)
    let text = `${this.time.text(record.time)} ${escapeText(record.label.toUpperCase()).padEnd(5)}`
    if (name !== undefined) text += ` [${escapeText(name)}]`
    if (record.message !== undefined) text += ` ${escapeText(record.message)}`
    this.out.utf8(`${text}${logfmtPairs(rest)}\n`)
  }
}
