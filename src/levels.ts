/** Level numbers follow pino, so tools that read pino's numbers read ours. */
export const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
} as const

export type LevelName = keyof typeof LEVELS
/** A level name, or `silent` to turn every level off. */
export type LevelOption = LevelName | 'silent'

export const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[]

/** Above every level: a logger at this threshold writes nothing. */
export const SILENT = Infinity

const labels: string[] = []
for (const name of LEVEL_NAMES) labels[LEVELS[name]] = name

/** The label a level number is written as; numbers outside the table are written as digits. */
export function levelLabel(level: number): string {
  return labels[level] ?? String(level)
}
