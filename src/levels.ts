/** Level numbers follow pino, so tools that read pino's numbers read ours. */
export const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
} as const

/** The standard levels' names by number. */
export const LEVEL_LABELS: ReadonlyMap<number, string> = new Map(Object.entries(LEVELS).map(([name, value]) => [value, name]))

export type LevelName = keyof typeof LEVELS
/** A level name, or `silent` to turn every level off. */
export type LevelOption = LevelName | 'silent'

/** Above every level: a logger at this threshold writes nothing. */
export const SILENT = Infinity

/** The levels of one logger tree: the six standard ones and its custom ones. */
export class LevelTable {
  /** Level name to number, custom levels included; `silent` is not a level. */
  readonly values: Readonly<Record<string, number>>
  /** The same, as pairs: a logger sets its methods from them, for each child. */
  readonly entries: readonly (readonly [string, number])[]

  constructor(custom: Readonly<Record<string, number>> = {}) {
    this.values = { ...LEVELS, ...custom }
    this.entries = Object.entries(this.values)
  }

  /** The threshold of a level option: its number, or SILENT. */
  threshold(level: string): number {
    return level === 'silent' ? SILENT : this.values[level]
  }

  has(level: string): boolean {
    return level === 'silent' || Object.hasOwn(this.values, level)
  }

  /** Number to label, for the formats in the worker. */
  labels(): Record<number, string> {
    const labels: Record<number, string> = {}
    for (const [name, value] of Object.entries(this.values)) labels[value] = name
    return labels
  }
}

/**
 * Levels per logger name: `db` names one logger, `http.*` every logger whose name starts with
 * `http.`, and `*` every logger. An exact name wins over a pattern, a longer pattern over a shorter.
 */
export class NameLevels {
  private readonly exact = new Map<string, string>()
  private readonly prefixes: [string, string][] = []

  constructor(levels: Readonly<Record<string, string>>) {
    for (const [pattern, level] of Object.entries(levels)) {
      if (pattern.endsWith('*')) this.prefixes.push([pattern.slice(0, -1), level])
      else this.exact.set(pattern, level)
    }
    this.prefixes.sort((a, b) => b[0].length - a[0].length)
  }

  /** The level configured for loggers of this name, if any. */
  levelFor(name: string | undefined): string | undefined {
    if (name === undefined) return undefined
    return this.exact.get(name) ?? this.prefixes.find(([prefix]) => name.startsWith(prefix))?.[1]
  }
}
