export { createLogger, Logger, type LogFn } from './logger.js'
export type { LoggerOptions, Destination } from './config.js'
export type { LevelName, LevelOption } from './levels.js'
export type { Metrics } from './transport.js'
