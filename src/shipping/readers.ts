import { azureOptions } from './azure-options.js'
import { cloudwatchOptions } from './cloudwatch-options.js'
import { gcpOptions } from './gcp-options.js'
import { httpOptions } from './http-options.js'
import { moduleOptions } from './module-options.js'
import { mongoOptions } from './mongodb-options.js'
import type { OptionsReader } from './options-reader.js'
import { otlpOptions } from './otlp-options.js'
import { postgresOptions } from './postgres-options.js'
import { redisOptions } from './redis-options.js'
import { pinoOptions } from './pino-options.js'
import { syslogOptions } from './syslog-options.js'

/** Every kind of asynchronous sink by its `type`, on the calling thread: the options each takes. */
export const READERS: Readonly<Record<string, OptionsReader<unknown>>> = {
  http: httpOptions,
  otlp: otlpOptions,
  pino: pinoOptions,
  module: moduleOptions,
  syslog: syslogOptions,
  cloudwatch: cloudwatchOptions,
  gcp: gcpOptions,
  azure: azureOptions,
  postgres: postgresOptions,
  redis: redisOptions,
  mongodb: mongoOptions,
}
