import { parseArgs } from 'node:util'

/** A command's flags and operands as parsed, or the exit code when there is nothing to run (--help: 0, a bad command line: 2). */
export type CommandArgs = { flags: Record<string, string | boolean | undefined>; operands: string[] } | number

/**
 * Parses the command line of `ringlog <command>`: `strings` take a value, `booleans` do not, and
 * `--help` prints the usage. A bad command line is said on stderr with the usage.
 */
export function commandArgs(command: string, usage: string, args: string[], strings: readonly string[], booleans: readonly string[] = []): CommandArgs {
  const options = Object.fromEntries([
    ...strings.map((name) => [name, { type: 'string' as const }]),
    ...[...booleans, 'help'].map((name) => [name, { type: 'boolean' as const }]),
  ])
  let parsed
  try {
    parsed = parseArgs({ args, allowPositionals: true, options })
  } catch (error) {
    return usageError(command, usage, (error as Error).message)
  }
  // No option is `multiple`: every value is a string or a boolean.
  const flags = parsed.values as Record<string, string | boolean | undefined>
  if (flags.help === true) {
    process.stdout.write(usage)
    return 0
  }
  return { flags, operands: parsed.positionals }
}

/** Says what is wrong with the command line, and how it goes: exit code 2. */
export function usageError(command: string, usage: string, problem: string): 2 {
  process.stderr.write(`ringlog ${command}: ${problem}\n${usage}`)
  return 2
}
