import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, type FormatName } from '../dist/src/index.js'
import { Random } from './helpers/random.js'
import { tempDir } from './helpers/files.js'

/**
 * Acceptance (issue 15): 500 random calls of every shape a pino user types (printf, fields first
 * or second, errors anywhere, children with options, setBindings, custom levels) go through the
 * real pino and through ringlog with `compat: 'pino'`, both on one fixed clock: every line parses
 * to the same object (key order aside). The same calls in every other format give one line per
 * record (pretty: one line per record, its fields indented under it).
 */

const TIME = Date.UTC(2026, 11, 5, 21, 0, 0, 0)
const CALLS = 500
const CUSTOM = { audit: 35 } as const

/** What both loggers have: the level methods and child(). */
interface Target {
  child(bindings: Record<string, unknown>, options?: { level?: string; msgPrefix?: string }): Target
  setBindings(bindings: Record<string, unknown>): void
  [level: string]: unknown
}

type Call = (loggers: Target[]) => void

const WORDS = ['alpha', 'béta', 'line\nbreak', 'quote"d', 'tab\there', '100%', '', 'emoji 😀', 'back\\slash']
const SPECIFIERS = ['%s', '%d', '%i', '%f', '%j', '%o', '%O', '%%', '%x']

class Calls extends Random {
  /** Errors are made once per call and handed to both loggers: the same stack. */
  error(): Error {
    const error = this.chance(0.5) ? new TypeError(this.pick(WORDS)) : new Error(this.pick(WORDS))
    if (this.chance(0.4)) Object.assign(error, { code: this.pick(['ECONNRESET', 'E42']), status: this.int(600) })
    return error
  }

  value(): unknown {
    return this.weighted<unknown>([
      [3, () => this.pick(WORDS)],
      [3, () => this.int(10_000) - 5_000],
      [1, () => this.int(1000) / 8],
      [1, () => this.chance(0.5)],
      [1, () => null],
      [1, () => [this.int(5), this.pick(WORDS)]],
      [1, () => ({ nested: { deep: this.pick(WORDS), n: this.int(9) } })],
    ])
  }

  fields(): Record<string, unknown> {
    const fields: Record<string, unknown> = {}
    const count = this.int(4)
    for (let i = 0; i < count; i++) fields[this.pick(['userId', 'path', 'ok', 'tags', 'req', 'n', 'ratio'])] = this.value()
    if (this.chance(0.15)) fields.err = this.error()
    return fields
  }

  template(): string {
    let text = this.pick(['request', 'took', 'user', 'done', 'cache'])
    const parts = this.int(4)
    for (let i = 0; i < parts; i++) text += ` ${this.pick(WORDS)} ${this.pick(SPECIFIERS)}`
    return text
  }

  /** Arguments for printf: about as many as the template has specifiers, give or take. */
  args(): unknown[] {
    const args: unknown[] = []
    const count = this.int(4)
    for (let i = 0; i < count; i++) args.push(this.chance(0.1) ? this.error() : this.chance(0.2) ? this.fields() : this.value())
    return args
  }

  /** One call: the arguments made now, so both loggers get the same values. */
  call(): (log: Target) => void {
    const level = this.pick(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'audit'])
    const args = this.weighted<unknown[]>([
      [3, () => [this.template(), ...this.args()]],
      [3, () => [this.fields(), this.template(), ...this.args()]],
      [1, () => [this.fields()]],
      [1, () => [this.error()]],
      [1, () => [this.error(), this.template(), ...this.args()]],
      [1, () => [this.template(), this.error()]],
      [1, () => [{ err: this.error() }]],
    ])
    return (log) => (log[level] as (...args: unknown[]) => void)(...args)
  }
}

/** The same random program for every logger: calls on the root and on children made along the way. */
function program(seed: number): Call[] {
  const random = new Calls(seed)
  const steps: Call[] = []
  // Index 0 is the root; children are appended as they are made.
  let count = 1
  for (let i = 0; i < CALLS; i++) {
    const on = random.int(count)
    if (random.chance(0.05)) {
      const bindings = random.fields()
      delete bindings.err
      const options: { level?: string; msgPrefix?: string } = {}
      if (random.chance(0.4)) options.level = random.pick(['debug', 'info', 'warn', 'audit'])
      if (random.chance(0.4)) options.msgPrefix = `[${random.pick(WORDS)}] `
      steps.push((loggers) => void loggers.push(loggers[on].child(bindings, options)))
      count++
    } else if (random.chance(0.02)) {
      const bindings = { tenant: random.pick(WORDS), n: random.int(9) }
      steps.push((loggers) => loggers[on].setBindings(bindings))
    } else {
      const call = random.call()
      steps.push((loggers) => call(loggers[on]))
    }
  }
  return steps
}

function run(steps: Call[], root: Target): void {
  const loggers = [root]
  for (const step of steps) step(loggers)
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1)
}

describe('ringlog with compat: pino against pino itself', () => {
  for (const seed of [1, 2, 3]) {
    it(`writes the same records for ${CALLS} random calls (seed ${seed})`, async () => {
      const dir = tempDir()
      const steps = program(seed)
      const pinoPath = join(dir, 'pino.log')
      const destination = pino.destination({ dest: pinoPath, sync: true })
      const reference = pino({ level: 'debug', customLevels: CUSTOM, timestamp: () => `,"time":${TIME}` }, destination)
      run(steps, reference as unknown as Target)
      destination.flushSync()

      const ringPath = join(dir, 'ringlog.log')
      const log = createLogger({ compat: 'pino', level: 'debug', customLevels: CUSTOM, now: () => TIME, destination: ringPath })
      run(steps, log as unknown as Target)
      await log.close()

      const expected = lines(pinoPath).map((line) => JSON.parse(line) as unknown)
      const actual = lines(ringPath).map((line) => JSON.parse(line) as unknown)
      expect(expected.length).toBeGreaterThan(CALLS / 2)
      expect(actual).toEqual(expected)
    })
  }
})

describe('the same calls in every format', () => {
  const formats: FormatName[] = ['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp']
  for (const format of formats) {
    it(`${format}: one line per record`, async () => {
      const dir = tempDir()
      const steps = program(7)
      const jsonPath = join(dir, 'reference.log')
      const json = createLogger({ level: 'debug', customLevels: CUSTOM, now: () => TIME, destination: jsonPath })
      run(steps, json as unknown as Target)
      await json.close()
      const records = lines(jsonPath).length

      const path = join(dir, `${format}.log`)
      const log = createLogger({ format, colors: false, level: 'debug', customLevels: CUSTOM, now: () => TIME, destination: path })
      run(steps, log as unknown as Target)
      await log.close()
      const written = lines(path)
      if (format === 'pretty') {
        // pretty puts each field and a stack on lines of their own, indented under the record's line.
        expect(written.filter((line) => !line.startsWith(' ')).length).toBe(records)
        expect(written.filter((line) => !/^(\d\d:\d\d:\d\d\.\d{3} [A-Z]+( |$)|    )/.test(line))).toEqual([])
      } else {
        expect(written.length).toBe(records + (format === 'csv' ? 1 : 0))
      }
    })
  }
})
