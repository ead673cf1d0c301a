import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { TestPostgres } from './helpers/postgres.js'
import { MongoWireServer } from './helpers/mongo-wire-server.js'
import { TestRedis } from './helpers/redis.js'

const root = new URL('..', import.meta.url)
const DECORATORS: ts.CompilerOptions = {
  experimentalDecorators: true, emitDecoratorMetadata: true, module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022,
}
const readme = readFileSync(new URL('README.md', root), 'utf8')
const entry = pathToFileURL(join(root.pathname, 'dist/src/index.js')).href
// A subpath (`ringlog/express`, `ringlog/prometheus`) where package.json's exports map it.
const exported = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, { import: { default: string }; require: { default: string } }> }).exports
const integration = (name: string): string => pathToFileURL(join(root.pathname, exported[`./${name}`].import.default)).href
// CommonJS examples (require) run from the CommonJS build.
const cjsEntry = join(root.pathname, 'dist/cjs/src/index.js')
const cjsIntegration = (name: string): string => join(root.pathname, exported[`./${name}`].require.default)

/** Each ```js or ```ts block that is followed directly by a ```text block: the example and its output. */
const examples = [...readme.matchAll(/```(js|ts)\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g)].map((match) => ({
  // TypeScript examples (NestJS's decorators) are compiled as a Nest project's tsconfig would.
  code: match[1] === 'ts' ? ts.transpileModule(match[2], { compilerOptions: DECORATORS }).outputText : match[2],
  expected: match[3],
  title: match[2].split('\n').find((line) => /log\.|console\.log/.test(line))?.trim() ?? 'example',
}))

/** Each ```sh block followed directly by a ```text block: a shell command line, `npx ringlog` the built CLI. */
const commands = [...readme.matchAll(/```sh\n((?:(?!```)[\s\S])*)```\s*```text\n([\s\S]*?)```/g)].map((match) => ({
  command: match[1],
  expected: match[2],
  title: match[1].split('\n').find((line) => line.includes('npx ringlog'))?.trim() ?? 'command',
}))
const cli = join(root.pathname, 'dist/src/cli.js')
const run = promisify(execFile)

// Times differ from run to run: ISO times, epoch milliseconds, and pretty's time of day.
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g
const EPOCH = /"time":\d{13}/g
const CLOCK = /^\d\d:\d\d:\d\d\.\d{3} /gm
const DURATION = /"durationMs":[\d.]+/g
// csv ends its lines with CRLF, which a Markdown block cannot show.
const normalize = (text: string): string => text.replaceAll('\r\n', '\n').replace(ISO_TIME, '<time>').replace(EPOCH, '"time":<epoch>').replace(CLOCK, '<clock> ').replace(DURATION, '"durationMs":<ms>')

describe('README examples', () => {
  let examplesDir = ''
  // The database sinks' examples read DATABASE_URL, REDIS_URL and MONGODB_URL, as an application
  // would (MongoDB's is the tests' stand-in that speaks its wire protocol).
  let database: TestPostgres | undefined
  let redis: TestRedis | undefined
  let mongo: MongoWireServer | undefined
  const uses = (name: string): boolean => examples.some(({ code }) => code.includes(`process.env.${name}`))
  beforeAll(async () => {
    if (uses('DATABASE_URL')) database = await new TestPostgres().start()
    if (uses('REDIS_URL')) redis = await new TestRedis().start()
    if (uses('MONGODB_URL')) mongo = await new MongoWireServer().start()
  })
  afterAll(async () => {
    await database?.stop()
    await redis?.stop()
    mongo?.stop()
  })
  beforeEach(() => {
    mkdirSync(join(root.pathname, 'node_modules/.cache'), { recursive: true })
    examplesDir = mkdtempSync(join(root.pathname, 'node_modules/.cache/readme-'))
    onTestFinished(() => rmSync(examplesDir, { recursive: true, force: true }))
  })

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5)
    expect(commands.length).toBeGreaterThanOrEqual(1)
  })

  it.each(examples)('prints what README says: $title', async ({ code, expected }) => {
    // Inside the project's node_modules, so that the frameworks' packages an example imports are found.
    const commonjs = code.includes("require('ringlog")
    const file = join(examplesDir, commonjs ? 'example.cjs' : 'example.mjs')
    const source = commonjs
      ? code.replaceAll("require('ringlog')", `require(${JSON.stringify(cjsEntry)})`).replace(/require\('ringlog\/(\w+)'\)/g, (_, name: string) => `require(${JSON.stringify(cjsIntegration(name))})`)
      : code.replaceAll("from 'ringlog'", `from '${entry}'`).replace(/from 'ringlog\/(\w+)'/g, (_, name: string) => `from '${integration(name)}'`)
    writeFileSync(file, source)
    // The examples decide colors and levels themselves, not the environment the tests run in.
    const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, LOG_LEVEL: undefined, LOG_FORMAT: undefined, DATABASE_URL: database?.url, REDIS_URL: redis?.url, MONGODB_URL: mongo?.url }
    // Not execFileSync: a stand-in server of this process (MongoDB's) must answer meanwhile.
    const { stdout } = await run(process.execPath, [file], { encoding: 'utf8', env })
    expect(normalize(stdout)).toBe(normalize(expected))
  })

  it.each(commands)('prints what README says: $title', ({ command, expected }) => {
    const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined }
    const stdout = execFileSync('/bin/sh', ['-c', command.replaceAll('npx ringlog', `'${process.execPath}' '${cli}'`)], { encoding: 'utf8', env })
    expect(stdout).toBe(expected)
  })
})
