/**
 * `ringlog pretty` fed hostile input: 1,000 seeded lines (random bytes, invalid UTF-8, NUL and
 * escape sequences, JSON whose level, time and message have every wrong type, deep nesting, keys
 * like __proto__, a line of 2 MB) in one stream, under several flag sets, and a few whole files
 * that are not text at all. It must end with code 0 and print no stack trace: a line it cannot read
 * passes through, escaped. CLI_FUZZ_SEED=<n> runs another seed.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Random } from './helpers/random.js'

const SEED = Number(process.env.CLI_FUZZ_SEED ?? 0xc11f) >>> 0
const CLI = join(import.meta.dirname, '../dist/src/cli.js')
const LINES = 1000

function hostileLine(random: Random): Buffer {
  const wrong = (): unknown => random.pick<() => unknown>([
    () => null, () => [], () => ({}), () => -1e308, () => 2 ** 64, () => 'x'.repeat(random.int(300)), () => true, () => '\u001b[31mred\u001b[0m',
    () => ({ toString: 'nope' }), () => [[[]]], () => 'NaN', () => '', () => '\u0000', () => '2026-13-45T99:99:99Z',
  ])()
  return random.weighted<Buffer>([
    [3, () => Buffer.from(Array.from({ length: random.int(200) }, () => random.int(256)))],
    [3, () => Buffer.from(JSON.stringify({ level: wrong(), time: wrong(), msg: wrong(), [random.pick(['__proto__', 'constructor', 'err', 'req', 'log.level', '@timestamp'])]: wrong() }))],
    [1, () => Buffer.from(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)],
    [1, () => Buffer.from(`{"level":30,"msg":"${'\\u'.repeat(random.int(50))}"`)],
    [1, () => Buffer.concat([Buffer.from('{"level":"info","msg":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from('"}')])],
    [1, () => Buffer.from(`{"severity":${JSON.stringify(wrong())},"message":${JSON.stringify(wrong() ?? null)},"timestamp":${JSON.stringify(wrong() ?? null)}}`)],
  ])
}

function run(args: string[], input: Buffer): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 })
  return { status: result.status, stderr: result.stderr.toString(), stdout: result.stdout.toString() }
}

describe(`ringlog pretty fed ${LINES} hostile lines (seed ${SEED})`, () => {
  const random = new Random(SEED)
  const lines = Array.from({ length: LINES }, () => hostileLine(random))
  lines.push(Buffer.from(`{"level":30,"msg":"${'y'.repeat(2 * 1024 * 1024)}"}`))
  const input = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]))

  it.each([[[]], [['--colorize']], [['-S', '-L', 'warn']], [['-t', 'SYS:standard', '-i', 'req.headers,__proto__']], [['--levelKey', 'severity', '-m', 'message']]])('with %j: ends with code 0 and no stack trace', (flags) => {
    const { status, stderr, stdout } = run(['pretty', ...flags], input)
    expect({ status, stderr: stderr.slice(0, 500) }).toEqual({ status: 0, stderr: '' })
    expect(stdout.length).toBeGreaterThan(0)
  })

  it.each([
    ['nothing', Buffer.alloc(0)],
    ['random bytes without a line feed', Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 2654435761) >>> 24))],
    ['only line feeds', Buffer.from('\n'.repeat(10_000))],
    ['CRLF lines', Buffer.from('{"level":30,"msg":"a"}\r\n{"level":40,"msg":"b"}\r\n')],
    ['NUL bytes', Buffer.alloc(4096)],
  ])('with %s: ends with code 0 and no stack trace', (_name, file) => {
    const { status, stderr } = run(['pretty'], file)
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' })
  })
})
