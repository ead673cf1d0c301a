/**
 * Escaping for the line-oriented formats: no character from a message or a value may start a new
 * line (log injection) or reach a terminal as a control sequence, and no two different strings
 * may be written as the same bytes.
 */

// C0 controls (newline, carriage return, escape...), DEL, C1 controls, the Unicode line separators,
// and lone surrogates, which UTF-8 cannot carry (they would all be written as U+FFFD).
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029'
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]'
// The backslash too, where it starts the escapes: else a newline and a backslash followed by `n` would be written alike.
const TEXT = new RegExp(`[\\\\${CONTROL}]|${LONE_SURROGATE}`)
const TEXT_G = new RegExp(TEXT.source, 'g')
// JSON text has its backslashes escaped already; JSON.stringify leaves only these as they are.
const IN_JSON = new RegExp(`[${CONTROL}]|${LONE_SURROGATE}`)
const IN_JSON_G = new RegExp(IN_JSON.source, 'g')

function escapeChar(c: string): string {
  switch (c) {
    case '\\': return '\\\\'
    case '\n': return '\\n'
    case '\r': return '\\r'
    case '\t': return '\\t'
  }
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/**
 * The backslash as `\\`, control characters as `\n`, `\r`, `\t` or `\u001b`, lone surrogates as
 * `\ud800`: the escapes of a JSON string, so JSON.parse of the text in quotes gives `s` back.
 */
export function escapeText(s: string): string {
  return TEXT.test(s) ? s.replace(TEXT_G, escapeChar) : s
}

/** escapeText() for text that is JSON already (a container written in pretty): its backslashes are escapes. */
export function escapeJsonText(s: string): string {
  return IN_JSON.test(s) ? s.replace(IN_JSON_G, escapeChar) : s
}

const NEEDS_QUOTES = new RegExp(`[\\s"=]|${TEXT.source}`)

/** A logfmt value: bare when it can be, else quoted, escaped as escapeText() with `\"` for the quote. */
export function logfmtValue(s: string): string {
  if (s !== '' && !NEEDS_QUOTES.test(s)) return s
  return `"${escapeText(s).replace(/"/g, '\\"')}"`
}

// What ends or breaks a key (logfmt parsers take no quotes or escapes in keys), and `%`, the escape itself.
const KEY_UNSAFE = new RegExp(`[%\\s"=]|${TEXT.source}`)
const KEY_UNSAFE_G = new RegExp(KEY_UNSAFE.source, 'g')

function percent(c: string): string {
  // A lone surrogate has no UTF-8 bytes: `%uD800`, as JavaScript's escape() writes it.
  const code = c.charCodeAt(0)
  return code >= 0xd800 && code <= 0xdfff ? `%u${code.toString(16).toUpperCase()}` : encodeURIComponent(c)
}

/**
 * A logfmt key. Keys cannot be quoted in logfmt (go-logfmt rejects a quote in a key, the logfmt
 * package reads an escape in a key into the value), so what would end or break one is
 * percent-encoded, as UTF-8 bytes (`a b` is `a%20b`, `%` itself `%25`): decodeURIComponent() gives
 * the key back. The empty key, which no encoding of characters can show, is a lone `%`.
 */
export function logfmtKey(key: string): string {
  if (key === '') return '%'
  return KEY_UNSAFE.test(key) ? key.replace(KEY_UNSAFE_G, percent) : key
}

/** An RFC 4180 field; escaped as escapeText() first, so a field never spans lines. */
export function csvField(s: string): string {
  const text = escapeText(s)
  return /[",]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
