import type { OptionsReader } from './options-reader.js'
import { SYSLOG_OPTIONS } from './syslog-options.js'

/** Every kind of asynchronous sink by its `type`, on the calling thread: the options each takes. */
export const READERS: Readonly<Record<string, OptionsReader<unknown>>> = {
  syslog: SYSLOG_OPTIONS,
}
