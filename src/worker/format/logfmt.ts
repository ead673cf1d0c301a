import { DecodedFormat, type DecodedRecord } from './decoded.js'
import { logfmtKey, logfmtValue } from './escape.js'
import { flatten, plainText, type PlainObject } from './values.js'

/** ` key=value` for every leaf of the fields, nested objects flattened with dots. */
export function logfmtPairs(fields: PlainObject): string {
  let text = ''
  flatten(fields, (key, value) => {
    text += ` ${logfmtKey(key)}=${logfmtValue(plainText(value))}`
  })
  return text
}

/** `time=... level=info msg="user logged in" userId=42`, one record per line. */
export class LogfmtFormat extends DecodedFormat {
  line(record: DecodedRecord): void {
    const { options } = this
    let text = `${logfmtKey(options.timeKey)}=${logfmtValue(this.time.text(record.time))}`
    text += ` ${logfmtKey(options.levelKey)}=${options.levelFormat === 'number' ? record.level : logfmtValue(record.label)}`
    if (record.message !== undefined) text += ` ${logfmtKey(options.messageKey)}=${logfmtValue(record.message)}`
    this.out.utf8(`${text}${logfmtPairs(record.fields)}\n`)
  }
}
