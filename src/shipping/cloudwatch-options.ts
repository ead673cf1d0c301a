import { flag, invalid } from '../validate.js'
import { type OptionsReader, timeoutOption } from './options-reader.js'
import { textFields } from './text-fields.js'

/**
 * `{ type: 'cloudwatch', logGroup, logStream }`: records to AWS CloudWatch Logs with PutLogEvents,
 * through the official SDK (`@aws-sdk/client-cloudwatch-logs`, an optional peer dependency, loaded
 * by the drain worker only when such a sink exists). Credentials and region come from the SDK's
 * usual chain (environment, shared files, the instance's role) unless given.
 */
export interface CloudWatchSinkOptions {
  /** The log group: 1 to 512 of `A-Za-z0-9_-./#`. */
  logGroup: string
  /** The log stream: 1 to 512 characters, no `:` nor `*`. */
  logStream: string
  /** @default the SDK's (AWS_REGION, the shared config file) */
  region?: string
  /** Another endpoint than the region's: LocalStack, a VPC endpoint. @example 'http://127.0.0.1:4566' */
  endpoint?: string
  /** @default the SDK's chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws, web identity, the instance's role */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Create the log group when PutLogEvents says it does not exist. @default false */
  createLogGroup?: boolean
  /** Create the log stream when PutLogEvents says it does not exist. @default true */
  createLogStream?: boolean
  /** How long a call may go without an answer: milliseconds, or like '10s'. @default '10s' */
  timeout?: number | string
}

/** What the worker's cloudwatch delivery is given. */
export interface CloudWatchConfig {
  logGroup: string
  logStream: string
  region: string | undefined
  endpoint: string | undefined
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined
  createLogGroup: boolean
  createLogStream: boolean
  timeoutMs: number
}

// CloudWatch Logs' own rules for the names.
const GROUP = /^[\w\-./#]{1,512}$/
const STREAM = /^[^:*]{1,512}$/

export const cloudwatchOptions: OptionsReader<CloudWatchConfig> = {
  keys: ['logGroup', 'logStream', 'region', 'endpoint', 'credentials', 'createLogGroup', 'createLogStream', 'timeout'],
  read(fields, where) {
    const { logGroup, logStream, region, endpoint } = fields
    if (typeof logGroup !== 'string' || !GROUP.test(logGroup)) invalid(where('logGroup'), logGroup, 'a log group name: 1 to 512 of A-Z a-z 0-9 _ - . / #')
    if (typeof logStream !== 'string' || !STREAM.test(logStream)) invalid(where('logStream'), logStream, 'a log stream name: 1 to 512 characters, no : nor *')
    if (region !== undefined && (typeof region !== 'string' || !/^[a-z0-9-]{1,64}$/.test(region))) invalid(where('region'), region, "an AWS region such as 'eu-west-1'")
    if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))) {
      invalid(where('endpoint'), endpoint, 'an http: or https: URL')
    }
    // A csv header row, or a record per several lines, has no place among log events.
    if (fields.format === 'csv') invalid(where('format'), fields.format, "a format of one record per event: 'json', 'logfmt', 'text', 'pretty', 'ecs' or 'gcp'")
    return {
      logGroup,
      logStream,
      region,
      endpoint,
      credentials: fields.credentials === undefined ? undefined : textFields(where('credentials'), fields.credentials, ['accessKeyId', 'secretAccessKey'], ['sessionToken'], ['secretAccessKey', 'sessionToken']),
      createLogGroup: fields.createLogGroup === undefined ? false : flag(where('createLogGroup'), fields.createLogGroup),
      createLogStream: fields.createLogStream === undefined ? true : flag(where('createLogStream'), fields.createLogStream),
      timeoutMs: timeoutOption(where('timeout'), fields.timeout),
    }
  },
}
