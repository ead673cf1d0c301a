/**
 * Times written by a dateformat pattern, the one pino-pretty's `--translateTime` takes, so that a
 * pattern copied from a pino-pretty command line prints the same: the same letters (`yyyy-mm-dd
 * HH:MM:ss.l o`), named masks (`isoDateTime`) and quoted literals (`'T'`). pino-pretty's prefixes
 * choose the zone: `SYS:` local time, `UTC:` or none UTC, and `SYS:standard` is
 * `SYS:yyyy-mm-dd HH:MM:ss.l o`.
 */

const TOKEN = /d{1,4}|D{3,4}|m{1,4}|yy(?:yy)?|([HhMsTt])\1?|W{1,2}|[LlopSZN]|"[^"]*"|'[^']*'/g

const MASKS: Readonly<Record<string, string>> = {
  default: 'ddd mmm dd yyyy HH:MM:ss',
  shortDate: 'm/d/yy',
  paddedShortDate: 'mm/dd/yyyy',
  mediumDate: 'mmm d, yyyy',
  longDate: 'mmmm d, yyyy',
  fullDate: 'dddd, mmmm d, yyyy',
  shortTime: 'h:MM TT',
  mediumTime: 'h:MM:ss TT',
  longTime: 'h:MM:ss TT Z',
  isoDate: 'yyyy-mm-dd',
  isoTime: 'HH:MM:ss',
  isoDateTime: "yyyy-mm-dd'T'HH:MM:sso",
  isoUtcDateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss'Z'",
  expiresHeaderFormat: 'ddd, dd mmm yyyy HH:MM:ss Z',
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
/** Short month names, then long ones. */
export const MONTHS = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
]
// dateformat's way to name the local zone: from Date's string, `EST` for "Eastern Standard Time".
const ZONE_NAME = /\b(?:[PMCEA][SDP]T|(?:Pacific|Mountain|Central|Eastern|Atlantic) (?:Standard|Daylight|Prevailing) Time|(?:GMT|UTC)(?:[-+]\d{4})?)\b/g

const pad = (value: number, length = 2): string => String(value).padStart(length, '0')

/** A calendar day in the chosen zone. */
interface Day {
  y: number
  m: number
  d: number
}

function dayOf(date: Date, utc: boolean): Day {
  return utc
    ? { y: date.getUTCFullYear(), m: date.getUTCMonth(), d: date.getUTCDate() }
    : { y: date.getFullYear(), m: date.getMonth(), d: date.getDate() }
}

/** ISO-8601 week number: weeks start on Monday, week 1 holds the year's first Thursday. */
function isoWeek({ y, m, d }: Day): number {
  const thursday = new Date(Date.UTC(y, m, d))
  thursday.setUTCDate(d - ((thursday.getUTCDay() + 6) % 7) + 3)
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4))
  firstThursday.setUTCDate(4 - ((firstThursday.getUTCDay() + 6) % 7) + 3)
  return 1 + Math.round((thursday.getTime() - firstThursday.getTime()) / (7 * 864e5))
}

/** `Today`, `Yesterday` or `Tomorrow` (DDDD; DDD: `Tdy`, `Ysd`, `Tmw`) relative to now, else the day's name. */
function relativeDay(day: Day, utc: boolean, name: string, short: boolean): string {
  const now = Date.now()
  const words = short ? ['Ysd', 'Tdy', 'Tmw'] : ['Yesterday', 'Today', 'Tomorrow']
  for (let offset = -1; offset <= 1; offset++) {
    const other = dayOf(new Date(now + offset * 864e5), utc)
    if (other.y === day.y && other.m === day.m && other.d === day.d) return words[offset + 1]
  }
  return name
}

function render(mask: string, ms: number, utc: boolean): string {
  const date = new Date(ms)
  const day = dayOf(date, utc)
  const weekday = utc ? date.getUTCDay() : date.getDay()
  const hours = utc ? date.getUTCHours() : date.getHours()
  const minutes = utc ? date.getUTCMinutes() : date.getMinutes()
  const seconds = utc ? date.getUTCSeconds() : date.getSeconds()
  const millis = utc ? date.getUTCMilliseconds() : date.getMilliseconds()
  // Minutes west of UTC, as getTimezoneOffset() counts them.
  const west = utc ? 0 : date.getTimezoneOffset()
  const sign = west > 0 ? '-' : '+'
  const offset = Math.abs(west)
  const pm = hours >= 12
  return mask.replace(TOKEN, (token) => {
    switch (token) {
      case 'd': return String(day.d)
      case 'dd': return pad(day.d)
      case 'ddd': return DAYS[weekday]
      case 'dddd': return DAYS[weekday + 7]
      case 'DDD': return relativeDay(day, utc, DAYS[weekday], true)
      case 'DDDD': return relativeDay(day, utc, DAYS[weekday + 7], false)
      case 'm': return String(day.m + 1)
      case 'mm': return pad(day.m + 1)
      case 'mmm': return MONTHS[day.m]
      case 'mmmm': return MONTHS[day.m + 12]
      case 'yy': return String(day.y).slice(2)
      case 'yyyy': return pad(day.y, 4)
      case 'h': return String(hours % 12 || 12)
      case 'hh': return pad(hours % 12 || 12)
      case 'H': return String(hours)
      case 'HH': return pad(hours)
      case 'M': return String(minutes)
      case 'MM': return pad(minutes)
      case 's': return String(seconds)
      case 'ss': return pad(seconds)
      case 'l': return pad(millis, 3)
      case 'L': return pad(Math.floor(millis / 10))
      case 't': return pm ? 'p' : 'a'
      case 'tt': return pm ? 'pm' : 'am'
      case 'T': return pm ? 'P' : 'A'
      case 'TT': return pm ? 'PM' : 'AM'
      case 'Z': return utc ? 'UTC' : (String(date).match(ZONE_NAME) ?? ['']).pop()!.replace(/[^-+\dA-Z]/g, '').replace(/GMT\+0000/g, 'UTC')
      case 'o': return sign + pad(Math.floor(offset / 60) * 100 + (offset % 60), 4)
      case 'p': return `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`
      case 'S': return ['th', 'st', 'nd', 'rd'][day.d % 10 > 3 || Math.floor(day.d / 10) === 1 ? 0 : day.d % 10]
      case 'W': return String(isoWeek(day))
      case 'WW': return pad(isoWeek(day))
      case 'N': return String(weekday || 7)
    }
    return token.slice(1, -1) // a quoted literal
  })
}

/** The formatter for a `--translateTime` value, chosen once. */
export function datePattern(spec: string): (ms: number) => string {
  const prefix = spec.slice(0, 4).toUpperCase()
  let mask = prefix === 'SYS:' || prefix === 'UTC:' ? spec.slice(4) : spec
  let utc = prefix !== 'SYS:'
  if (prefix === 'SYS:' && mask.toLowerCase() === 'standard') mask = 'yyyy-mm-dd HH:MM:ss.l o'
  if (Object.hasOwn(MASKS, mask)) mask = MASKS[mask]
  // isoUtcDateTime carries its own prefix.
  if (mask.startsWith('UTC:')) {
    mask = mask.slice(4)
    utc = true
  }
  return (ms) => render(mask, ms, utc)
}
