import type { AnalysisReport, ReportedAnomaly } from './analysis-report.js'
import { durationText } from './duration-text.js'
import { visibleText } from './visible-text.js'

/**
 * The report for a terminal: the span, the most frequent templates with their share, levels and
 * example values, then what changed (new templates, error bursts, rate changes, anomalies).
 * Everything that came from the logs (templates, values, ids of events, level labels, file names)
 * has its control characters shown escaped, so a line cannot move the cursor or recolour the terminal.
 */

/** One line on the terminal: control characters and line feeds written out. */
function safe(text: string): string {
  return visibleText(text).replace(/\n/g, '\\n')
}

function iso(time: number | null): string {
  return time === null ? '-' : new Date(time).toISOString()
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 3 : 1)}%`
}

function value(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 3 : 1)
}

function anomalyLine(anomaly: ReportedAnomaly): string {
  return `  ${iso(anomaly.time)}  ${anomaly.kind.padEnd(11)} expected ${value(anomaly.expected)}, observed ${value(anomaly.observed)}  ${anomaly.templateId === undefined ? '' : `[${safe(anomaly.templateId)}] `}${safe(anomaly.series)}`
}

export function textReport(report: AnalysisReport, top = 20): string {
  const lines: string[] = []
  const skipped = Object.entries(report.skipped).map(([reason, n]) => `${n} ${reason}`)
  lines.push(`${report.analysed} of ${report.lines} lines analysed${skipped.length === 0 ? '' : ` (left out: ${skipped.join(', ')})`} from ${report.inputs.map(safe).join(', ')}`)
  lines.push(report.start === null ? 'no line had a time: no rates over time' : `from ${iso(report.start)} to ${iso(report.end)}, in ${report.buckets.length} buckets of ${durationText(report.bucketMs)}`)
  lines.push(`${report.templates.length} templates${report.evicted > 0 ? ` (${report.evicted} more were evicted to stay within the cap)` : ''}`)
  lines.push('')
  lines.push(`top ${Math.min(top, report.templates.length)} templates:`)
  const byId = new Map(report.templates.map((t) => [t.id, t]))
  for (const t of report.templates.slice(0, top)) {
    const levels = Object.entries(t.levels).sort((a, b) => b[1] - a[1]).map(([label, n]) => `${safe(label) || '-'} ${n}`).join(', ')
    lines.push(`${String(t.count).padStart(9)} ${percent(t.share).padStart(7)}  [${safe(t.id)}] ${safe(t.template)}`)
    lines.push(`${' '.repeat(18)}levels: ${levels}; first ${iso(t.firstSeen)}, last ${iso(t.lastSeen)}`)
    t.examples.forEach((values, i) => lines.push(`${' '.repeat(18)}<*>${i + 1}: ${values.map((v) => safe(JSON.stringify(v))).join(', ')}`))
  }
  if (report.newTemplates !== null) {
    lines.push('')
    const ids = report.newTemplates.templateIds
    lines.push(`new since ${iso(report.newTemplates.since)}: ${ids.length === 0 ? 'none' : ''}`)
    for (const id of ids.slice(0, top)) {
      const t = byId.get(id)!
      lines.push(`  ${iso(t.firstSeen)}  ${String(t.count).padStart(7)}  [${safe(id)}] ${safe(t.template)}`)
    }
    if (ids.length > top) lines.push(`  and ${ids.length - top} more (--top shows more, --json all)`)
  }
  lines.push('')
  lines.push(`error bursts: ${report.errorBursts.length === 0 ? 'none' : ''}`)
  for (const burst of report.errorBursts) lines.push(`  ${iso(burst.start)} to ${iso(burst.end)}: ${burst.errors} errors, ${value(burst.expected)} expected`)
  lines.push('')
  lines.push(`rate changes (lines per minute): ${report.rateChanges.length === 0 ? 'none' : ''}`)
  for (const change of report.rateChanges) lines.push(`  ${iso(change.time)}  ${value(change.before)} -> ${value(change.after)}  [${safe(change.templateId)}] ${safe(change.template)}`)
  lines.push('')
  lines.push(`anomalies: ${report.anomalies.length === 0 ? 'none' : ''}`)
  for (const anomaly of report.anomalies.slice(0, top * 5)) lines.push(anomalyLine(anomaly))
  if (report.anomalies.length > top * 5) lines.push(`  and ${report.anomalies.length - top * 5} more (--json lists all)`)
  return `${lines.map((line) => line.trimEnd()).join('\n')}\n`
}
