/**
 * Every option of createLogger() and of a sink, fed seeded random values: each either is accepted
 * (the logger is made and closes) or throws the documented TypeError, `ringlog: invalid option
 * <name>: <value>; expected ...`, naming that option. Nothing else may come out: no other error,
 * no crash. OPTIONS_FUZZ_SEED=<n> runs another seed.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { tempDir } from './helpers/files.js'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.OPTIONS_FUZZ_SEED ?? 0x0b7) >>> 0
const VALUES_PER_OPTION = 25

const TOP = [
  'level', 'name', 'levels', 'customLevels', 'format', 'messageKey', 'timeKey', 'levelKey', 'levelFormat', 'timeFormat', 'columns', 'colors', 'gcpProject',
  'serializers', 'maxDepth', 'maxStringLength', 'maxArrayLength', 'maxRecordValues', 'maxRecordSize', 'bufferSize', 'onFull', 'blockTimeoutMs',
  'handleSignals', 'reopen', 'now', 'validate', 'sequence', 'processors', 'filter', 'dedupe', 'sample', 'rateLimit', 'redact', 'fingersCrossed',
  'compat', 'base', 'mixin', 'formatters',
]
/** Each sink type with what it needs, and the options fuzzed on it. */
const SINKS: [Record<string, unknown>, string[]][] = [
  [{ type: 'file' }, ['mkdir', 'rotate', 'compress', 'retain', 'durability', 'level', 'filter', 'format']],
  [{ type: 'http', url: 'http://127.0.0.1:9/x' }, ['url', 'headers', 'body', 'compression', 'timeout', 'batch', 'retry', 'circuit', 'buffer', 'spool', 'closeTimeout', 'name']],
  [{ type: 'syslog', host: '127.0.0.1' }, ['protocol', 'port', 'facility', 'appName', 'framing', 'rfc']],
  [{ type: 'cloudwatch', logGroup: 'g', logStream: 's' }, ['logGroup', 'logStream', 'region', 'endpoint', 'credentials', 'createLogGroup']],
  [{ type: 'gcp', logName: 'l' }, ['logName', 'projectId', 'resource', 'labels', 'credentials', 'apiEndpoint']],
  [{ type: 'azure', endpoint: 'https://x.example', ruleId: `dcr-${'0'.repeat(32)}`, streamName: 'Custom-X' }, ['endpoint', 'ruleId', 'streamName', 'credential', 'authorityHost']],
  [{ type: 'postgres' }, ['connectionString', 'table', 'schema', 'createTable']],
  [{ type: 'redis' }, ['url', 'key', 'structure', 'maxLength']],
  [{ type: 'mongodb' }, ['url', 'database', 'collection', 'create']],
]

function value(random: Random, depth = 0): unknown {
  return random.weighted<unknown>([
    [2, () => random.pick([0, -1, 1, 2 ** 31, 2 ** 53 + 2, -0, 0.5, Number.NaN, Infinity, -Infinity, 1e308])],
    [3, () => random.pick(['', 'info', 'json', 'x'.repeat(1000), '../../etc/passwd', '\u0000', '\u001b[31m', '*', '10s', '1 MiB', 'true', '__proto__', 'http://127.0.0.1/', 'gzip', 'fsync', 'stream'])],
    [1, () => random.pick([true, false, null, undefined])],
    [1, () => random.pick([Symbol('s'), () => 1, 10n, new Date(0), /x/, new Map()])],
    [1, () => (depth > 2 ? [] : Array.from({ length: random.int(4) }, () => value(random, depth + 1)))],
    [2, () => (depth > 2 ? {} : Object.fromEntries(Array.from({ length: random.int(4) }, () => [random.pick(['a', 'paths', 'size', 'records', 'dir', 'email', 'timeseries', 'capped', 'level', 'type', '__proto__']), value(random, depth + 1)])))],
  ])
}

async function attempt(options: Record<string, unknown>, name: string): Promise<void> {
  let log: { close(): Promise<void> } | undefined
  try {
    log = createLogger(options as never)
  } catch (error) {
    expect(error, `${name}: ${String((error as Error)?.stack ?? error)}`).toBeInstanceOf(TypeError)
    expect((error as Error).message, name).toMatch(/^ringlog: invalid (option|environment variable) /)
    return
  }
  await log.close()
}

describe(`options fuzz (seed ${SEED})`, () => {
  it(`accepts or refuses with the documented TypeError each of ${TOP.length} options, ${VALUES_PER_OPTION} random values each`, async () => {
    const random = new Random(SEED)
    const destination = join(tempDir(), 'fuzz.log')
    for (const key of TOP) {
      for (let n = 0; n < VALUES_PER_OPTION; n++) await attempt({ worker: false, destination, handleSignals: false, [key]: value(random) }, `option ${key}`)
    }
  })

  it('does the same for the options of every kind of sink', async () => {
    const random = new Random(SEED + 1)
    const dir = tempDir()
    for (const [base, keys] of SINKS) {
      for (const key of keys) {
        for (let n = 0; n < VALUES_PER_OPTION; n++) {
          const sink = { ...base, ...(base.type === 'file' ? { path: join(dir, 'sink.log') } : {}), closeTimeout: 50, [key]: value(random) }
          await attempt({ worker: false, handleSignals: false, sinks: [sink] }, `sinks[0].${key} of ${String(base.type)}`)
        }
      }
    }
  })
})
