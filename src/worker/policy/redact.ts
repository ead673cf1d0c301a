import type { Plain, PlainObject } from '../format/values.js'
import { invalid, optionFields, type Where } from '../../validate.js'
import { isPrefixTag, skipValue, stringLength, stringStart, TAG_ERROR } from '../format/msgpack.js'

/** Redaction as plain data (it crosses into a worker thread). */
export interface RedactConfig {
  /** The paths as the user gave them, e.g. 'req.headers.authorization', '*.password', 'users[*].ssn'. */
  paths: string[]
  /** What a redacted value or detected secret becomes. @default '[Redacted]' */
  censor: string
  /** true: the key (or array item) at a path is removed instead of censored. @default false */
  remove: boolean
  /** The built-in secret detectors that are on. @default [] */
  detectors: DetectorName[]
}
export type DetectorName = 'email' | 'creditCard' | 'jwt' | 'awsKey' | 'bearer' | 'githubToken' | 'stripeKey' | 'slackToken' | 'googleApiKey' | 'privateKey' | 'urlPassword'
export const DETECTORS: readonly DetectorName[] = ['email', 'creditCard', 'jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword']
/** The detectors of secrets (not of personal data: emails and card numbers are the user's call), on in the 'default' preset. */
export const SECRET_DETECTORS: readonly DetectorName[] = ['jwt', 'awsKey', 'bearer', 'githubToken', 'stripeKey', 'slackToken', 'googleApiKey', 'privateKey', 'urlPassword']
/** The keys the 'default' preset censors, at the top and one or two levels down: credentials by their usual names. */
const SECRET_KEYS = ['password', 'passwd', 'secret', 'token', 'apiKey', 'api_key', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'clientSecret', 'client_secret', 'privateKey', 'private_key', 'authorization', 'cookie']
export const SECRET_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`])

const DEFAULT_CENSOR = '[Redacted]'
const KEYS = ['paths', 'censor', 'remove', 'detectors']
const A_REDACT = "'default', an array of paths like ['req.headers.authorization', '*.password'] or { paths, censor, remove, detectors }"
const A_PATH = 'a path: keys separated by dots, * for any one key, [0] or [*] for array items, ["x-api-key"] for keys with other characters'
const A_DETECTOR = `one of ${DETECTORS.map((name) => `'${name}'`).join(', ')}`

/**
 * The user's `redact` option, checked: an array of paths, or
 * `{ paths?, censor?, remove?, detectors?: DetectorName[] | { email: true, ... } | true }`.
 * @example redactOption('option redact', { paths: ['req.headers.authorization'], detectors: ['jwt'] })
 */
export function redactOption(where: Where, value: unknown): RedactConfig | undefined {
  if (value === undefined) return undefined
  if (value === 'default') return { paths: [...SECRET_PATHS], censor: DEFAULT_CENSOR, remove: false, detectors: [...SECRET_DETECTORS] }
  if (Array.isArray(value)) return { paths: pathList(where, value), censor: DEFAULT_CENSOR, remove: false, detectors: [] }
  const fields = optionFields(where, value, KEYS, A_REDACT)
  const { paths = [], censor = DEFAULT_CENSOR, remove = false, detectors = [] } = fields
  if (!Array.isArray(paths)) invalid(`${where}.paths`, paths, "an array of paths like ['req.headers.authorization', '*.password']")
  if (typeof censor !== 'string') invalid(`${where}.censor`, censor, "a string, like '[Redacted]'")
  if (typeof remove !== 'boolean') invalid(`${where}.remove`, remove, 'true or false')
  return { paths: pathList(`${where}.paths`, paths as unknown[]), censor: censor as string, remove: remove as boolean, detectors: detectorList(`${where}.detectors`, detectors) }
}

function pathList(where: Where, paths: unknown[]): string[] {
  return paths.map((path, i) => {
    if (typeof path !== 'string') return invalid(`${where}[${i}]`, path, A_PATH)
    const parsed = parsePath(path)
    return typeof parsed === 'string' ? invalid(`${where}[${i}]`, path, `${A_PATH} (${parsed})`) : path
  })
}

function detectorList(where: Where, value: unknown): DetectorName[] {
  if (value === true) return [...DETECTORS]
  if (value === false) return []
  const on = new Set<unknown>()
  if (Array.isArray(value)) {
    value.forEach((name, i) => (DETECTORS.includes(name) ? on.add(name) : invalid(`${where}[${i}]`, name, A_DETECTOR)))
  } else if (value !== null && typeof value === 'object') {
    for (const [name, enabled] of Object.entries(value)) {
      if (!DETECTORS.includes(name as DetectorName)) invalid(`${where}.${name}`, enabled, `a detector: ${A_DETECTOR}`)
      if (typeof enabled !== 'boolean') invalid(`${where}.${name}`, enabled, 'true or false')
      if (enabled) on.add(name)
    }
  } else {
    return invalid(where, value, `true (all of them), an array of detector names (${A_DETECTOR}) or an object like { email: true, jwt: true }`)
  }
  return DETECTORS.filter((name) => on.has(name))
}

/** A path's segments, null standing for the wildcard; or why it does not parse. */
function parsePath(path: string): (string | null)[] | string {
  if (path === '') return 'it is empty'
  const segments: (string | null)[] = []
  let i = 0
  while (true) {
    if (path[i] === '[') {
      if (path[i + 1] === '"' || path[i + 1] === "'") {
        const quote = path[i + 1]
        let key = ''
        let j = i + 2
        for (; j < path.length && path[j] !== quote; j++) key += path[j] === '\\' ? (path[++j] ?? '') : path[j]
        if (j >= path.length) return `an unclosed quote at character ${i + 2}`
        if (path[j + 1] !== ']') return `no ']' after the quoted key at character ${j + 2}`
        segments.push(key)
        i = j + 2
      } else {
        const close = path.indexOf(']', i)
        const inside = path.slice(i + 1, close)
        if (close < 0 || (inside !== '*' && !/^(?:0|[1-9]\d*)$/.test(inside))) return `a bracket at character ${i + 1} that is not [*], [0] or ["key"]`
        segments.push(inside === '*' ? null : inside)
        i = close + 1
      }
    } else {
      const start = i
      while (i < path.length && path[i] !== '.' && path[i] !== '[') i++
      const key = path.slice(start, i)
      if (key === '') return `an empty key at character ${start + 1}`
      const bad = key === '*' ? -1 : key.search(/[\]'"*\s]/)
      if (bad >= 0) return `'${key[bad]}' in a key at character ${start + bad + 1}`
      segments.push(key === '*' ? null : key)
    }
    if (i >= path.length) return segments
    if (path[i] === '.') {
      if (path[++i] === '[') return `an empty key at character ${i + 1}`
    } else if (path[i] !== '[') return `'${path[i]}' after ']' at character ${i + 1}`
  }
}

/**
 * Tells, without decoding, whether a record's msgpack may hold a value at one of the paths: one of
 * its strings must be the last key a path names. The walk steps into maps and arrays and over
 * every other value, so string values are looked at too (a needless decode at worst), never skipped.
 */
export class PathKeyScan {
  /** Keys by their byte length. */
  private readonly byLength = new Map<number, Buffer[]>()

  private constructor(keys: readonly Buffer[]) {
    for (const key of keys) {
      const same = this.byLength.get(key.length)
      if (same === undefined) this.byLength.set(key.length, [key])
      else same.push(key)
    }
  }

  /** Undefined when a path names no key (only wildcards and indexes): every record must be looked at. */
  static of(paths: readonly string[]): PathKeyScan | undefined {
    const keys: Buffer[] = []
    for (const path of paths) {
      const segments = parsePath(path)
      const key = typeof segments === 'string' ? undefined : segments.findLast((s) => s !== null && !/^\d+$/.test(s))
      if (key === undefined || key === null) return undefined
      keys.push(Buffer.from(key))
    }
    return new PathKeyScan(keys)
  }

  mayHold(src: Buffer, start: number, end: number): boolean {
    let p = start
    while (p < end) {
      const t = src[p]
      if ((t & 0xe0) === 0xa0 || t === 0xd9 || t === 0xda || t === 0xdb) {
        const at = stringStart(src, p)
        const length = stringLength(src, p)
        const keys = this.byLength.get(length)
        if (keys !== undefined) for (const key of keys) if (equalAt(src, at, key)) return true
        p = at + length
      } else if (t >= 0x80 && t <= 0x9f) {
        p++
      } else if (t === 0xdc || t === 0xde) {
        p += 3
      } else if (t === 0xdd || t === 0xdf) {
        p += 5
      } else if (isPrefixTag(src, p)) {
        // An Error nested in the fields is an array without its keys ('message', 'stack'): decode to be sure.
        if (src[p + 1] === TAG_ERROR) return true
        p += 3
      } else {
        p = skipValue(src, p)
      }
    }
    return false
  }
}

function equalAt(src: Buffer, p: number, key: Buffer): boolean {
  for (let i = 0; i < key.length; i++) if (src[p + i] !== key[i]) return false
  return true
}

/** The compiled paths: a trie walked one key at a time, also by the JSON writer that never builds objects. */
export interface RedactNode {
  /** Array indexes are keys '0', '1', ...; `[0]` also matches an object's key '0', as in JavaScript. */
  readonly keys: ReadonlyMap<string, RedactNode>
  /** '*' / '[*]': any one key or array index. */
  readonly any: RedactNode | undefined
  /** A path ends here: the value at this node is redacted. */
  readonly end: boolean
}

class Node implements RedactNode {
  readonly keys = new Map<string, Node>()
  any: Node | undefined = undefined
  end = false
  /** This node alone, so that step() returns a single match without allocating. */
  readonly alone: readonly RedactNode[] = [this]
}

export const NO_NODES: readonly RedactNode[] = Object.freeze([])

/** The root of the trie of `paths`; throws a TypeError for a path that does not parse. */
export function compilePaths(paths: readonly string[]): RedactNode {
  const root = new Node()
  for (const path of paths) {
    const segments = parsePath(path)
    if (typeof segments === 'string') invalid('redact path', path, `${A_PATH} (${segments})`)
    let node = root
    for (const key of segments) {
      let next = key === null ? node.any : node.keys.get(key)
      if (next === undefined) {
        next = new Node()
        if (key === null) node.any = next
        else node.keys.set(key, next)
      }
      node = next
    }
    node.end = true
  }
  return root
}

/** The nodes reached from `nodes` by `key` (both the exact key and the wildcard); an empty array when none. Never allocates when nothing matches. */
export function step(nodes: readonly RedactNode[], key: string): readonly RedactNode[] {
  let first: RedactNode | undefined
  let many: RedactNode[] | undefined
  for (const node of nodes) {
    const exact = node.keys.get(key)
    if (exact !== undefined) {
      if (first === undefined) first = exact
      else (many ??= [first]).push(exact)
    }
    if (node.any !== undefined) {
      if (first === undefined) first = node.any
      else (many ??= [first]).push(node.any)
    }
  }
  if (many !== undefined) return many
  if (first === undefined) return NO_NODES
  return first instanceof Node ? first.alone : [first]
}

/** Whether a path ends at one of `nodes`. */
export function ends(nodes: readonly RedactNode[]): boolean {
  for (const node of nodes) if (node.end) return true
  return false
}

// Each detector is one alternative of a single pattern, so a string is scanned once and a censor is
// never scanned again. The lookbehinds let a match start only where a token starts: started inside a
// run it would rescan the run from every position, which is quadratic on long runs.
const PATTERNS: Record<DetectorName, string> = {
  // "Bearer <token>" in any case (Authorization headers); an RFC 6750 token, 8+ characters so "the bearer token" in prose stays.
  bearer: String.raw`\b[Bb][Ee][Aa][Rr][Ee][Rr]\s+[\w\-.~+/]{8,}=*`,
  // A JWT: three base64url segments, the header's JSON starting `{"` (eyJ); the signature may be empty (alg none).
  jwt: String.raw`(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*`,
  // An AWS access key id: AKIA (long-term) or ASIA (temporary) and 16 uppercase letters or digits.
  awsKey: String.raw`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`,
  // local@domain.tld: the usual local-part characters, dotted domain labels, a letters-only TLD.
  email: String.raw`(?<![\w.%+-])[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}`,
  // A whole run of digits with single space or dash separators, not part of a word or a decimal; length and Luhn checked after.
  // Card numbers start with 2 to 6 (Mastercard, Amex, Visa, Discover): a time in ms (1...) that passes Luhn is not one.
  creditCard: String.raw`(?<![\w.])[2-6](?:[ -]?\d)*`,
  // GitHub's tokens: personal (ghp_), OAuth (gho_), user-to-server (ghu_), server (ghs_), refresh (ghr_), and fine-grained (github_pat_).
  githubToken: String.raw`(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![\w-])`,
  // Stripe's secret and restricted keys (sk_, rk_, live or test) and webhook signing secrets; publishable keys (pk_) are public.
  stripeKey: String.raw`(?<![\w-])(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9+/=]{24,})(?![\w-])`,
  // Slack's tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxo-) and incoming webhook URLs.
  slackToken: String.raw`(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,250}|https://hooks\.slack\.com/services/[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]+`,
  // A Google API key: AIza and 35 characters.
  googleApiKey: String.raw`(?<![\w-])AIza[\w-]{35}(?![\w-])`,
  // A PEM private key block (RSA, EC, OPENSSH, encrypted...), whole; cut off before its END line, to the end of the string.
  privateKey: String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*$)`,
  // The password of a URL's user (scheme://user:password@host): the password alone, the rest of the URL stays.
  urlPassword: String.raw`(?<=\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)`,
}

/** The Luhn checksum: every card number passes it, nine in ten other numbers fail it. */
function luhn(digits: string): boolean {
  let sum = 0
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48
    if (double && (d *= 2) > 9) d -= 9
    sum += d
  }
  return sum % 10 === 0
}

/** Secret detectors on strings. */
export class Scrubber {
  readonly active: boolean
  /** Secrets replaced so far, over every call. */
  found = 0
  private readonly pattern: RegExp | undefined

  constructor(
    detectors: readonly DetectorName[],
    private readonly censor: string,
  ) {
    const order = (Object.keys(PATTERNS) as DetectorName[]).filter((name) => detectors.includes(name))
    this.active = order.length > 0
    this.pattern = this.active ? new RegExp(order.map((name) => `(?<${name}>${PATTERNS[name]})`).join('|'), 'g') : undefined
  }

  /** The string with every detected secret replaced by the censor; the same string (===) when nothing was found. Counts replacements in `found`. */
  scrub(text: string): string {
    const pattern = this.pattern
    if (pattern === undefined) return text
    let out = ''
    let done = 0
    pattern.lastIndex = 0
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const found = match[0]
      const end = match.index + found.length
      let replacement = this.censor
      if (match.groups!.creditCard !== undefined) {
        const digits = found.replace(/[ -]/g, '')
        if (digits.length < 13 || digits.length > 19 || /\w/.test(text.charAt(end)) || !luhn(digits)) continue
      } else if (match.groups!.bearer !== undefined) {
        replacement = /^\w+\s+/.exec(found)![0] + this.censor
      }
      out += text.slice(done, match.index) + replacement
      done = end
      this.found++
    }
    return done === 0 ? text : out + text.slice(done)
  }
}

/** Redacts a record's plain data in place: the values at the paths, and secrets in every string. */
export class Redactor {
  readonly scrubber: Scrubber
  private readonly root: readonly RedactNode[]
  private readonly censor: string
  private readonly remove: boolean
  private censored = 0

  constructor(config: RedactConfig) {
    this.root = config.paths.length > 0 ? [compilePaths(config.paths)] : NO_NODES
    this.censor = config.censor
    this.remove = config.remove
    this.scrubber = new Scrubber(config.detectors, config.censor)
  }

  /**
   * Paths are matched from the top of `fields` (the record's own fields; also used for bindings and
   * context objects). Returns how many values were redacted: one per value at a path, one per secret found.
   */
  fields(fields: PlainObject): number {
    const before = this.censored + this.scrubber.found
    this.visit(fields, this.root)
    return this.censored + this.scrubber.found - before
  }

  /** The message text: detectors only. */
  message(text: string): string {
    return this.scrubber.scrub(text)
  }

  private visit(value: Plain, nodes: readonly RedactNode[]): Plain {
    if (typeof value === 'string') return this.scrubber.scrub(value)
    if (value === null || typeof value !== 'object' || (nodes.length === 0 && !this.scrubber.active)) return value
    if (Array.isArray(value)) {
      // Compacted in place when removing; steps use the original indexes, as the user wrote them.
      let kept = 0
      for (let i = 0; i < value.length; i++) {
        const next = nodes.length === 0 ? NO_NODES : step(nodes, String(i))
        if (ends(next)) {
          this.censored++
          if (!this.remove) value[kept++] = this.censor
        } else {
          value[kept++] = this.visit(value[i], next)
        }
      }
      value.length = kept
      return value
    }
    for (const key of Object.keys(value)) {
      const next = nodes.length === 0 ? NO_NODES : step(nodes, key)
      if (ends(next)) {
        this.censored++
        if (this.remove) delete value[key]
        else value[key] = this.censor
        continue
      }
      const item = value[key]
      const redacted = this.visit(item, next)
      if (redacted !== item) value[key] = redacted
    }
    return value
  }
}
