/**
 * The loggers the end-to-end benchmarks compare, each writing JSON lines to a file: ringlog in the
 * setups bench/e2e.ts's sets need, pino with its sync and async destinations and its file transport,
 * winston's file transport, and a logger that logs nothing (bench/steady.ts's baseline).
 *
 * Each library is imported by load(), in the run's own process, so a run holds only its own
 * library's modules (peak RSS is its own) and no clock ever includes module loading.
 */
import { once, type EventEmitter } from 'node:events'
import type { DestinationStream } from 'pino'
import type { FileSinkOptions, Logger, LoggerOptions } from '../src/index.js'
import { fail } from './numbers.js'
import { childFields, fields, MESSAGE } from './record.js'
import type { Subject } from './subject.js'

/** Makes a fresh logger writing to file and waits until it takes records; `records`: how many the run will log. */
export type Create = (file: string, records: number) => Promise<Subject>

export interface FileLogger {
  name: string
  /**
   * Lines each record takes in the file (pretty writes one per field too), and lines before the
   * first (csv's header); 'rotated' when the file is rotated away, so only the logger's own count
   * (checked at close) says everything was written.
   */
  lines?: { perRecord: number; header: number } | 'rotated'
  /** Imports the library and does what a program does once at startup (defineEvent); no clock runs yet. */
  load(): Promise<Create>
}

/** The lines a run of `records` records leaves in the file; 0 when it is rotated away. */
export function linesOf(logger: FileLogger, records: number): number {
  if (logger.lines === 'rotated') return 0
  return records * (logger.lines?.perRecord ?? 1) + (logger.lines?.header ?? 0)
}

/** Resolves on `event`, rejects on 'error'; attach before triggering the event. */
function waitFor(emitter: EventEmitter, event: string): Promise<void> {
  return once(emitter, event).then(() => undefined)
}

export interface RinglogSetup {
  bufferSize: number
  options?: LoggerOptions
  /** The file sink's options beyond its path; without them, `destination: file`. */
  file?: FileSinkOptions
  /** log.info(MESSAGE, fields), the same record as the declared event RequestHandled, or from a child made for it (`{ reqId }`). */
  call?: 'info' | 'event' | 'child'
  lines?: FileLogger['lines']
}

export function ringlog(name: string, { bufferSize, options = {}, file, call = 'info', lines }: RinglogSetup): FileLogger {
  return {
    name,
    lines,
    async load() {
      const { createLogger, defineEvent } = await import('../src/index.js')
      /** The record shape of fields(), declared. */
      const RequestHandled = defineEvent({
        name: 'request.handled', version: 1, message: MESSAGE,
        fields: { reqId: 'string', userId: 'u32', path: 'string', status: 'u16', durationMs: 'f64' },
      })
      const logOne: (log: Logger, i: number) => void =
        call === 'event' ? (log, i) => log.event(RequestHandled, fields(i))
        : call === 'child' ? (log, i) => log.child({ reqId: 'req-' + i }).info(MESSAGE, childFields(i))
        : (log, i) => log.info(MESSAGE, fields(i))
      return async (path, records) => {
        const target = file === undefined ? { destination: path } : { sinks: [{ type: 'file' as const, path, ...file }] }
        // Not waited for: the drain worker starts while the calling thread logs, as in a program.
        const log = createLogger({ ...options, ...target, bufferSize, worker: true })
        return {
          log: (i) => logOne(log, i),
          drain: () => log.flush(),
          async close() {
            await log.close()
            const m = log.metrics()
            if (m.written !== records || m.dropped !== 0 || m.failed !== 0) {
              fail(`${name}: metrics say written=${m.written} dropped=${m.dropped} failed=${m.failed}, expected ${records} written`)
            }
          },
          writtenOnCaller: () => log.metrics().writtenOnCaller,
        }
      }
    },
  }
}

export const PINO_SYNC = 'pino sync'

type Pino = typeof import('pino').pino
/** A pino destination this benchmark can end, and wait for to close once it has written everything. */
type Destination = DestinationStream & EventEmitter & { end(): void }

async function ended(destination: Destination): Promise<void> {
  const closed = waitFor(destination, 'close')
  destination.end()
  await closed
}

export const pinoSync = pinoSyncLogger(PINO_SYNC, false)
/** pino sync, each record from a child made for it, as pino-http makes one per request. */
export const pinoSyncChild = pinoSyncLogger('pino sync child', true)

function pinoSyncLogger(name: string, child: boolean): FileLogger {
  return {
    name,
    async load() {
      const { pino } = await import('pino')
      return async (file) => {
        const dest = pino.destination({ dest: file, sync: true })
        const log = pino(dest)
        return {
          log: child ? (i) => log.child({ reqId: 'req-' + i }).info(childFields(i), MESSAGE) : (i) => log.info(fields(i), MESSAGE),
          drain: async () => {}, // every write was a writeSync
          close: () => ended(dest),
        }
      }
    },
  }
}

/** pino over a destination that writes after the call returns: ready before the clock starts, ended to drain. */
function pinoWritingLater(name: string, destination: (pino: Pino, file: string) => Destination): FileLogger {
  return {
    name,
    async load() {
      const { pino } = await import('pino')
      return async (file) => {
        const dest = destination(pino, file)
        await waitFor(dest, 'ready')
        const log = pino(dest)
        return {
          log: (i) => log.info(fields(i), MESSAGE),
          drain: () => ended(dest),
          close: async () => {}, // drain() already ended it
        }
      }
    },
  }
}

export const pinoAsync = pinoWritingLater('pino async', (pino, file) => pino.destination({ dest: file, sync: false }))

export const pinoTransport = pinoWritingLater('pino transport', (pino, file) => pino.transport({ target: 'pino/file', options: { destination: file } }))

export const winstonFile: FileLogger = {
  name: 'winston',
  async load() {
    const { default: winston } = await import('winston')
    return async (file) => {
      const transport = new winston.transports.File({ filename: file })
      await waitFor(transport, 'open')
      const log = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [transport] })
      return {
        log: (i) => void log.info(MESSAGE, fields(i)),
        async drain() {
          // 'finish' can come before the file stream has written everything: the caller counts lines after.
          const finished = waitFor(log, 'finish')
          log.end()
          await finished
        },
        async close() {
          log.close()
        },
      }
    }
  },
}

/** Writes nothing: what the rest of a run costs (the loop, the pacing, the timing) without a logger. */
export const noLogging: FileLogger = {
  name: 'no logging',
  lines: { perRecord: 0, header: 0 },
  async load() {
    return async () => ({ log: () => {}, drain: async () => {}, close: async () => {} })
  },
}
