/**
 * Strict parsers for one line of logfmt and one row of RFC 4180 CSV, for tests that check what the
 * formats write. Both throw a SyntaxError naming the column on anything malformed, rather than
 * guessing what was meant.
 */

/** C0 controls, DEL, C1 controls and the Unicode line and paragraph separators. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** What may not appear in a logfmt key, or in a bare (unquoted) logfmt value. */
const LOGFMT_UNSAFE = /[\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/

export interface LogfmtPair {
  key: string
  /** The value with its quoting and escapes undone. */
  value: string
  /** True when the value was written in double quotes. */
  quoted: boolean
}

function fail(kind: string, line: string, at: number, why: string): never {
  const near = JSON.stringify(line.slice(Math.max(0, at - 20), at + 20))
  throw new SyntaxError(`${kind}: ${why} at column ${at} (near ${near}) in ${JSON.stringify(line.length > 400 ? `${line.slice(0, 400)}...` : line)}`)
}

const HEX4 = /^[0-9a-fA-F]{4}$/
const KEY_RUN = /[^=]*/y
const BARE_RUN = /[^ ]*/y
const QUOTED_RUN = /[^"\\\u0000-\u001f\u007f-\u009f\u2028\u2029]*/y

/** The end of the run that `sticky` matches at `from`. */
function run(sticky: RegExp, line: string, from: number): number {
  sticky.lastIndex = from
  sticky.test(line)
  return sticky.lastIndex
}

/**
 * The `key=value` pairs of one logfmt line, in order (a key may repeat). Pairs are separated by
 * exactly one space, with none before the first or after the last. A key is one or more characters
 * other than whitespace, `"`, `=`, `\` and control characters. A value is either bare (one or more
 * characters, none of them whitespace, `"`, `=`, `\` or a control character) or quoted: `"..."`
 * with no raw `"`, `\` or control character inside, and only the escapes `\"`, `\\`, `\n`, `\r`,
 * `\t` and `\uXXXX`. An empty value must be written `""`.
 */
export function parseLogfmtLine(line: string): LogfmtPair[] {
  const pairs: LogfmtPair[] = []
  if (line === '') fail('logfmt', line, 0, 'empty line')
  const n = line.length
  let i = 0
  for (;;) {
    // The key: up to the first '='.
    const keyEnd = run(KEY_RUN, line, i)
    const key = line.slice(i, keyEnd)
    if (key === '') fail('logfmt', line, i, 'empty key')
    const badKey = key.search(LOGFMT_UNSAFE)
    if (badKey >= 0) fail('logfmt', line, i + badKey, `character ${JSON.stringify(key[badKey])} in a key`)
    if (keyEnd === n) fail('logfmt', line, keyEnd, 'key without "="')
    i = keyEnd + 1
    // The value.
    let value = ''
    let quoted = false
    if (line[i] === '"') {
      quoted = true
      i++
      for (;;) {
        const end = run(QUOTED_RUN, line, i)
        value += line.slice(i, end)
        i = end
        if (i === n) fail('logfmt', line, i, 'unterminated quoted value')
        const c = line[i]
        if (c === '"') {
          i++
          break
        }
        if (c !== '\\') fail('logfmt', line, i, `raw control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')} in a quoted value`)
        const e = line[i + 1]
        if (e === '"' || e === '\\') value += e
        else if (e === 'n') value += '\n'
        else if (e === 'r') value += '\r'
        else if (e === 't') value += '\t'
        else if (e === 'u') {
          const hex = line.slice(i + 2, i + 6)
          if (!HEX4.test(hex)) fail('logfmt', line, i, 'bad \\u escape')
          value += String.fromCharCode(parseInt(hex, 16))
          i += 4
        } else fail('logfmt', line, i, `unknown escape \\${e ?? '(end of line)'}`)
        i += 2
      }
    } else {
      const end = run(BARE_RUN, line, i)
      value = line.slice(i, end)
      if (value === '') fail('logfmt', line, i, 'empty bare value (an empty value must be written "")')
      const bad = value.search(LOGFMT_UNSAFE)
      if (bad >= 0) fail('logfmt', line, i + bad, `character ${JSON.stringify(value[bad])} in a bare value`)
      i = end
    }
    pairs.push({ key, value, quoted })
    if (i === n) return pairs
    if (line[i] !== ' ') fail('logfmt', line, i, 'expected a space after a value')
    i++
    if (i === n) fail('logfmt', line, i, 'trailing space')
  }
}

/** The pairs of a logfmt line as an object; a repeated key keeps its last value. */
export function logfmtObject(line: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const { key, value } of parseLogfmtLine(line)) out[key] = value
  return out
}

const CSV_QUOTED_RUN = /[^"\r\n]*/y
const CSV_BARE_RUN = /[^,]*/y

export interface CsvField {
  /** The field with RFC 4180 quoting undone (`""` back to `"`). */
  value: string
  quoted: boolean
}

/**
 * The fields of one RFC 4180 row, given without its line ending. A field is either unquoted (no
 * `"`, `,`, CR or LF in it) or quoted (`"` ... `"`, with `""` for a quote and no CR or LF, since a
 * row must be one line), and a quoted field must be followed by `,` or the end of the row.
 */
export function parseCsvFields(line: string): CsvField[] {
  const fields: CsvField[] = []
  const n = line.length
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      i++
      let value = ''
      for (;;) {
        const end = run(CSV_QUOTED_RUN, line, i)
        value += line.slice(i, end)
        i = end
        if (i === n) fail('csv', line, i, 'unterminated quoted field')
        if (line[i] !== '"') fail('csv', line, i, 'line break inside a quoted field')
        if (line[i + 1] !== '"') break
        value += '"'
        i += 2
      }
      i++ // the closing quote
      if (i < n && line[i] !== ',') fail('csv', line, i, 'text after the closing quote of a field')
      fields.push({ value, quoted: true })
    } else {
      const end = run(CSV_BARE_RUN, line, i)
      const value = line.slice(i, end)
      const bad = value.search(/["\r\n]/)
      if (bad >= 0) fail('csv', line, i + bad, value[bad] === '"' ? 'quote inside an unquoted field' : 'line break in a field')
      fields.push({ value, quoted: false })
      i = end
    }
    if (i === n) return fields
    i++ // ','
  }
}

/** The field values of one RFC 4180 row, given without its line ending. */
export function parseCsvLine(line: string): string[] {
  return parseCsvFields(line).map((field) => field.value)
}
