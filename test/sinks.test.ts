import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger, type LoggerOptions } from '../dist/src/index.js'
import { transportOf } from '../dist/src/logger.js'
import type { WorkerTransport } from '../dist/src/worker-transport.js'
import { fixedClock, tempDir } from './helpers/files.js'

const T = '2026-11-28T02:04:27.'

describe.each([true, false])('several sinks (worker: %s)', (worker) => {
  it('writes each record to every sink whose level it reaches, each in its own format', async () => {
    const dir = tempDir()
    const restore = fixedClock()
    try {
      const log = createLogger({
        level: 'debug',
        worker,
        sinks: [
          { type: 'file', path: join(dir, 'all.log') },
          { type: 'file', path: join(dir, 'warn.logfmt'), format: 'logfmt', level: 'warn' },
          { type: 'file', path: join(dir, 'table.csv'), format: 'csv', columns: ['level', 'msg', 'userId'], levelFormat: 'number' },
        ],
      })
      if (worker) await (transportOf(log) as WorkerTransport).running()
      const db = log.child({ name: 'db' })
      db.debug('query', { userId: 1 })
      log.info('user logged in', { userId: 42 })
      db.warn('slow query', { userId: 7, ms: 950 })
      log.error(Object.assign(new Error('boom'), { stack: 'Error: boom' }))
      await log.close()
      expect(log.metrics()).toMatchObject({ written: 4 + 2 + 4, failed: 0, dropped: 0 })
    } finally {
      restore()
    }
    expect(readFileSync(join(dir, 'all.log'), 'utf8')).toBe(
      `{"time":"${T}123Z","level":"debug","msg":"query","name":"db","userId":1}\n` +
      `{"time":"${T}124Z","level":"info","msg":"user logged in","userId":42}\n` +
      `{"time":"${T}125Z","level":"warn","msg":"slow query","name":"db","userId":7,"ms":950}\n` +
      `{"time":"${T}126Z","level":"error","msg":"boom","err":{"type":"Error","message":"boom","stack":"Error: boom"}}\n`,
    )
    expect(readFileSync(join(dir, 'warn.logfmt'), 'utf8')).toBe(
      `time=${T}125Z level=warn msg="slow query" name=db userId=7 ms=950\n` +
      `time=${T}126Z level=error msg=boom err.type=Error err.message=boom err.stack="Error: boom"\n`,
    )
    expect(readFileSync(join(dir, 'table.csv'), 'utf8')).toBe('level,msg,userId\r\n20,query,1\r\n30,user logged in,42\r\n40,slow query,7\r\n50,boom,\r\n')
  })
})

describe('sink options fail at createLogger() with the sink, the option and the value', () => {
  const cases: [string, LoggerOptions, string][] = [
    ['an unknown type', { sinks: [{ type: 'kafka' } as never] }, `ringlog: invalid option sinks[0].type: "kafka"; expected one of 'stdout', 'stderr', 'file', 'fd', 'stream', 'http', 'otlp'`],
    ['a stream sink without a Writable', { sinks: [{ type: 'stream', stream: {} } as never] }, 'ringlog: invalid option sinks[0].stream: "an instance of Object"; expected a Writable stream'],
    ['a file without a path', { sinks: [{ type: 'stdout' }, { type: 'file' } as never] }, 'ringlog: invalid option sinks[1].path: undefined; expected a non-empty string'],
    ['an fd that is not a number', { sinks: [{ type: 'fd', fd: '3' } as never] }, 'ringlog: invalid option sinks[0].fd: "3"; expected a file descriptor number'],
    ['an unknown level', { sinks: [{ type: 'stdout', level: 'loud' } as never] }, `ringlog: invalid option sinks[0].level: "loud"; expected one of 'trace'`],
    ['an unknown sink option', { sinks: [{ type: 'stdout', colour: true } as never] }, 'ringlog: invalid option sinks[0].colour: true; expected no such sink option'],
    ['a file option on another type', { sinks: [{ type: 'stdout', rotate: { size: 10 } } as never] }, `ringlog: invalid option sinks[0].rotate: {"size":10}; expected only on a sink of type 'file'`],
    ['a bad rotation size', { sinks: [{ type: 'file', path: 'x.log', rotate: { size: '10 parsecs' } }] }, `ringlog: invalid option sinks[0].rotate.size: "10 parsecs"; expected a size`],
    ['a bad rotation period', { sinks: [{ type: 'file', path: 'x.log', rotate: { every: 'week' as never } }] }, `ringlog: invalid option sinks[0].rotate.every: "week"; expected 'hour', 'day' or a number of milliseconds`],
    ['a bad compression', { sinks: [{ type: 'file', path: 'x.log', compress: 'zip' as never }] }, `ringlog: invalid option sinks[0].compress: "zip"; expected one of 'gzip', 'brotli'`],
    ['a bad retention age', { sinks: [{ type: 'file', path: 'x.log', retain: { age: 'forever' } }] }, `ringlog: invalid option sinks[0].retain.age: "forever"; expected a duration`],
    ['an unknown retention limit', { sinks: [{ type: 'file', path: 'x.log', retain: { files: 3 } as never }] }, 'ringlog: invalid option sinks[0].retain.files: 3; expected one of count, age, totalSize'],
    ['a bad reopen signal', { reopen: 'SIGUSR2' as never }, `ringlog: invalid option reopen: "SIGUSR2"; expected one of 'SIGHUP'`],
    ['a bad format', { sinks: [{ type: 'stdout', format: 'xml' } as never] }, `ringlog: invalid option sinks[0].format: "xml"; expected one of 'json'`],
    ['no sinks', { sinks: [] }, 'ringlog: invalid option sinks: []; expected a non-empty array of sinks'],
    ['sinks and destination both', { sinks: [{ type: 'stdout' }], destination: 'stderr' }, 'ringlog: invalid option destination: "stderr"; expected no destination when sinks are given'],
  ]
  it.each(cases)('%s', (_name, options, message) => {
    expect(() => createLogger({ worker: false, ...options })).toThrow(message)
  })
})

describe.each([true, false])('a rotating csv file (worker: %s)', (worker) => {
  it('starts every file with the header row', async () => {
    const dir = tempDir()
    const log = createLogger({ worker, sinks: [{ type: 'file', path: join(dir, 't.csv'), format: 'csv', columns: ['msg', 'i'], rotate: { size: 30 } }] })
    for (let i = 0; i < 12; i++) log.info('m', { i })
    await log.close()
    const day = new Date().toISOString().slice(0, 10)
    expect(readFileSync(join(dir, `t.${day}.1.csv`), 'utf8')).toBe('msg,i\r\nm,0\r\nm,1\r\nm,2\r\nm,3\r\n')
    expect(readFileSync(join(dir, `t.${day}.2.csv`), 'utf8')).toBe('msg,i\r\nm,4\r\nm,5\r\nm,6\r\nm,7\r\n')
    expect(readFileSync(join(dir, 't.csv'), 'utf8')).toBe('msg,i\r\nm,8\r\nm,9\r\nm,10\r\nm,11\r\n')
  })
})
