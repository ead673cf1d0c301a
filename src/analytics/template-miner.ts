/**
 * An online template miner: a free-text message becomes a template, its variable parts written
 * `<*>`, with a stable id. Drain's fixed-depth tree (He et al., ICWS 2017), with one setting for
 * every kind of log (no per-log tuning: the defaults are what the Loghub benchmark in
 * bench/template-mining.ts measures):
 * - masks find the variables a digit does not give away, or that hold spaces or punctuation (dates,
 *   quoted strings, URLs, IPs, paths, sizes with a unit); a message is then cut at whitespace only,
 *   as Drain cuts it;
 * - a token with a variable in it keeps the punctuation that glues it to a name (`uid=<*>,`,
 *   `index:<*>`, `x[<*>]=<*>`): its parts between `= , : ( ) [ ] { } " ' ; |` that hold a digit, a
 *   masked span or a dotted name (`com.example.app.Main`) become `<*>`, the rest stays. So numbers,
 *   hex and ids (`0x1f`, `blk_-42`, UUIDs) are variables without a mask of their own;
 * - the token count and the first `depth` tokens lead to a leaf; the message joins the leaf's
 *   template with which it shares the largest share of constant tokens, if that share reaches
 *   `similarity`, and the positions where they differ become `<*>`;
 * - a template's constants settle: once it has taken {@link SETTLED} messages, a message that
 *   differs from it at a constant is another event (`client SPP.` after hundreds of
 *   `client WindowsUpdateAgent.`), not a new variable. Values that vary show it early.
 * Memory is bounded: at most `maxTemplates` templates, the least recently seen going first, and the
 * tree drops the branches they leave empty.
 */

export const WILDCARD = '<*>'

/** A template and what the miner knows of it. */
export interface MinedTemplate {
  /** Stable: a hash of the first message's tokens, so the same messages in the same order give the same ids. */
  id: string
  template: string
  count: number
}

export interface MinerOptions {
  /**
   * How many of a message's first tokens, besides its token count, choose the templates it is
   * compared with. Deeper is faster but splits events whose first words vary without digits.
   * @default 2
   */
  depth?: number
  /**
   * The share of a template's constant tokens (not `<*>`) a message must have in place to join it,
   * from 0 to 1.
   * @default 0.7
   */
  similarity?: number
  /**
   * Templates kept at most; the least recently seen are let go and counted in `evicted`.
   * @default 50000
   */
  maxTemplates?: number
  /**
   * More masks, tried before the built-in ones: each match is a variable. A mask without the `g`
   * flag is used as if it had it.
   * @default []
   * @example [/\border-[A-Z]{4}\b/g]
   */
  masks?: RegExp[]
}

/**
 * Messages a template takes before its constants settle. On the Loghub benchmark the goal holds from
 * 40 to 300: below, events whose variable repeats one value at first are split (OpenSSH's
 * `Failed password for root`, then `for admin`); above, a rare constant is taken for a variable
 * (Windows' `client SPP.` after 308 `client WindowsUpdateAgent.`). 64 keeps clear of both ends.
 */
const SETTLED = 64

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*'
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*'

/**
 * The built-in masks, in order: the shapes a variable takes that the digit rule below misses
 * (words, spaces or punctuation in it). Numbers, hex and ids (`0x1f`, `blk_-42`, UUIDs) need none:
 * a token part with a digit is a variable.
 */
const MASKS: readonly RegExp[] = [
  // Dates span several tokens, of which some are words: `Sat Jul 9 22:53:19 2005`.
  new RegExp(`\\b(?:${WEEKDAY},?\\s+)?${MONTH}\\.?\\s+\\d{1,2}(?:,?\\s+\\d{4})?(?:\\s+\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?)?(?:\\s+\\d{4})?\\b`, 'g'),
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, // ISO dates
  /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, // quoted strings, spaces and all
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s,;]+/gi, // URLs
  /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, // IPv4, with a port
  // IPv6, full or with `::`, and MAC addresses; the lookahead skips words that cannot be one.
  /(?<![\w:])(?=[0-9a-f]{0,4}[:-][0-9a-f]{0,4}[:-])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*|[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*::|(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})(?![\w:])/gi,
  /(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g, // paths
  /(?<![\w.])[-+]?\d+(?:\.\d+)?\s(?:[KMGTP]i?B|B)\b/g, // sizes with their unit after a space: `384.0 KB`
]

/** What a mask leaves in the message until it is cut into tokens: a character no log line has. */
const MASKED = '\u0001'
/** The punctuation that glues a value to its name (`uid=0,`, `index:4`, `x[0]`): a token's parts lie between. */
const GLUE = new Uint8Array(128)
for (const c of '=,:()[]{}"\';|') GLUE[c.charCodeAt(0)] = 1
/** What a token with a variable part has at least: a digit, a masked span or a dot. */
const MAYBE_VARIABLE = /[\d\u0001.]/
/** A dotted name of three parts or more (`com.android.server`, `host.example.org`): a value, not a word. */
const DOTTED = /^(?:[A-Za-z_$][\w$-]*\.){2,}[A-Za-z_$][\w$-]*\.?$/

/** The template form of one token of a masked message: its parts with a digit, a masked span or a dotted name are `<*>`. */
function templateToken(token: string): string {
  if (!MAYBE_VARIABLE.test(token)) return token
  let form = ''
  let start = 0
  let variable = false
  let dot = false
  for (let i = 0; i <= token.length; i++) {
    const c = i < token.length ? token.charCodeAt(i) : -1
    if (c >= 0 && (c >= 128 || GLUE[c] === 0)) {
      if ((c >= 48 && c <= 57) || c === 1) variable = true
      else if (c === 46) dot = true
      continue
    }
    if (variable || (dot && DOTTED.test(token.slice(start, i)))) form += WILDCARD
    else form += token.slice(start, i)
    if (c >= 0) form += token[i]
    start = i + 1
    variable = dot = false
  }
  return form
}

function applyMasks(message: string, masks: readonly RegExp[]): string {
  let masked = message
  for (const mask of masks) masked = masked.replace(mask, MASKED)
  return masked
}

/** A masked span as long as the text it hides, so that positions in the masked message are positions in the message. */
const sameLength = (span: string): string => MASKED.repeat(span.length)

/**
 * The message cut into tokens at whitespace, each in its template form: a part with a variable in
 * it is `<*>` (see the file's comment).
 */
export function tokenize(message: string, masks: readonly RegExp[] = []): string[] {
  const masked = applyMasks(message, masks.length === 0 ? MASKS : [...masks.map(globalMask), ...MASKS])
  return tokensOf(masked)
}

function tokensOf(masked: string): string[] {
  const tokens: string[] = []
  for (const token of masked.split(/\s+/)) if (token !== '') tokens.push(templateToken(token))
  return tokens
}

function globalMask(mask: RegExp): RegExp {
  return mask.global ? mask : new RegExp(mask.source, `${mask.flags}g`)
}

/** FNV-1a, 32 bits: ids need to be stable across processes, not secret. */
function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return (h >>> 0).toString(16).padStart(8, '0')
}

interface Group {
  id: string
  tokens: string[]
  /** `tokens` joined, kept so that add() does not join them for every message. */
  template: string
  count: number
  /** Where it is in the tree, to take it out when it is let go. */
  leaf: Group[]
  key: string
}

function invalid(option: string, expected: string, value: unknown): RangeError {
  return new RangeError(`ringlog: analytics miner ${option} must be ${expected}; got ${String(value)}`)
}

function validated(options: MinerOptions): Required<MinerOptions> {
  const { depth = 2, similarity = 0.7, maxTemplates = 50_000, masks = [] } = options
  if (!Number.isInteger(depth) || depth < 0) throw invalid('depth', 'a whole number from 0', depth)
  if (typeof similarity !== 'number' || !(similarity >= 0 && similarity <= 1)) throw invalid('similarity', 'a number from 0 to 1', similarity)
  if (!Number.isInteger(maxTemplates) || maxTemplates < 1) throw invalid('maxTemplates', 'a whole number from 1', maxTemplates)
  if (!Array.isArray(masks) || !masks.every((mask) => mask instanceof RegExp)) throw invalid('masks', 'an array of RegExp', masks)
  return { depth, similarity, maxTemplates, masks: masks.map(globalMask) }
}

export class TemplateMiner {
  private readonly depth: number
  private readonly similarity: number
  private readonly maxTemplates: number
  /** The caller's masks, then the built-in ones. */
  private readonly masks: readonly RegExp[]
  /** token count and first tokens (the key) → the groups there. Emptied keys are deleted. */
  private readonly tree = new Map<string, Group[]>()
  /** Every group, in the order they were last seen (Map order). */
  private readonly groups = new Map<string, Group>()
  /** Templates let go because of maxTemplates, since the miner was made. */
  evicted = 0

  constructor(options: MinerOptions = {}) {
    const { depth, similarity, maxTemplates, masks } = validated(options)
    this.depth = depth
    this.similarity = similarity
    this.maxTemplates = maxTemplates
    this.masks = [...masks, ...MASKS]
  }

  /** How many templates the miner holds. */
  get size(): number {
    return this.groups.size
  }

  /** The template `message` belongs to, made or widened by it. */
  add(message: string): MinedTemplate {
    const tokens = tokensOf(applyMasks(message, this.masks))
    const key = this.keyOf(tokens)
    let leaf = this.tree.get(key)
    if (leaf === undefined) this.tree.set(key, (leaf = []))
    let best: Group | undefined
    let bestScore = -1
    for (const group of leaf) {
      const score = this.score(group, tokens)
      if (score > bestScore) {
        best = group
        bestScore = score
      }
    }
    if (best === undefined || bestScore < this.similarity) {
      if (this.groups.size >= this.maxTemplates) {
        this.evictOldest()
        // The group let go may have been the leaf's last, and the leaf taken out of the tree with it.
        this.tree.set(key, leaf)
      }
      const template = tokens.join(' ')
      best = { id: this.newId(template), tokens, template, count: 0, leaf, key }
      leaf.push(best)
    } else {
      if (bestScore < 1) {
        for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILDCARD
        best.template = best.tokens.join(' ')
      }
      this.groups.delete(best.id)
    }
    best.count++
    this.groups.set(best.id, best)
    return { id: best.id, template: best.template, count: best.count }
  }

  /** The template of id `id`, while the miner holds it. */
  templateOf(id: string): string | undefined {
    return this.groups.get(id)?.template
  }

  /** Every template, most recently seen last. */
  templates(): MinedTemplate[] {
    return [...this.groups.values()].map((group) => ({ id: group.id, template: group.template, count: group.count }))
  }

  /**
   * The parts of `message` at the `<*>` places of `template`, in order; [] when the message does not
   * fit the template (another token count, another constant).
   */
  variables(template: string, message: string): string[] {
    const wanted = template.split(' ')
    // Masked spans as long as what they hide: a token's place in the masked message is its place in the message.
    let masked = message
    for (const mask of this.masks) masked = masked.replace(mask, sameLength)
    const spans = [...masked.matchAll(/\S+/g)]
    if (spans.length !== wanted.length) return []
    const values: string[] = []
    for (let i = 0; i < wanted.length; i++) {
      const original = message.slice(spans[i].index, spans[i].index + spans[i][0].length)
      if (wanted[i] === WILDCARD) {
        values.push(original)
        continue
      }
      // A masked span is one variable however long: the form add() gave the token.
      if (templateToken(spans[i][0].replace(/\u0001+/g, MASKED)) !== wanted[i]) return []
      if (!wanted[i].includes(WILDCARD)) continue
      const parts = new RegExp(`^${wanted[i].split(WILDCARD).map(escapeRegExp).join('(.*?)')}$`, 's').exec(original)
      if (parts === null) return []
      values.push(...parts.slice(1))
    }
    return values
  }

  private keyOf(tokens: string[]): string {
    let key = String(tokens.length)
    for (let i = 0; i < this.depth && i < tokens.length; i++) key += `\u0000${tokens[i]}`
    return key
  }

  /** The share of the group's constant tokens the message has in place; -1 (never joins) once the group has settled and one differs. */
  private score(group: Group, tokens: string[]): number {
    const template = group.tokens
    let same = 0
    let constants = 0
    for (let i = 0; i < template.length; i++) {
      if (template[i] === WILDCARD) continue
      constants++
      if (template[i] === tokens[i]) same++
    }
    if (same < constants && group.count >= SETTLED) return -1
    return constants === 0 ? 1 : same / constants
  }

  private newId(template: string): string {
    let id = hash(template)
    for (let n = 1; this.groups.has(id); n++) id = hash(`${template}#${n}`)
    return id
  }

  private evictOldest(): void {
    const oldest = this.groups.values().next().value!
    this.groups.delete(oldest.id)
    const leaf = oldest.leaf
    leaf.splice(leaf.indexOf(oldest), 1)
    if (leaf.length === 0) this.tree.delete(oldest.key)
    this.evicted++
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
