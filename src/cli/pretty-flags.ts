import type { PrettyLayout } from '../worker/format/pretty.js'
import { DIALECT_KEYS, levelRank, type RecordKeys } from './foreign-record.js'
import { keyPath, type KeyPath } from './key-path.js'

/**
 * The flags of `ringlog pretty`, under pino-pretty's names and short forms so that a pino-pretty
 * command line works unchanged. A pino-pretty flag ringlog does not have is an error, never
 * ignored: output that silently differs from what was asked for misleads.
 */

export interface PrettyCommand {
  help: boolean
  version: boolean
  /** undefined: colors when stdout is a terminal (FORCE_COLOR and NO_COLOR respected). */
  colors: boolean | undefined
  /** Records ranked below are not printed; a record whose level has no rank always is. */
  minimumLevel: number
  /** Applied to each record before it is read: `include` first, then `ignore`. */
  include: KeyPath[] | undefined
  ignore: KeyPath[]
  keys: RecordKeys
  layout: PrettyLayout
}

/** A command line that cannot be run; the message names the flag (and the value, when it is bad). */
export class FlagError extends Error {}

interface Flag {
  name: string
  short?: string
  /** What `--help` says; a `\n` starts a line under the first. */
  doc: string
  /**
   * `required`: `--flag v`, `--flag=v`, `-f v` or `-fv`. `optional`: `--flag=v`, or the next argument
   * when it does not start with `-`. A value never starts with `-` unless given with `=`.
   */
  value?: 'required' | 'optional'
  /** The value in `--help`: `<level>`. */
  placeholder?: string
  /** Has `--no-<name>` too, and takes pino-pretty's `true` or `false` as a value. */
  negatable?: true
  set(command: PrettyCommand, value: string | boolean | undefined, flag: string): void
}

/** The key paths of a value, `a,b` when `list`, else one. */
function paths(value: string | boolean | undefined, flag: string, list: boolean): KeyPath[] {
  const text = String(value)
  return (list ? text.split(',') : [text]).map((part) => {
    const path = keyPath(part)
    if (path === undefined) throw new FlagError(`${flag}: empty key in ${JSON.stringify(text)}`)
    return path
  })
}

const FLAGS: readonly Flag[] = [
  { name: 'help', short: 'h', doc: 'print this help and exit', set: (c) => (c.help = true) },
  { name: 'version', short: 'v', doc: 'print the version and exit', set: (c) => (c.version = true) },
  {
    name: 'minimumLevel', short: 'L', value: 'required', placeholder: '<level>',
    doc: 'hide records below the level: a number, or trace, debug, info, warn, error,\nfatal (and the syslog names Google Cloud and ECS use: warning, critical...)',
    set: (c, value, flag) => {
      const text = String(value)
      const rank = /^\d+$/.test(text) ? Number(text) : levelRank(text)
      if (rank === undefined) throw new FlagError(`${flag}: unknown level ${JSON.stringify(text)} (a number, or trace, debug, info, warn, error, fatal)`)
      c.minimumLevel = rank
    },
  },
  { name: 'ignore', short: 'i', value: 'required', placeholder: '<keys>', doc: 'leave out these keys, the first line\'s too: a,b,req.headers\n(log\\.level: the key holding a dot)', set: (c, value, flag) => c.ignore.push(...paths(value, flag, true)) },
  { name: 'include', short: 'I', value: 'required', placeholder: '<keys>', doc: 'only these keys, and the message (then --ignore removes from them)', set: (c, value, flag) => (c.include = [...(c.include ?? []), ...paths(value, flag, true)]) },
  { name: 'messageKey', short: 'm', value: 'required', placeholder: '<key>', doc: 'the message is at this key (default: msg, else message)', set: (c, value, flag) => (c.keys = { ...c.keys, message: paths(value, flag, false) }) },
  { name: 'levelKey', value: 'required', placeholder: '<key>', doc: 'the level is at this key (default: level, severity, log.level)', set: (c, value, flag) => (c.keys = { ...c.keys, level: paths(value, flag, false) }) },
  { name: 'timestampKey', short: 'a', value: 'required', placeholder: '<key>', doc: 'the time is at this key (default: time, @timestamp, timestamp)', set: (c, value, flag) => (c.keys = { ...c.keys, time: paths(value, flag, false) }) },
  {
    name: 'translateTime', short: 't', value: 'optional', placeholder: '[<pattern>]',
    doc: 'the time by a dateformat pattern, in UTC, or local with SYS:\n(SYS:standard: yyyy-mm-dd HH:MM:ss.l o); alone: local HH:MM:ss.l',
    set: (c, value, flag) => {
      if (value === 'false') throw new FlagError(`${flag} false: ringlog pretty always translates the time (--ignore time leaves it out)`)
      c.layout = { ...c.layout, time: typeof value === 'string' && value !== 'true' ? value : 'SYS:HH:MM:ss.l' }
    },
  },
  { name: 'local', doc: 'the local date and time: --translateTime SYS:standard', set: (c) => (c.layout = { ...c.layout, time: 'SYS:standard' }) },
  { name: 'utc', doc: 'the date and time in UTC: --translateTime "yyyy-mm-dd HH:MM:ss.l o"', set: (c) => (c.layout = { ...c.layout, time: 'UTC:yyyy-mm-dd HH:MM:ss.l o' }) },
  { name: 'levelFirst', negatable: true, short: 'l', doc: 'the level before the time', set: (c, on) => (c.layout = { ...c.layout, levelFirst: on === true }) },
  { name: 'singleLine', negatable: true, short: 'S', doc: 'the fields on the first line, as JSON (errors still below)', set: (c, on) => (c.layout = { ...c.layout, singleLine: on === true }) },
  { name: 'hideObject', negatable: true, short: 'H', doc: 'no fields, except errors', set: (c, on) => (c.layout = { ...c.layout, hideObject: on === true }) },
  { name: 'colorize', negatable: true, short: 'c', doc: 'ANSI colors, or --no-colorize none (default: on a terminal)', set: (c, on) => (c.colors = on === true) },
  { name: 'color', negatable: true, doc: 'the same as --colorize (and --no-color)', set: (c, on) => (c.colors = on === true) },
]

/** pino-pretty's flags that ringlog pretty does not have, and why. */
const UNSUPPORTED: Readonly<Record<string, { short?: string; why: string }>> = {
  crlf: { short: 'f', why: 'lines end with \\n' },
  errorProps: { short: 'e', why: 'every property of an error is shown' },
  errorLikeObjectKeys: { short: 'k', why: 'any field with a stack is shown as an error' },
  levelLabel: { short: 'b', why: 'there is no --messageFormat' },
  customLevels: { short: 'x', why: 'a level name without a rank is shown, and never hidden by --minimumLevel' },
  customColors: { short: 'X', why: 'the colors are fixed' },
  useOnlyCustomProps: { short: 'U', why: 'there are no custom levels or colors' },
  messageFormat: { short: 'o', why: 'the first line is always time, level, [name], message' },
  config: { short: 'C', why: 'there are no configuration files' },
  colorizeObjects: { why: 'fields are never colored' },
}

const LONG = new Map(FLAGS.map((flag) => [flag.name, flag]))
const SHORT = new Map(FLAGS.filter((flag) => flag.short !== undefined).map((flag) => [flag.short!, flag]))

/** `name` is a long flag's name, or a short flag's letter when `short`. */
function unknown(name: string, typed: string, short: boolean): FlagError {
  const entry = Object.entries(UNSUPPORTED).find(([long, flag]) => (short ? flag.short === name : long === name))
  if (entry !== undefined) return new FlagError(`${typed}: pino-pretty's --${entry[0]} is not supported (${entry[1].why})`)
  return new FlagError(`unknown flag ${typed} (ringlog pretty --help lists the flags)`)
}

export const PRETTY_USAGE = `usage: ringlog pretty [flags]
  Reads JSON log lines on stdin and prints them for people: pino's, ringlog's, Google Cloud's
  (severity, message) and ECS (log.level, message, @timestamp). Lines that are not JSON objects are
  printed unchanged. The flags are pino-pretty's, where it has them:

${FLAGS.map((flag) => {
  const names = `${flag.short === undefined ? '    ' : `-${flag.short}, `}--${flag.name}${flag.placeholder === undefined ? '' : ` ${flag.placeholder}`}`
  return `  ${names.padEnd(32)} ${flag.doc.replaceAll('\n', `\n${' '.repeat(35)}`)}\n`
}).join('')}`

function defaults(): PrettyCommand {
  return { help: false, version: false, colors: undefined, minimumLevel: -Infinity, include: undefined, ignore: [], keys: DIALECT_KEYS, layout: {} }
}

/** The command line after `ringlog pretty`; throws a FlagError for anything it cannot run as asked. */
export function prettyFlags(args: readonly string[]): PrettyCommand {
  const command = defaults()
  let i = 0
  /** The value of a flag that takes one: given inline, or the next argument. */
  const valueOf = (flag: Flag, typed: string, inline: string | undefined): string | boolean | undefined => {
    if (flag.value === undefined) {
      // pino-pretty's `--colorize false`.
      const text = inline ?? args[i + 1]
      if (flag.negatable === true && (text === 'true' || text === 'false')) {
        if (inline === undefined) i++
        return text === 'true'
      }
      if (inline !== undefined) throw new FlagError(`${typed} takes ${flag.negatable === true ? 'true, false or ' : ''}no value`)
      return true
    }
    if (inline !== undefined && inline !== '') return inline
    const next = args[i + 1]
    if (inline === undefined && next !== undefined && !next.startsWith('-')) {
      i++
      return next
    }
    if (flag.value === 'optional' && inline === undefined) return undefined
    throw new FlagError(`${typed} needs a value`)
  }
  for (; i < args.length; i++) {
    const arg = args[i]
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=')
      const name = arg.slice(2, equals < 0 ? undefined : equals)
      const inline = equals < 0 ? undefined : arg.slice(equals + 1)
      const typed = `--${name}`
      const flag = LONG.get(name)
      if (flag !== undefined) {
        flag.set(command, valueOf(flag, typed, inline), typed)
        continue
      }
      const negated = name.startsWith('no-') ? LONG.get(name.slice(3)) : undefined
      if (negated?.negatable !== true) throw unknown(name.replace(/^no-/, ''), typed, false)
      if (inline !== undefined) throw new FlagError(`${typed} takes no value`)
      negated.set(command, false, typed)
    } else if (arg.startsWith('-') && arg.length > 1) {
      // Short flags bundle (-lS); one that takes a value takes the rest of the bundle (-Linfo) or the next argument.
      for (let j = 1; j < arg.length; j++) {
        const typed = `-${arg[j]}`
        const flag = SHORT.get(arg[j])
        if (flag === undefined) throw unknown(arg[j], typed, true)
        if (flag.value === 'required' && j + 1 < arg.length) {
          flag.set(command, arg.slice(j + 1), typed)
          break
        }
        const last = j + 1 === arg.length
        flag.set(command, last ? valueOf(flag, typed, undefined) : flag.value === undefined ? true : undefined, typed)
      }
    } else {
      throw new FlagError(`unexpected argument ${JSON.stringify(arg)} (ringlog pretty reads stdin only)`)
    }
  }
  return command
}
