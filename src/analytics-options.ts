import type { LevelTable } from './levels.js'
import { parseDuration } from './units.js'
import { invalid, levelName, optionFields, type Where } from './validate.js'

/**
 * The `analytics` option: template mining and anomaly detection live, in the pipeline that writes
 * the records (the drain worker), on the records that pass the record policy.
 */

export interface AnalyticsTemplatesOption {
  /** Templates kept at most; the least recently seen go first (counted in `metrics().analytics.evicted`). @default 10000 */
  maxTemplates?: number
  /** More masks: each match in a message is a variable. @example [/order-[a-z0-9]+/g] */
  masks?: RegExp[]
}

export interface AnalyticsAnomaliesOption {
  /** Counts are compared per window of this length. @default '1m' */
  window?: number | string
  /** The period of the seasonality learned (a day: the traffic of 3 a.m. is not that of 3 p.m.); 0 for none. @default '1d' */
  season?: number | string
  /** Series (templates and levels) watched at most; the least recently seen go first. @default 10000 */
  maxSeries?: number
  /** The level of the record that reports an anomaly. @default 'warn' */
  level?: string
}

export interface AnalyticsOption {
  /** Mine each record's message into a template with a stable id: anomalies are then found per template too. @default false */
  templates?: boolean | AnalyticsTemplatesOption
  /** Find anomalies per level, in the error ratio and, with templates, per template; each is written as a record. @default false */
  anomalies?: boolean | AnalyticsAnomaliesOption
}

/** As the worker takes it. */
export interface AnalyticsConfig {
  templates: { maxTemplates: number; masks: RegExp[] } | undefined
  anomalies: { windowMs: number; seasonMs: number; maxSeries: number; logLevel: number } | undefined
}

const TOP_KEYS = ['templates', 'anomalies']
const TEMPLATE_KEYS = ['maxTemplates', 'masks']
const ANOMALY_KEYS = ['window', 'season', 'maxSeries', 'level']

function positiveInteger(where: Where, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalid(where, value, 'a whole number, 1 or more')
  return value as number
}

export function analyticsOption(where: Where, value: unknown, table: LevelTable): AnalyticsConfig | undefined {
  if (value === undefined || value === false) return undefined
  const fields = optionFields(where, value, TOP_KEYS, '{ templates?: true, anomalies?: true | { window, season, maxSeries, level } }')
  const templates = fields.templates === undefined || fields.templates === false ? undefined : (() => {
    const at = `${where}.templates`
    const given = fields.templates === true ? {} : optionFields(at, fields.templates, TEMPLATE_KEYS, 'true or { maxTemplates?, masks? }')
    const masks = given.masks ?? []
    if (!Array.isArray(masks) || masks.some((mask) => !(mask instanceof RegExp))) invalid(`${at}.masks`, masks, 'an array of regular expressions')
    return { maxTemplates: positiveInteger(`${at}.maxTemplates`, given.maxTemplates, 10_000), masks: masks as RegExp[] }
  })()
  const anomalies = fields.anomalies === undefined || fields.anomalies === false ? undefined : (() => {
    const at = `${where}.anomalies`
    const given = fields.anomalies === true ? {} : optionFields(at, fields.anomalies, ANOMALY_KEYS, 'true or { window?, season?, maxSeries?, level? }')
    const season = given.season === 0 || given.season === '0' ? 0 : parseDuration(`${at}.season`, given.season ?? '1d')
    const windowMs = parseDuration(`${at}.window`, given.window ?? '1m')
    if (season !== 0 && season < windowMs) invalid(`${at}.season`, given.season ?? '1d', `a season at least as long as the window (${String(given.window ?? '1m')}), or 0 for none`)
    return {
      windowMs,
      seasonMs: season,
      maxSeries: positiveInteger(`${at}.maxSeries`, given.maxSeries, 10_000),
      logLevel: table.threshold(levelName(`${at}.level`, given.level ?? 'warn', table)),
    }
  })()
  if (templates === undefined && anomalies === undefined) return invalid(where, value, 'templates or anomalies turned on (or leave analytics out)')
  return { templates, anomalies }
}
