import type { LevelOption, LevelTable } from './levels.js'
import { invalid, levelName, type Where } from './validate.js'
import { dedupeOption } from './worker/policy/dedupe.js'
import { filterOption } from './worker/policy/filter.js'
import { fingersCrossedOption } from './worker/policy/fingers-crossed.js'
import { rateLimitOption } from './worker/policy/rate-limit.js'
import type { PolicyConfig } from './worker/policy/record-policy.js'
import { redactOption, type DetectorName } from './worker/policy/redact.js'
import { sampleOption } from './worker/policy/sampler.js'
import { encryptOption, sealsPath, type EncryptOption } from './encryption/encrypt-options.js'
import { alertsOption, type AlertRuleOption } from './alert-options.js'
import { analyticsOption, type AnalyticsOption } from './analytics-options.js'

export type { DetectorName }

/** A duration in ms, or text like '10s', '1m', '2 hours'. */
export type Duration = number | string

type Scalar = string | number | boolean | null

/**
 * Which records pass, as data: a field's value (dotted paths; 'msg', 'level' as its label, 'time';
 * fields of child bindings and the request context too), combined with all, any and not.
 */
export type FilterOption =
  | { field: string; equals: Scalar }
  | { field: string; oneOf: Scalar[] }
  | { field: string; matches: RegExp | string }
  | { field: string; exists: boolean }
  | { all: FilterOption[] }
  | { any: FilterOption[] }
  | { not: FilterOption }

/**
 * Keep a share of the records: `{ rate: 0.1 }` (at random), `{ every: 10 }`, or zap's
 * `{ first: 100, thereafter: 10, interval: '1s' }` per message. Error and fatal are always kept
 * unless `levels: 'all'`; `seed` makes `rate` repeatable.
 */
export type SampleOption = ({ rate: number } | { every: number } | { first: number; thereafter: number; interval?: Duration }) & {
  levels?: 'all'
  seed?: number
}

/** A token bucket per key (the message, or a field's value): `rate` records per `per`, bursts of `burst`. */
export interface RateLimitOption {
  rate: number
  /** @default '1s' */
  per?: Duration
  /** @default rate */
  burst?: number
  /** 'msg' or a field path. @default 'msg' */
  key?: string
  /** 'all' to limit error and fatal records too. */
  levels?: 'all'
}

/** Skip identical consecutive records (only the time differs) within a window from the first; `true` is a 60 s window. */
export type DedupeOption = boolean | { window?: Duration }

/**
 * Paths to censor or remove, and detectors of secrets in any string. An array is `{ paths }`;
 * 'default' censors the usual credential keys (password, token, apiKey, authorization... at the top
 * and two levels down) and turns on every secret detector (not email nor creditCard).
 */
export type RedactOption =
  | 'default'
  | string[]
  | {
      paths?: string[]
      /** @default '[Redacted]' */
      censor?: string
      /** Remove the key instead of censoring its value. @default false */
      remove?: boolean
      detectors?: boolean | DetectorName[] | Partial<Record<DetectorName, boolean>>
    }

/** Hold low-level records per request; write them only if the request logs an error. `true` takes the defaults. */
export type FingersCrossedOption<Custom extends string = never> =
  | boolean
  | {
      /** Records at this level and below are held. @default 'debug' */
      hold?: LevelOption | Custom
      /** A record at this level or above writes what its request held, first. @default 'error' */
      trigger?: LevelOption | Custom
      /** 'context' (the request context of withContext) or a field path naming the request. @default 'context' */
      key?: string
      /** Records held per request at most; the oldest go first. @default 1000 */
      limit?: number
      /** A held record older than this is discarded. @default '1m' */
      window?: Duration
    }

/** The record policy options of createLogger(). */
export interface PolicyOptions<Custom extends string = never> {
  /** Only records this filter lets through are written. */
  filter?: FilterOption
  dedupe?: DedupeOption
  sample?: SampleOption
  rateLimit?: RateLimitOption
  redact?: RedactOption
  fingersCrossed?: FingersCrossedOption<Custom>
  /** Values at these paths sealed with AES-256-GCM, last before the sinks. */
  encrypt?: EncryptOption
  /** Rules on the records that pass the policy: a count or a rate over a window fires actions, and resolves. */
  alerts?: AlertRuleOption[]
  /** Template mining and anomaly detection on the records that pass the policy (README, Log analytics). */
  analytics?: AnalyticsOption
}

export const POLICY_KEYS = ['filter', 'dedupe', 'sample', 'rateLimit', 'redact', 'fingersCrossed', 'encrypt', 'alerts', 'analytics']

/** The record policy options, checked, as data for the pipeline. */
export function resolvePolicy(options: PolicyOptions<string>, table: LevelTable, env: NodeJS.ProcessEnv): PolicyConfig {
  const where = (name: string): Where => `option ${name}`
  const threshold = (at: Where, level: unknown): number => table.threshold(levelName(at, level, table))
  const encrypt = encryptOption(where('encrypt'), options.encrypt, env)
  const alerts = options.alerts === undefined ? undefined : alertsOption(where('alerts'), options.alerts, table)
  alerts?.forEach((rule, i) => {
    // An alert's group goes into its record, webhook and callback as it is: it must not be a value encrypt seals.
    if (encrypt !== undefined && rule.groupBy !== undefined && sealsPath(encrypt, rule.groupBy)) invalid(`${where('alerts')}[${i}].groupBy`, rule.groupBy, 'a field that encrypt does not seal (the alert would carry its value in clear)')
  })
  return {
    filter: filterOption(where('filter'), options.filter),
    dedupe: dedupeOption(where('dedupe'), options.dedupe),
    sample: sampleOption(where('sample'), options.sample, (name) => (table.has(name) ? table.threshold(name) : undefined)),
    rateLimit: rateLimitOption(where('rateLimit'), options.rateLimit),
    redact: redactOption(where('redact'), options.redact),
    fingersCrossed: fingersCrossedOption(where('fingersCrossed'), options.fingersCrossed, threshold),
    encrypt,
    alerts,
    analytics: analyticsOption(where('analytics'), options.analytics, table),
  }
}
