import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createLogger, withContext } from '../dist/src/index.js'
import { optionError } from './helpers/option-error.js'
import { fixture, runFixture, tempDir } from './helpers/files.js'

const plugin = (name: string): string => fixture(`plugins/${name}`)
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678)


describe.each([true, false])('processors (worker: %s)', (worker) => {
  it('rename fields, bindings and context included, and drop the records they return null for', async () => {
    const file = join(tempDir(), 'app.log')
    const log = createLogger({
      destination: file, worker, now: () => NOW, timeFormat: 'epoch',
      processors: [{ module: plugin('rename-processor.mjs'), options: { rename: { user: 'userId', svc: 'service', requestId: 'request' }, dropField: 'healthCheck' } }],
    })
    const child = log.child({ svc: 'api' })
    withContext({ requestId: 'r-1' }, () => child.info('login', { user: 'ada', ok: true }))
    child.info('ping', { healthCheck: true })
    log.warn('no fields')
    await log.flush()
    expect(log.metrics()).toMatchObject({ written: 2, filtered: 1, failed: 0 })
    await log.close()
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":${NOW},"level":"info","msg":"login","ok":true,"userId":"ada","service":"api","request":"r-1"}\n`
      + `{"time":${NOW},"level":"warn","msg":"no fields"}\n`,
    )
  })

  it('run in order, each on what the one before gave back; an asynchronous load is waited for, not skipped', async () => {
    const file = join(tempDir(), 'app.log')
    const log = createLogger({
      destination: file, worker, now: () => NOW, timeFormat: 'epoch',
      processors: [
        { module: plugin('rename-processor.mjs'), options: { rename: { urgent: 'raise' } } },
        { module: plugin('level-processor.mjs'), options: { field: 'raise', level: 50, loadMs: 200 } },
      ],
    })
    // Logged at once, while the second processor is still loading.
    for (let i = 0; i < 3; i++) log.info(`record ${i}`, i === 1 ? { urgent: true } : { i })
    await log.flush()
    await log.close()
    expect(readFileSync(file, 'utf8')).toBe(
      `{"time":${NOW},"level":"info","msg":"record 0","i":0}\n`
      + `{"time":${NOW},"level":"error","msg":"RECORD 1","raise":true}\n`
      + `{"time":${NOW},"level":"info","msg":"record 2","i":2}\n`,
    )
  })
})

describe('processors that fail', () => {
  it.each(['worker', 'inline'])('a processor that throws drops the records it threw on, counts them, and says so once (%s)', async (worker) => {
    const file = join(tempDir(), 'app.log')
    const { code, stdout, stderr } = await runFixture('processor-failures.mjs', [file, 'throw', worker])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      written: 3, failed: 2,
      lastError: `process processor ${pathToFileURL(plugin('rename-processor.mjs')).href}: processor exploded on "boom"`,
    })
    expect(readFileSync(file, 'utf8').split('\n').map((line) => line && JSON.parse(line).msg)).toEqual(['one', 'two', 'three', ''])
    expect(stderr).toBe(`ringlog: cannot process records (processor ${pathToFileURL(plugin('rename-processor.mjs')).href}): processor exploded on "boom"; failed records are counted in metrics().failed\n`)
  })

  it.each(['worker', 'inline'])('a processor that does not load drops every record, counted, said once (%s)', async (worker) => {
    const file = join(tempDir(), 'app.log')
    const { code, stdout, stderr } = await runFixture('processor-failures.mjs', [file, 'load', worker])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ written: 0, failed: 5 })
    expect(readFileSync(file, 'utf8')).toBe('')
    expect(stderr).toBe(`ringlog: cannot process records (processor ${pathToFileURL(plugin('throws-on-load.mjs')).href}): did not load: load exploded; failed records are counted in metrics().failed\n`)
  })
})

describe('the processors option', () => {
  it('throws from createLogger() naming the processor whose module cannot be found', () => {
    expect(optionError(() => createLogger({ processors: [{ module: './no/such/processor.mjs' }] }))).toBe(
      `ringlog: invalid option processors[0].module: "./no/such/processor.mjs"; expected a module that exists (${join(process.cwd(), 'no/such/processor.mjs')} does not)`,
    )
    expect(optionError(() => createLogger({ processors: [{ module: 'no-such-package-anywhere' }] }))).toBe(
      `ringlog: invalid option processors[0].module: "no-such-package-anywhere"; expected a package installed where the application runs (${process.cwd()}): MODULE_NOT_FOUND`,
    )
  })

  it('takes options that are plain data only, and no other keys', () => {
    const module = plugin('rename-processor.mjs')
    expect(optionError(() => createLogger({ processors: [{ module, options: { f: () => 1 } }] }))).toBe(
      'ringlog: invalid option processors[0].options: {}; expected plain data, without functions: it is posted to the drain worker',
    )
    expect(optionError(() => createLogger({ processors: [{ module, option: {} } as never] }))).toBe(
      'ringlog: invalid option processors[0].option: {}; expected one of module, options',
    )
    expect(optionError(() => createLogger({ processors: { module } as never }))).toBe(
      `ringlog: invalid option processors: ${JSON.stringify({ module })}; expected an array of { module, options }`,
    )
  })
})
