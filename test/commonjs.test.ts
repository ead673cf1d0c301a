/**
 * CommonJS and ESM from one package: `require('ringlog')` and every subpath in a CommonJS
 * application (test/fixtures/cjs-app, an Express app and a NestJS app compiled as Nest compiles),
 * their types in TypeScript's CommonJS modes, and one process that loads both builds.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../dist/src/version.js'
import { readRecords, runFixture, fixture, tempDir } from './helpers/files.js'

const run = promisify(execFile)
const root = join(fixture(''), '..', '..')
const app = fixture('cjs-app')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/**
 * The fixture finds `ringlog` as an installed package: node_modules/ringlog, a link to this
 * repository (relative, so that any clone has it), made here since node_modules is not committed.
 */
function linkRinglog(): void {
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  rmSync(join(app, 'node_modules', 'ringlog'), { force: true })
  symlinkSync(join('..', '..', '..', '..'), join(app, 'node_modules', 'ringlog'), 'dir')
}

async function typeCheck(...flags: string[]): Promise<void> {
  await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json'), ...flags], { cwd: app })
}

describe('a CommonJS application', () => {
  beforeAll(async () => {
    linkRinglog()
    rmSync(join(app, 'dist'), { recursive: true, force: true })
    // As `nest build` does: tsc with Nest's default tsconfig (module commonjs, decorators and their metadata).
    await typeCheck()
  })

  it('requires ringlog and every subpath, each with its exports', async () => {
    const { stdout } = await run(process.execPath, [join(app, 'dist', 'subpaths.js')], { cwd: app })
    expect(JSON.parse(stdout)).toEqual({
      ringlog: ['Logger', 'bindContext', 'captureLogs', 'createLogger', 'decryptLine', 'default', 'defineEvent', 'eraseSubject', 'getContext', 'newRequestId', 'verifyLogs', 'withContext'],
      'ringlog/express': ['expressIntegration', 'expressLogger'],
      'ringlog/fastify': ['fastifyLogger', 'fastifyLoggerInstance'],
      'ringlog/hono': ['honoLogger'],
      'ringlog/koa': ['koaLogger'],
      'ringlog/nestjs': ['RinglogLoggerService', 'RinglogModule'],
      'ringlog/prometheus': ['CONTENT_TYPE', 'prometheusHandler', 'prometheusText', 'registerMetrics'],
      'ringlog/http': ['healthHandler'],
      'ringlog/otel': ['otelName', 'registerOtelMetrics'],
    })
  })

  it('an Express app and a NestJS app log their requests through a real server', async () => {
    const file = join(tempDir(), 'app.log')
    const child = spawn(process.execPath, [join(app, 'dist', 'main.js')], { cwd: app, env: { ...process.env, LOG_FILE: file }, stdio: ['pipe', 'pipe', 'inherit'] })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const ports = await new Promise<{ express: number; nest: number }>((resolve, reject) => {
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        if (out.includes('\n')) resolve(JSON.parse(out) as { express: number; nest: number })
      })
      void exited.then((code) => reject(new Error(`the app ended (${code}) before it listened`)))
    })
    const express = await fetch(`http://127.0.0.1:${ports.express}/hello/1`)
    expect(await express.text()).toBe('hello 1')
    const nest = await fetch(`http://127.0.0.1:${ports.nest}/hello/2`)
    expect(await nest.text()).toBe('hello 2')
    // The app closes its servers and exits without a flush: ringlog's exit writes the rest.
    child.stdin.end()
    expect(await exited).toBe(0)

    const records = readRecords(file)
    const expressId = express.headers.get('x-request-id')
    const nestId = nest.headers.get('x-request-id')
    // toEqual passes over the fields a row leaves undefined.
    expect(records.map(({ msg, requestId, id, context, route, status }) => ({ msg, requestId, id, context, route, status }))).toEqual([
      { msg: 'express handled', requestId: expressId, id: '1' },
      { msg: 'request completed', requestId: expressId, route: '/hello/:id', status: 200 },
      { msg: 'nest handled', requestId: nestId, id: '2' },
      { msg: 'greeting 2', requestId: nestId, context: 'Greeter' },
      { msg: 'request completed', requestId: nestId, route: '/hello/:id', status: 200 },
      { msg: 'stopped' },
    ])
  })

  // skipLibCheck off: ringlog's CommonJS declarations are checked too, not only used.
  const strict = ['--noEmit', '--incremental', 'false', '--skipLibCheck', 'false', '--types', 'node,express']

  it("type-checks with ringlog's own CommonJS types as Nest's default tsconfig resolves them (module commonjs, node10)", async () => {
    await typeCheck(...strict)
  })

  it("type-checks with ringlog's own CommonJS types through the \"require\" condition (module nodenext)", async () => {
    await typeCheck(...strict, '--module', 'nodenext', '--moduleResolution', 'nodenext')
  })

  it('type-checks the same package imported from an ES module, through the "import" types', async () => {
    const file = join(app, 'esm-types', 'imports.ts')
    await run(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...strict, file], { cwd: app })
  })
})

describe('both builds in one process', () => {
  it.each(['esm-first', 'cjs-first'])('%s: one drain worker, one exit listener, one record counter, one context; nothing lost at exit', async (order) => {
    const file = join(tempDir(), 'both.log')
    const count = 5000
    const { code, stdout, stderr } = await runFixture('both-builds.mjs', [order, file, String(count)])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({ contexts: 'from-cjs', defaults: true, drainStarts: 1, exitListeners: 1, sigtermListeners: 1 })
    const records = readRecords(file)
    expect(records).toHaveLength(4 * count)
    // One counter: every number once, in the order each logger logged.
    expect(records.map((record) => record.seq).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 4 * count }, (_, i) => i + 1))
    for (const name of ['esm', 'cjs']) {
      const own = records.filter((record) => record.name === name)
      expect(own.map((record) => record.i)).toEqual(Array.from({ length: 2 * count }, (_, i) => i))
      // The context one build bound, and the other build's within it, on both loggers' records.
      expect(own.slice(0, count).every((record) => record.requestId === 'from-esm' && record.user === 7)).toBe(true)
    }
  })
})

describe('the package', () => {
  it("src/version.ts says package.json's version", () => {
    expect(VERSION).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version)
  })

  it('ships both builds, the CommonJS scope and the LICENSE', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })
    const files = new Set((JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((entry) => entry.path))
    for (const path of ['LICENSE', 'dist/cjs/package.json', 'dist/src/builds/esm.js', 'dist/cjs/src/builds/cjs.js', 'dist/src/worker/drain.js', 'dist/cjs/src/worker/drain.js']) {
      expect(files).toContain(path)
    }
    for (const [subpath, file] of [['.', 'index'], ['express', 'http/express'], ['koa', 'http/koa'], ['fastify', 'http/fastify'], ['hono', 'http/hono'], ['nestjs', 'http/nestjs']]) {
      for (const built of [`dist/src/${file}`, `dist/cjs/src/${file}`]) {
        expect(files, subpath).toContain(`${built}.js`)
        expect(files, subpath).toContain(`${built}.d.ts`)
      }
    }
  })
})
