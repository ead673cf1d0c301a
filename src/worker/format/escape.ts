/**
 * Escaping for the line-oriented formats: no character from a message or a value may start a new
 * line (log injection) or reach a terminal as a control sequence.
 */

// C0 controls (newline, carriage return, escape...), DEL, C1 controls and the Unicode line separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const CONTROLS = new RegExp(CONTROL.source, 'g')

function escapeChar(c: string): string {
  switch (c) {
    case '\n': return '\\n'
    case '\r': return '\\r'
    case '\t': return '\\t'
  }
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** Control characters as `\n`, `\r`, `\t` or `\u001b`; everything else as it is. */
export function escapeControl(s: string): string {
  return CONTROL.test(s) ? s.replace(CONTROLS, escapeChar) : s
}

const NEEDS_QUOTES = /[\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** A logfmt value: bare when it can be, else quoted with `\"`, `\\` and control characters escaped. */
export function logfmtValue(s: string): string {
  if (s !== '' && !NEEDS_QUOTES.test(s)) return s
  return `"${escapeControl(s.replace(/["\\]/g, '\\$&'))}"`
}

const KEY_UNSAFE = /[\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/** A logfmt key: characters that would end or break the key become `_`. */
export function logfmtKey(key: string): string {
  return key === '' ? '_' : key.replace(KEY_UNSAFE, '_')
}

/** An RFC 4180 field; control characters are escaped first, so a field never spans lines. */
export function csvField(s: string): string {
  const text = escapeControl(s)
  return /[",]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
