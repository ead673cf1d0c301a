#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { autoColors, resolveOptions } from './config.js'
import { compareRegistries, registryJsonSchema } from './events/json-schema.js'
import { definedEvents } from './events/schema.js'
import { recordOf } from './cli/foreign-record.js'
import { filterKeys } from './cli/key-filter.js'
import { FlagError, PRETTY_USAGE, prettyFlags, type PrettyCommand } from './cli/pretty-flags.js'
import { decrypt, DECRYPT_USAGE } from './cli/decrypt.js'
import { erase, ERASE_USAGE } from './cli/erase.js'
import { verifyCommand, VERIFY_USAGE } from './cli/verify.js'
import { analyze, ANALYZE_USAGE } from './cli/analyze.js'
import { Output } from './worker/output.js'
import { PrettyFormat } from './worker/format/pretty.js'
import type { PlainObject } from './worker/format/values.js'

/**
 * The `ringlog` command. `ringlog pretty`: JSON lines on stdin (pino's, ringlog's, Google Cloud's,
 * ECS) printed by the pretty format; lines that are not a JSON object pass through unchanged. `ringlog schema`: the
 * declared events of the given modules as JSON Schema, or checked against a stored one.
 */

const SCHEMA_USAGE = `usage: ringlog schema [--check <stored.json>] <module>...
  Imports the modules (which call defineEvent) and prints every declared event, each version, as
  one JSON Schema document. With --check, compares the events with a document printed before and
  lists the changes; exits with 1 if one is breaking (an event version or a field removed, a field
  retyped, made optional, or an enum value removed).
`

const USAGE = `${PRETTY_USAGE}\n${SCHEMA_USAGE}\n${VERIFY_USAGE}\n${DECRYPT_USAGE}\n${ERASE_USAGE}\n${ANALYZE_USAGE}\nusage: ringlog --version
`

/** The installed package's version: package.json is two levels above dist/src/cli.js. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

/** Each line that is a JSON object: read as a record and, unless below the minimum level, printed with the keys chosen. */
function pretty(args: string[]): void {
  let command: PrettyCommand
  try {
    command = prettyFlags(args)
  } catch (error) {
    if (!(error instanceof FlagError)) throw error
    process.stderr.write(`ringlog pretty: ${error.message}\n`)
    process.exitCode = 2
    return
  }
  // Neither waits for stdin.
  if (command.help) return void process.stdout.write(PRETTY_USAGE)
  if (command.version) return void process.stdout.write(`${version()}\n`)
  const colors = command.colors ?? autoColors('stdout', process.env)
  const out = new Output()
  const format = new PrettyFormat(out, { ...resolveOptions({ format: 'pretty' }, {}).format, colors }, command.layout)
  // A reader that goes away (`| head`) ends the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(0)
  })
  const line = (text: string, end = '\n'): void => {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      process.stdout.write(text + end)
      return
    }
    try {
      const record = recordOf(parsed as PlainObject, command.keys)
      // NaN, a level without a rank, is never below the minimum. The level counts even when --ignore hides it.
      if (record.level < command.minimumLevel) return
      format.line(filterKeys(record, command.include, command.ignore))
    } catch {
      // A record it cannot lay out (a time past the Date range, nesting deeper than the stack: test/cli-fuzz.test.ts) passes through as it came.
      out.clear()
      process.stdout.write(text + end)
      return
    }
    process.stdout.write(Buffer.from(out.buf.subarray(0, out.pos)))
    out.clear()
  }
  // Lines end at \n only, so a line that is passed through keeps every other byte (\r included).
  let rest = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    for (const part of parts) line(part)
  })
  process.stdin.on('end', () => {
    if (rest !== '') line(rest, '')
  })
}

async function schema(args: string[]): Promise<void> {
  if (args.includes('--help')) {
    process.stdout.write(USAGE)
    return
  }
  const at = args.indexOf('--check')
  const stored = at < 0 ? undefined : args[at + 1]
  const modules = at < 0 ? args : [...args.slice(0, at), ...args.slice(at + 2)]
  if ((at >= 0 && (stored === undefined || stored.startsWith('--'))) || modules.length === 0 || modules.some((m) => m.startsWith('--'))) {
    const problem = at >= 0 && (stored === undefined || stored.startsWith('--')) ? '--check needs the stored document' : modules.length === 0 ? 'no module given' : 'bad arguments'
    process.stderr.write(`ringlog schema: ${problem}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  for (const module of modules) await import(pathToFileURL(resolve(module)).href)
  const current = registryJsonSchema(definedEvents())
  if (stored === undefined) {
    process.stdout.write(`${JSON.stringify(current, null, 2)}\n`)
    return
  }
  const changes = compareRegistries(JSON.parse(readFileSync(stored, 'utf8')), current)
  for (const change of changes.breaking) process.stdout.write(`breaking: ${change}\n`)
  for (const change of changes.compatible) process.stdout.write(`compatible: ${change}\n`)
  if (changes.breaking.length === 0 && changes.compatible.length === 0) process.stdout.write('no changes\n')
  process.exitCode = changes.breaking.length > 0 ? 1 : 0
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'pretty') {
  pretty(rest)
} else if (command === 'schema') {
  schema(rest).catch((error: unknown) => {
    process.stderr.write(`ringlog schema: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 2
  }).finally(() => {
    // A module that also makes a logger keeps the process alive: what was asked for is printed.
    process.stdout.write('', () => process.exit())
  })
} else if (command === 'decrypt' || command === 'verify' || command === 'analyze') {
  (command === 'decrypt' ? decrypt(rest) : command === 'verify' ? verifyCommand(rest) : analyze(rest)).then((code) => {
    process.exitCode = code
  }, (error: unknown) => {
    process.stderr.write(`ringlog ${command}: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 2
  })
} else if (command === 'erase') {
  process.exitCode = erase(rest)
} else if (command === '--version' || command === '-v') {
  process.stdout.write(`${version()}\n`)
} else if (command === '--help' || command === '-h') {
  process.stdout.write(USAGE)
} else {
  process.stderr.write(command === undefined ? USAGE : `ringlog: unknown command ${JSON.stringify(command)}\n${USAGE}`)
  process.exitCode = 2
}
