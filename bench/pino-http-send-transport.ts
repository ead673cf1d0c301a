/**
 * pino-http-send as a pino transport (`pino.transport({ target: <this file>, options })`), so it runs
 * in pino's worker thread like pino-socket. pino-http-send 0.4 predates pino 7's transports: it exports
 * createWriteStream(options), not the default function that pino's worker loads.
 */
import { createWriteStream } from 'pino-http-send'

export default function transport(options: Parameters<typeof createWriteStream>[0]): ReturnType<typeof createWriteStream> {
  return createWriteStream(options)
}
