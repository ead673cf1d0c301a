/**
 * What `ringlog analyze` finds in a set of log lines, as the JSON output prints it and the text and
 * HTML outputs lay it out. Times are ms since the epoch (null when no line had a readable time).
 */

/** What kind of change an anomaly is. */
export type AnomalyKind = 'spike' | 'drop' | 'new' | 'silence' | 'error-ratio'

/** One window that did not look like the baseline learned for its series. */
export interface ReportedAnomaly {
  kind: AnomalyKind
  /** The template's id, for a template's series; absent for a level's or the error ratio's. */
  templateId?: string
  /** The template's text, or the level's label ('error'), or 'error ratio'. */
  series: string
  /** The window's start and length. */
  time: number
  windowMs: number
  /** What the baseline expected in the window, and what came: counts (error-ratio: shares, 0 to 1). */
  expected: number
  observed: number
}

/** One template and where its lines are. */
export interface TemplateSummary {
  id: string
  template: string
  /** True for a declared event (its name and version are the template: nothing is mined). */
  event: boolean
  count: number
  /** count / all lines analysed, 0 to 1. */
  share: number
  firstSeen: number | null
  lastSeen: number | null
  /** Lines per level label ('info', 'error'; '' for lines without a level). */
  levels: Record<string, number>
  /** Up to three distinct values seen for each `<*>`, in order of the template's variables. */
  examples: string[][]
  /** Lines per bucket, aligned with AnalysisReport.buckets. */
  series: number[]
}

/** A run of buckets in which errors came much faster than the baseline. */
export interface ErrorBurst {
  start: number
  end: number
  errors: number
  /** Errors the baseline expected in the same span. */
  expected: number
}

/** A template whose rate moved to a new level and stayed there. */
export interface RateChange {
  templateId: string
  template: string
  time: number
  /** Lines per minute before and after. */
  before: number
  after: number
}

export interface AnalysisReport {
  /** The inputs, as given ('-' for stdin). */
  inputs: string[]
  /** Lines read, lines analysed, lines left out and why (each reason with its count). */
  lines: number
  analysed: number
  skipped: Record<string, number>
  start: number | null
  end: number | null
  /** The rate series' buckets: the start of each, and their length. */
  bucketMs: number
  buckets: number[]
  /** Lines per level label per bucket. */
  levels: Record<string, number[]>
  /** Most lines first. */
  templates: TemplateSummary[]
  /** Templates dropped to keep the miner within its cap (their lines are still counted above). */
  evicted: number
  /** Templates first seen at or after `since` that the lines before it (the baseline) never had. */
  newTemplates: { since: number; templateIds: string[] } | null
  errorBursts: ErrorBurst[]
  rateChanges: RateChange[]
  anomalies: ReportedAnomaly[]
}
