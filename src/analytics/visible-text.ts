const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/**
 * Text from a log with its control characters written out (`\u001b`), so that printing a report
 * cannot move a terminal's cursor or recolour it. Line feeds and tabs stay.
 */
export function visibleText(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
