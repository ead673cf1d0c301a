import { pluginOptions, resolveModule } from './module-specifier.js'
import { type OptionsReader, jsonFormatOnly } from './options-reader.js'

/** `{ type: 'pino', target, options }`'s own options. */
export interface PinoSinkOptions {
  /** The transport: a package name (resolved from `process.cwd()`, as pino does), a path, or a file URL. */
  target: string
  /** Given to the transport as pino gives them: plain data. @default {} */
  options?: Record<string, unknown>
}

/** A pino transport as the worker loads it: the target's file URL and its options. */
export interface PinoOptions {
  /** The target as given, for messages. */
  target: string
  /** The target's file URL, resolved on the calling thread. */
  url: string
  options: Record<string, unknown>
  /** The sink's own levelFormat and timeFormat, if given: otherwise pino's (numbers, epoch milliseconds). */
  levelFormat: 'label' | 'number' | undefined
  timeFormat: 'iso' | 'epoch' | 'unix' | undefined
}

/**
 * `{ type: 'pino', target: 'pino-socket', options: { ... } }`: any transport written with
 * pino-abstract-transport (or whose default export makes a Writable of its options), fed with
 * pino's lines.
 */
export const pinoOptions: OptionsReader<PinoOptions> = {
  keys: ['target', 'options'],
  read(fields, where) {
    // A transport parses JSON lines: another format would reach it as lines it cannot read.
    jsonFormatOnly(where('format'), fields.format, "a pino transport reads pino's JSON lines")
    return {
      target: String(fields.target),
      url: resolveModule(where('target'), fields.target),
      options: pluginOptions(where('options'), fields.options),
      levelFormat: fields.levelFormat as PinoOptions['levelFormat'],
      timeFormat: fields.timeFormat as PinoOptions['timeFormat'],
    }
  },
}
