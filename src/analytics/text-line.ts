import { levelRank } from '../cli/foreign-record.js'

/**
 * A plain-text log line read as a record: the time it starts with, the first level word in its
 * head, and the rest as the message. Mining the message without them matters: the first tokens
 * of a message choose its place in the miner's tree, and a date there says nothing of the event.
 */

/** What a line gave: time NaN when it starts with none, level NaN and label '' when it names none. */
export interface TextRecord {
  time: number
  level: number
  label: string
  message: string
}

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 }

/** `2026-12-06T12:00:00.123Z`, `2026-12-06 12:00:00,123 +0100`, with brackets or not. */
const ISO = /^\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?\]?\s*/
/**
 * syslog's `Dec  6 12:00:00 host ` (RFC 3164: the host follows the time, the year is the reader's)
 * and the C library's `[Sun Dec 06 12:00:00.123 2026]` (Apache's error log), with a weekday, a
 * fraction and a year or not.
 */
const CTIME = /^(\[?)(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?(?: (\d{4}))?\]?\s+/
/** The host after an RFC 3164 time, when a word follows it. */
const HOST = /^[\w.-]+\s+(?=\S)/
/** A level word, alone or bracketed, among the first few tokens: `ERROR`, `[warn]`, `<info>`, `W`-less forms are not guessed. */
const LEVEL = /^(?:[[<(]?)(trace|debug|info|notice|warn|warning|error|err|crit|critical|fatal|alert|emerg|emergency)(?:[\]>):]?)$/i
const HEAD_TOKENS = 4

function isoTime(match: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  if (zone === undefined || zone === 'Z') return zone === undefined ? utc + new Date(utc).getTimezoneOffset() * 60_000 : utc
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

function ctime(match: RegExpExecArray, defaultYear: number): number {
  const [, , monthName, day, h, mi, sec, fraction = '', year] = match
  const month = MONTHS[monthName.toLowerCase()]
  if (month === undefined) return NaN
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3))
  return new Date(year === undefined ? defaultYear : Number(year), month, Number(day), Number(h), Number(mi), Number(sec), ms).getTime()
}

/** Reads a line; `year` completes syslog times, which have none. */
export function textRecord(line: string, year = new Date().getFullYear()): TextRecord {
  let rest = line
  let time = NaN
  const iso = ISO.exec(rest)
  if (iso !== null) {
    time = isoTime(iso)
    rest = rest.slice(iso[0].length)
  } else {
    const match = CTIME.exec(rest)
    if (match !== null) time = ctime(match, year)
    if (match !== null && !Number.isNaN(time)) {
      rest = rest.slice(match[0].length)
      // RFC 3164's form: no bracket, no year, a host next.
      const host = match[1] === '' && match[8] === undefined ? HOST.exec(rest) : null
      if (host !== null) rest = rest.slice(host[0].length)
    }
  }
  let level = NaN
  let label = ''
  const tokens = rest.split(' ', HEAD_TOKENS)
  for (let i = 0, at = 0; i < tokens.length; at += tokens[i].length + 1, i++) {
    const word = LEVEL.exec(tokens[i])
    if (word === null) continue
    label = word[1].toLowerCase()
    level = levelRank(label) ?? NaN
    rest = (rest.slice(0, at) + rest.slice(at + tokens[i].length + 1)).trim()
    break
  }
  return { time, level, label, message: rest }
}
