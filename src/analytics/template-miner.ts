/**
 * An online template miner: a free-text message becomes a template, its variable parts written
 * `<*>`, with a stable id. Drain's fixed-depth tree (He et al., ICWS 2017), with one setting for
 * every kind of log: masks for the shapes variables take (numbers, hex, ids, IPs, paths, URLs,
 * durations, quoted strings) before the tree is searched, tokens split at the punctuation that
 * glues variables to words (`=`, `:`, `,`, brackets), and the similarity a message needs to join a
 * template. Memory is bounded: at most `maxTemplates`, the least recently seen going first.
 */

export const WILDCARD = '<*>'

/** A template and what the miner knows of it. */
export interface MinedTemplate {
  /** Stable: a hash of the first message's masked form, so the same messages in the same order give the same ids. */
  id: string
  template: string
  count: number
}

export interface MinerOptions {
  /** How many of a message's first tokens lead to its group, besides its token count. @default 4 */
  depth?: number
  /** The share of tokens (not `<*>`) a message must have in common with a template to join it. @default 0.5 */
  similarity?: number
  /** Groups kept at most; the least recently seen are let go. @default 50000 */
  maxTemplates?: number
  /** More masks, tried before the built-in ones: each match becomes `<*>`. */
  masks?: RegExp[]
}

/** The built-in masks, in order: what a variable looks like in any log. */
const MASKS: readonly RegExp[] = [
  /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, // quoted strings
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s,;]+/gi, // URLs
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUIDs
  /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, // IPv4, with a port
  /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, // IPv6 and MAC-like
  /(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g, // paths
  /\b0x[0-9a-f]+\b/gi, // hex with 0x
  /\b[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b(?<=\b\w{8,})/gi, // long hex with letters and digits
  /(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:ms|us|µs|ns|s|m|h|d|b|kb|mb|gb|k|%)?(?![\w.])/gi, // numbers, with a unit
]

/** Characters that split a token: variables are often glued to a word by them (`uid=0`, `[1.2.3.4]`). */
const SPLIT = /(\s)/

function hash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return (h >>> 0).toString(16).padStart(8, '0')
}

interface Group {
  id: string
  tokens: string[]
  count: number
  /** The leaf it is in, to take it out when it is let go. */
  leaf: Group[]
}

/** What a mask leaves in the message until it is cut into tokens: a character no log line has. */
const MASKED = '\u0001'
/** A sign glued before a masked number (`blk_-<*>`) is part of it. */
const SIGNED = /[-+]\u0001/g

/**
 * The message cut into tokens, words and the separators between them, spaces dropped; a token
 * with a masked part or a digit in it is a variable, `<*>`.
 */
export function tokenize(message: string, masks: readonly RegExp[] = []): string[] {
  let masked = message
  for (const mask of [...masks, ...MASKS]) masked = masked.replace(mask, MASKED)
  const tokens: string[] = []
  masked = masked.replace(SIGNED, MASKED)
  for (const part of masked.split(SPLIT)) {
    if (part.trim() === '') continue
    // A token with a variable in it keeps its shape (`index:<*>`, `blk_<*>`); one of digits left unmasked is a variable whole.
    if (part === MASKED) tokens.push(WILDCARD)
    else if (part.includes(MASKED)) tokens.push(part.replaceAll(MASKED, WILDCARD))
    else tokens.push(/\d/.test(part) ? WILDCARD : part)
  }
  return tokens
}

export class TemplateMiner {
  private readonly depth: number
  private readonly similarity: number
  private readonly maxTemplates: number
  private readonly masks: readonly RegExp[]
  /** token count → first tokens → the groups there. */
  private readonly root = new Map<number, Map<string, Group[]>>()
  /** Every group, in the order they were last seen (Map order). */
  private readonly groups = new Map<string, Group>()
  /** Groups let go because of maxTemplates. */
  evicted = 0

  constructor(options: MinerOptions = {}) {
    this.depth = options.depth ?? 4
    this.similarity = options.similarity ?? 0.5
    this.maxTemplates = options.maxTemplates ?? 50_000
    this.masks = options.masks ?? []
  }

  get size(): number {
    return this.groups.size
  }

  /** The template `message` belongs to, made or widened by it. */
  add(message: string): MinedTemplate {
    const tokens = tokenize(message, this.masks)
    const leaf = this.leaf(tokens)
    let best: Group | undefined
    let bestScore = -1
    for (const group of leaf) {
      const score = this.score(group.tokens, tokens)
      if (score > bestScore) {
        best = group
        bestScore = score
      }
    }
    if (best === undefined || bestScore < this.similarity) {
      best = { id: this.newId(tokens), tokens, count: 0, leaf }
      leaf.push(best)
      if (this.groups.size >= this.maxTemplates) this.evictOldest()
    } else {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILDCARD
      this.groups.delete(best.id)
    }
    best.count++
    this.groups.set(best.id, best)
    return { id: best.id, template: best.tokens.join(' '), count: best.count }
  }

  /** Every template, most recently seen last. */
  templates(): MinedTemplate[] {
    return [...this.groups.values()].map((group) => ({ id: group.id, template: group.tokens.join(' '), count: group.count }))
  }

  private leaf(tokens: string[]): Group[] {
    let byPrefix = this.root.get(tokens.length)
    if (byPrefix === undefined) this.root.set(tokens.length, (byPrefix = new Map()))
    const key = tokens.slice(0, this.depth).join('\u0000')
    let leaf = byPrefix.get(key)
    if (leaf === undefined) byPrefix.set(key, (leaf = []))
    return leaf
  }

  /** The share of the template's constant tokens the message has in place. */
  private score(template: string[], tokens: string[]): number {
    let same = 0
    let constants = 0
    for (let i = 0; i < template.length; i++) {
      if (template[i] === WILDCARD) continue
      constants++
      if (template[i] === tokens[i]) same++
    }
    return constants === 0 ? 1 : same / constants
  }

  private newId(tokens: string[]): string {
    let id = hash(tokens.join(' '))
    for (let n = 1; this.groups.has(id); n++) id = hash(`${tokens.join(' ')}#${n}`)
    return id
  }

  private evictOldest(): void {
    const oldest = this.groups.values().next().value!
    this.groups.delete(oldest.id)
    oldest.leaf.splice(oldest.leaf.indexOf(oldest), 1)
    this.evicted++
  }
}
