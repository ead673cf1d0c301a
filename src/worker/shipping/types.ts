import type { AzureConfig } from '../../shipping/azure-options.js'
import type { CloudWatchConfig } from '../../shipping/cloudwatch-options.js'
import type { GcpConfig } from '../../shipping/gcp-options.js'
import type { MongoConfig } from '../../shipping/mongodb-options.js'
import type { OtlpOptions } from '../../shipping/otlp-options.js'
import type { PostgresConfig } from '../../shipping/postgres-options.js'
import type { RedisConfig } from '../../shipping/redis-options.js'
import type { SyslogOptions } from '../../shipping/syslog-options.js'
import { OtlpJsonFormat } from '../format/otlp-json.js'
import { OtlpProtobufFormat } from '../format/otlp-protobuf.js'
import type { Format, FormatOptions } from '../format/format.js'
import { createFormat } from '../format/formats.js'
import { GcpFormat } from '../format/gcp.js'
import { createSyslogFormat } from '../format/syslog.js'
import { TimestampedFormat } from '../format/timestamped.js'
import type { Output } from '../output.js'
import { moduleSink } from './module-sink.js'
import { pinoTransport } from './pino-transport.js'
import type { ShippingType } from './shipping-type.js'

/**
 * Every kind of asynchronous sink by its `type`, in the worker (src/shipping/readers.ts has their
 * options). Deliveries are imported when a sink of their type is made: a drain worker that ships
 * nothing does not load node:http, node:tls, node:dgram and their code (20 ms of its start).
 */
export const SHIPPING_TYPES: Readonly<Record<string, ShippingType<never>>> = {
  http: {
    delivery: async (options) => new (await import('./http.js')).HttpDelivery(options),
  },
  otlp: {
    format: (out, format, options: OtlpOptions) => (options.encoding === 'json' ? new OtlpJsonFormat(out, format) : new OtlpProtobufFormat(out, format)),
    delivery: async (options) => new (await import('./otlp.js')).OtlpDelivery(options),
  },
  syslog: {
    format: (out, format, options: SyslogOptions) => createSyslogFormat(out, format, options),
    delivery: async (options) => (await import('./syslog.js')).syslogDelivery(options),
  },
  pino: pinoTransport,
  module: moduleSink,
  cloudwatch: {
    // Each event carries its time beside its text.
    format: (out, format) => new TimestampedFormat(out, createFormat(out, format)),
    delivery: async (options: CloudWatchConfig) => (await import('../../cloudwatch.js').catch(missingSdk(['@aws-sdk/client-cloudwatch-logs']))).cloudwatchDelivery(options),
  },
  gcp: {
    // The entries are made from the gcp format's records, whatever the logger's format.
    format: (out, format) => new GcpFormat(out, { ...format, format: 'gcp' }),
    delivery: async (options: GcpConfig) => (await import('../../gcp.js').catch(missingSdk(['@google-cloud/logging']))).gcpDelivery(options),
  },
  azure: {
    // The stream's objects are the json format's records, each with its time for TimeGenerated.
    format: (out, format) => new TimestampedFormat(out, createFormat(out, { ...format, format: 'json' })),
    delivery: async (options: AzureConfig) => (await import('../../azure.js').catch(missingSdk(['@azure/monitor-ingestion', '@azure/identity']))).azureDelivery(options),
  },
  postgres: {
    format: jsonRecords,
    delivery: async (options: PostgresConfig) => (await import('../../postgres.js').catch(missingSdk(['pg']))).postgresDelivery(options),
  },
  redis: {
    format: jsonRecords,
    delivery: async (options: RedisConfig) => (await import('../../redis.js').catch(missingSdk(['redis']))).redisDelivery(options),
  },
  mongodb: {
    format: jsonRecords,
    delivery: async (options: MongoConfig) => (await import('../../mongodb.js').catch(missingSdk(['mongodb']))).mongoDelivery(options),
  },
}

/** A database's rows and entries are made from the json format's records with its own keys, each with its exact time (src/worker/shipping/json-records.ts). */
function jsonRecords(out: Output, format: FormatOptions): Format<unknown> {
  return new TimestampedFormat(out, createFormat(out, { ...format, format: 'json', timeKey: 'time', levelKey: 'level', messageKey: 'msg', levelFormat: 'label' }))
}

/** A sink whose client (an optional peer dependency) is not installed: said so, with the command that installs it. */
export function missingSdk(names: readonly string[]): (error: unknown) => never {
  return (error) => {
    const code = (error as { code?: unknown }).code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error
    throw new Error(`this sink needs ${names.join(' and ')}, optional peer dependencies of ringlog: npm install ${names.join(' ')}`, { cause: error })
  }
}
