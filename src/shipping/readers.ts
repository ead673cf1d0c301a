import type { OptionsReader } from './options-reader.js'
import { OTLP_OPTIONS } from './otlp-options.js'

/** Every kind of asynchronous sink by its `type`, on the calling thread: the options each takes. */
export const READERS: Readonly<Record<string, OptionsReader<unknown>>> = {
  otlp: OTLP_OPTIONS,
}
