export { createLogger, Logger, type LogFn, type RingLogger } from './logger.js'
export type { LoggerOptions, Destination, FormatName, TimeFormatName, Serializer, SinkOptions, SinkTarget, FileSinkOptions, FormatFields } from './config.js'
export type { LevelName, LevelOption } from './levels.js'
export type {
  PolicyOptions, FilterOption, SampleOption, RateLimitOption, DedupeOption, RedactOption, FingersCrossedOption, DetectorName, Duration,
} from './policy-options.js'
export type { Metrics } from './transport.js'
export { withContext, bindContext, getContext, newRequestId } from './context.js'
export { defineEvent } from './events/schema.js'
export type { EventDefinition, EventFields, EventSchema, EventSpec, FieldSchema, FieldSpec, ScalarType } from './events/schema.js'
export { captureLogs, type LogCapture } from './capture.js'
export { default } from './default-export.js'
