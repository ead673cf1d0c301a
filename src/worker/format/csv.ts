import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { csvField } from './escape.js'
import { plainText, type Plain, type PlainObject } from './values.js'

/**
 * RFC 4180 rows with the configured columns, a header row first. A column names a field (a dotted
 * name reaches into nested objects); fields not among the columns are not written.
 */
export class CsvFormat extends DecodedFormat {
  override header(): void {
    this.out.utf8(`${this.options.columns.map(csvField).join(',')}\r\n`)
  }

  line(record: DecodedRecord): void {
    const { options } = this
    const cells = options.columns.map((column) => {
      if (column === options.timeKey) return this.time.text(record.time)
      if (column === options.levelKey) return options.levelFormat === 'number' ? String(record.level) : record.label
      if (column === options.messageKey) return record.message ?? ''
      const value = lookup(record.fields, column)
      return value === undefined ? '' : plainText(value)
    })
    this.out.utf8(`${cells.map(csvField).join(',')}\r\n`)
  }
}

function lookup(fields: PlainObject, path: string): Plain | undefined {
  if (Object.hasOwn(fields, path)) return fields[path]
  let value: Plain | undefined = fields
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined
    value = value[part]
  }
  return value
}
