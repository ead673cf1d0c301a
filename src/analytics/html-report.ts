/**
 * The analyze report as one self-contained HTML page: inline CSS and SVG drawn here, no script, and
 * a Content-Security-Policy that forbids every fetch, so a page opened from a mail or a ticket
 * reaches nothing. Every string that came from a log (templates, values, file names, level labels,
 * skip reasons) goes through esc(): a log line can hold markup, and must show as text.
 */
import { durationText } from './duration-text.js'
import { visibleText } from './visible-text.js'
import type { AnalysisReport, AnomalyKind, ReportedAnomaly, TemplateSummary } from './analysis-report.js'

/** Templates that get a chart of their own, most lines first (plus any with an anomaly). */
const TOP_TEMPLATES = 20
/** Rows of the templates table at most: a log of many thousand templates still makes a page a browser opens. */
const TABLE_ROWS = 1000

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR,
  12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 364 * DAY,
]

const LEVEL_COLORS: Record<string, string> = {
  fatal: '#7b1fa2', error: '#d62728', warn: '#ff7f0e', info: '#1f77b4', debug: '#7f7f7f', trace: '#bcbd22', '': '#17becf',
}
const OTHER_COLORS = ['#2ca02c', '#8c564b', '#e377c2', '#9467bd', '#17becf', '#bcbd22']
const KIND_COLORS: Record<AnomalyKind, string> = {
  spike: '#d62728', drop: '#1f77b4', new: '#2ca02c', silence: '#555555', 'error-ratio': '#9467bd',
}
const TEMPLATE_COLOR = '#1f77b4'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Markup escaped, and control characters written out as the text report writes them. */
const esc = (text: string): string => visibleText(text).replace(/[&<>"']/g, (c) => ENTITIES[c])

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const num = (n: number): string => NUMBER.format(n)
const percent = (share: number): string => `${(share * 100).toFixed(share < 0.001 && share > 0 ? 3 : 1)} %`
const iso = (t: number | null): string => (t === null || !Number.isFinite(t) ? '—' : new Date(t).toISOString())

const levelName = (label: string): string => (label === '' ? '(no level)' : label)

export function htmlReport(report: AnalysisReport): string {
  const title = `ringlog analyze: ${report.inputs.join(', ')}`
  const timed = report.start !== null && report.buckets.length > 0
  const levelColor = levelColors(Object.keys(report.levels))
  const charted = chartedTemplates(report)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${header(report, levelColor)}
${timed ? charts(report, levelColor, charted) : `<p class="note" data-untimed>No line had a readable time: there is no time axis, and so no charts. The counts below still hold.</p>`}
${changes(report)}
${templateTable(report)}
</body>
</html>
`
}

function header(report: AnalysisReport, levelColor: (label: string) => string): string {
  const skipped = Object.entries(report.skipped)
  const skippedTotal = skipped.reduce((sum, [, n]) => sum + n, 0)
  const span = report.start === null || report.end === null
    ? 'no readable times'
    : `${iso(report.start)} – ${iso(report.end)} (${durationText(report.end - report.start)}), in buckets of ${durationText(report.bucketMs)}`
  const totals = levelTotals(report)
  return `<header>
<h1>ringlog analyze</h1>
<dl class="summary">
<dt>Inputs</dt><dd>${report.inputs.map((input) => `<code>${esc(input)}</code>`).join(', ')}</dd>
<dt>Lines</dt><dd>${num(report.lines)} read, ${num(report.analysed)} analysed, ${num(skippedTotal)} skipped${skipped.length === 0 ? '' : ` (${skipped.map(([reason, n]) => `${esc(reason)}: ${num(n)}`).join(', ')})`}</dd>
<dt>Time span</dt><dd>${span}</dd>
<dt>Levels</dt><dd>${totals.map(([label, n]) => `<span class="key"><i style="background:${levelColor(label)}"></i>${esc(levelName(label))} ${num(n)}</span>`).join(' ')}</dd>
<dt>Templates</dt><dd>${num(report.templates.length)}${report.evicted === 0 ? '' : `; <strong data-evicted>${num(report.evicted)} more were evicted</strong> to keep the miner within its cap (their lines are counted above, not in the table)`}</dd>
</dl>
</header>`
}

/** Lines per level: from the level series, or from the templates when there are no buckets (no times). */
function levelTotals(report: AnalysisReport): [string, number][] {
  const totals = new Map<string, number>()
  for (const [label, series] of Object.entries(report.levels)) totals.set(label, series.reduce((sum, n) => sum + n, 0))
  if ([...totals.values()].every((n) => n === 0)) {
    for (const template of report.templates) {
      for (const [label, n] of Object.entries(template.levels)) totals.set(label, (totals.get(label) ?? 0) + n)
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1])
}

function levelColors(labels: string[]): (label: string) => string {
  const others = labels.filter((label) => !Object.hasOwn(LEVEL_COLORS, label)).sort()
  return (label) => (Object.hasOwn(LEVEL_COLORS, label) ? LEVEL_COLORS[label] : undefined) ?? OTHER_COLORS[Math.max(0, others.indexOf(label)) % OTHER_COLORS.length]
}

/** The top templates, and any other the anomalies name: each anomaly must land on a chart. */
function chartedTemplates(report: AnalysisReport): TemplateSummary[] {
  const named = new Set(report.anomalies.flatMap((a) => (a.templateId === undefined ? [] : [a.templateId])))
  return report.templates.filter((t, i) => i < TOP_TEMPLATES || named.has(t.id))
}

function charts(report: AnalysisReport, levelColor: (label: string) => string, charted: TemplateSummary[]): string {
  const domain: Domain = { t0: report.buckets[0], t1: report.buckets[report.buckets.length - 1] + report.bucketMs }
  const chartIds = new Set(charted.map((t) => t.id))
  const onTemplate = new Map<string, ReportedAnomaly[]>()
  const onLevels: ReportedAnomaly[] = []
  for (const anomaly of report.anomalies) {
    if (anomaly.templateId !== undefined && chartIds.has(anomaly.templateId)) {
      onTemplate.set(anomaly.templateId, [...(onTemplate.get(anomaly.templateId) ?? []), anomaly])
    } else {
      onLevels.push(anomaly)
    }
  }
  const levels = Object.entries(report.levels).map(([label, values]): Series => ({ label, values, color: levelColor(label) }))
  const per = `lines per ${durationText(report.bucketMs)}`
  const kinds = (Object.keys(KIND_COLORS) as AnomalyKind[])
    .map((kind) => `<span class="key"><i style="background:${KIND_COLORS[kind]}"></i>${kind}</span>`).join(' ')
  return `<section>
<h2>Lines per level</h2>
<p class="caption">${per}; times in UTC. Anomalies are marked ▼ over their window (hover for what was expected): ${kinds}</p>
<p class="legend">${levels.map((s) => `<span class="key"><i style="background:${s.color}"></i>${esc(levelName(s.label))}</span>`).join(' ')}</p>
<div data-level-chart>${chart(LEVEL_FRAME, domain, report, levels, onLevels, false, 'Lines per level over time')}</div>
</section>
<section>
<h2>Templates over time</h2>
<p class="caption">The ${charted.length === report.templates.length ? '' : `${charted.length} of ${report.templates.length} `}templates with most lines${charted.length > TOP_TEMPLATES ? ', and those with anomalies' : ''}; ${per}, each on its own scale.</p>
<div class="multiples">
${charted.map((t) => `<figure data-template-chart="${esc(t.id)}">
<figcaption><span class="id">${esc(t.id)}</span> <code title="${esc(t.template)}">${templateText(t.template)}</code> <span class="count">${num(t.count)} lines</span></figcaption>
${chart(SMALL_FRAME, domain, report, [{ label: t.id, values: t.series, color: TEMPLATE_COLOR }], onTemplate.get(t.id) ?? [], true, `Lines of template ${t.id} over time`)}
</figure>`).join('\n')}
</div>
</section>`
}

interface Frame {
  width: number
  height: number
  left: number
  right: number
  top: number
  bottom: number
  /** Time ticks at most. */
  ticks: number
}
const LEVEL_FRAME: Frame = { width: 1200, height: 290, left: 56, right: 28, top: 16, bottom: 36, ticks: 10 }
const SMALL_FRAME: Frame = { width: 580, height: 160, left: 48, right: 28, top: 16, bottom: 36, ticks: 5 }

interface Domain {
  t0: number
  t1: number
}

interface Series {
  label: string
  values: number[]
  color: string
}

interface Scale {
  x: (t: number) => number
  y: (v: number) => number
  plotLeft: number
  plotRight: number
  plotTop: number
  plotBottom: number
}

const px = (n: number): string => String(Math.round(n * 10) / 10)

function chart(frame: Frame, domain: Domain, report: AnalysisReport, series: Series[], anomalies: ReportedAnomaly[], area: boolean, label: string): string {
  const plotRight = frame.width - frame.right
  const plotBottom = frame.height - frame.bottom
  // A loop, not Math.max(...values): a long series would overflow the call's arguments.
  const yMax = niceCeil(series.reduce((max, s) => s.values.reduce((m, v) => (v > m ? v : m), max), 0))
  const span = Math.max(domain.t1 - domain.t0, 1)
  const scale: Scale = {
    x: (t) => frame.left + ((t - domain.t0) / span) * (plotRight - frame.left),
    y: (v) => plotBottom - (v / yMax) * (plotBottom - frame.top),
    plotLeft: frame.left, plotRight, plotTop: frame.top, plotBottom,
  }
  const lines = series.map((s) => {
    const points = linePoints(report.buckets, report.bucketMs, s.values, scale)
    const fill = area
      ? `<polygon points="${px(scale.plotLeft)},${px(plotBottom)} ${points} ${px(plotRight)},${px(plotBottom)}" fill="${s.color}" fill-opacity="0.12"/>`
      : ''
    return `${fill}<polyline data-series="${esc(s.label)}" points="${points}" fill="none" stroke="${s.color}" stroke-width="1.5" stroke-linejoin="round"/>`
  })
  return `<svg viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img" aria-label="${esc(label)}">
${valueAxis(scale, yMax)}
${timeAxis(frame, domain, scale)}
${lines.join('\n')}
${anomalies.map((a) => marker(a, scale)).join('\n')}
</svg>`
}

/**
 * A step line, each bucket flat over its span. More buckets than the plot has pixels: each pixel
 * column draws its buckets' lowest and highest values, in the order they came, so a chart of 2,000
 * buckets is a polyline of at most twice its width in points and still shows every spike and drop.
 */
function linePoints(buckets: number[], bucketMs: number, values: number[], scale: Scale): string {
  const points: string[] = []
  const point = (x: number, v: number): void => {
    points.push(`${px(x)},${px(scale.y(v))}`)
  }
  const width = scale.plotRight - scale.plotLeft
  if (buckets.length <= width) {
    buckets.forEach((start, i) => {
      point(scale.x(start), values[i] ?? 0)
      point(scale.x(start + bucketMs), values[i] ?? 0)
    })
    return points.join(' ')
  }
  let column = -1
  let low = 0
  let high = 0
  let lowFirst = true
  const flush = (): void => {
    if (column < 0) return
    const x = scale.plotLeft + column + 0.5
    point(x, lowFirst ? low : high)
    if (low !== high) point(x, lowFirst ? high : low)
  }
  buckets.forEach((start, i) => {
    const v = values[i] ?? 0
    const at = Math.min(Math.max(Math.floor(scale.x(start) - scale.plotLeft), 0), Math.floor(width) - 1)
    if (at !== column) {
      flush()
      column = at
      low = high = v
      lowFirst = true
    } else if (v < low) {
      low = v
      lowFirst = false
    } else if (v > high) {
      high = v
    }
  })
  flush()
  return points.join(' ')
}

function niceCeil(v: number): number {
  if (v <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(v))
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= v) ?? 10) * power
}

function valueAxis(scale: Scale, yMax: number): string {
  return [0, yMax / 2, yMax].map((v) => {
    const y = px(scale.y(v))
    return `<line class="grid" x1="${px(scale.plotLeft)}" x2="${px(scale.plotRight)}" y1="${y}" y2="${y}"/><text class="tick" x="${px(scale.plotLeft - 6)}" y="${y}" text-anchor="end" dominant-baseline="middle">${num(v)}</text>`
  }).join('')
}

function timeAxis(frame: Frame, domain: Domain, scale: Scale): string {
  const span = domain.t1 - domain.t0
  const step = TICK_STEPS.find((s) => span / s <= frame.ticks) ?? niceCeil(span / frame.ticks / DAY) * DAY
  const ticks: string[] = []
  let lastDate = ''
  for (let t = Math.ceil(domain.t0 / step) * step; t <= domain.t1; t += step) {
    const x = scale.x(t)
    const stamp = new Date(t).toISOString()
    const date = stamp.slice(0, 10)
    const time = step < SECOND ? stamp.slice(11, 23) : step < MINUTE ? stamp.slice(11, 19) : stamp.slice(11, 16)
    // The date goes on a second line, where it changes (and on the first tick): on the first line
    // it would make that label twice as wide as its neighbours and run into them.
    const label = step >= DAY
      ? date
      : `${time}${date === lastDate ? '' : `<tspan x="${px(x)}" dy="1.2em">${date}</tspan>`}`
    lastDate = date
    const anchor = x > scale.plotRight - 30 ? 'end' : x < scale.plotLeft + 30 ? 'start' : 'middle'
    ticks.push(`<line class="grid" x1="${px(x)}" x2="${px(x)}" y1="${px(scale.plotTop)}" y2="${px(scale.plotBottom + 4)}"/><text class="tick" x="${px(x)}" y="${px(scale.plotBottom + 16)}" text-anchor="${anchor}">${label}</text>`)
  }
  const axis = `<line class="axis" x1="${px(scale.plotLeft)}" x2="${px(scale.plotRight)}" y1="${px(scale.plotBottom)}" y2="${px(scale.plotBottom)}"/>`
  return axis + ticks.join('')
}

/**
 * A band over the anomaly's window and a ▼ above the plot, with a tooltip. Times outside the buckets
 * are pulled to the nearest edge: the marker must show, even when the detector's windows run past
 * the last bucket.
 */
function marker(anomaly: ReportedAnomaly, scale: Scale): string {
  const clamp = (x: number): number => Math.min(Math.max(x, scale.plotLeft), scale.plotRight)
  const x0 = Math.min(clamp(scale.x(anomaly.time)), scale.plotRight - 3)
  const width = Math.max(clamp(scale.x(anomaly.time + anomaly.windowMs)) - x0, 3)
  const cx = x0 + width / 2
  const color = KIND_COLORS[anomaly.kind] ?? '#000000'
  const template = anomaly.templateId === undefined ? '' : ` data-template-id="${esc(anomaly.templateId)}"`
  const top = scale.plotTop
  return `<g class="anomaly" data-anomaly="${esc(anomaly.kind)}"${template}><title>${esc(tooltip(anomaly))}</title>`
    + `<rect x="${px(x0)}" y="${px(top)}" width="${px(width)}" height="${px(scale.plotBottom - top)}" fill="${color}" fill-opacity="0.15"/>`
    + `<path d="M${px(cx - 6)},${px(top - 12)}H${px(cx + 6)}L${px(cx)},${px(top)}Z" fill="${color}"/></g>`
}

function tooltip(a: ReportedAnomaly): string {
  const value = a.kind === 'error-ratio' ? percent : num
  const series = a.templateId === undefined ? a.series : `template ${a.templateId} (${a.series})`
  return `${a.kind}: ${series}\n${iso(a.time)}, over ${durationText(a.windowMs)}\nexpected ${value(a.expected)}, observed ${value(a.observed)}`
}

/** A template's text, its variables set apart. */
function templateText(template: string): string {
  return template.split('<*>').map(esc).join('<span class="var">&lt;*&gt;</span>')
}

function changes(report: AnalysisReport): string {
  const byId = new Map(report.templates.map((t) => [t.id, t]))
  const named = (id: string): string => {
    const t = byId.get(id)
    return `<span class="id">${esc(id)}</span> ${t === undefined ? '(evicted)' : `<code>${templateText(t.template)}</code>`}`
  }
  const fresh = report.newTemplates
  const newList = fresh === null
    ? '<p>No baseline to compare with.</p>'
    : `<p>${num(fresh.templateIds.length)} first seen at or after ${when(fresh.since)} that the lines before never had.</p>${list('new-templates', fresh.templateIds.map(named))}`
  const bursts = report.errorBursts.map((b) => `${when(b.start)} – ${when(b.end)} (${durationText(b.end - b.start)}): ${num(b.errors)} errors, ${num(b.expected)} expected`)
  const rates = report.rateChanges.map((r) => `${named(r.templateId)} at ${when(r.time)}: ${num(r.before)} → ${num(r.after)} lines/min`)
  return `<section class="changes">
<div><h2>New templates</h2>${newList}</div>
<div><h2>Error bursts</h2>${list('error-bursts', bursts)}</div>
<div><h2>Rate changes</h2>${list('rate-changes', rates)}</div>
</section>`
}

/** A time in running text, kept on one line. */
const when = (t: number): string => `<time>${iso(t)}</time>`

function list(name: string, items: string[]): string {
  return items.length === 0 ? `<p data-${name}>None.</p>` : `<ul data-${name}>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`
}

function templateTable(report: AnalysisReport): string {
  const rows = report.templates.slice(0, TABLE_ROWS).map((t) => {
    const levels = Object.entries(t.levels).sort((a, b) => b[1] - a[1]).map(([label, n]) => `${esc(levelName(label))} ${num(n)}`).join('<br>')
    const examples = t.examples.length === 0
      ? '—'
      : `<ol>${t.examples.map((values) => `<li>${values.map((v) => `<code>${esc(v)}</code>`).join(', ')}</li>`).join('')}</ol>`
    return `<tr data-template-row="${esc(t.id)}"><td class="id">${esc(t.id)}</td><td><code>${templateText(t.template)}</code>${t.event ? ' <span class="badge">event</span>' : ''}</td>`
      + `<td class="n">${num(t.count)}</td><td class="n">${percent(t.share)}</td><td class="time">${iso(t.firstSeen)}<br>${iso(t.lastSeen)}</td>`
      + `<td class="levels">${levels}</td><td class="examples">${examples}</td></tr>`
  })
  return `<section>
<h2>Templates</h2>
<table data-templates>
<thead><tr><th>id</th><th>template</th><th class="n">lines</th><th class="n">share</th><th>first / last seen</th><th>levels</th><th>examples per variable</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${report.templates.length > TABLE_ROWS ? `<p data-more-templates>And ${num(report.templates.length - TABLE_ROWS)} templates with fewer lines: <code>ringlog analyze --json</code> lists every one.</p>` : ''}
</section>`
}

const CSS = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:1240px;padding:16px 20px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:17px;margin:24px 0 6px}
code{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;overflow-wrap:anywhere}
.summary{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}
.summary dt{font-weight:600;color:#555}
.summary dd{margin:0}
.key{white-space:nowrap;margin-right:10px}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.caption,.legend{margin:2px 0;color:#555}
.note{padding:8px 12px;background:#fff8e1;border-left:4px solid #ffb300}
svg{display:block;max-width:100%;height:auto;overflow:visible}
svg .grid{stroke:#e6e6e6;stroke-width:1}
svg .axis{stroke:#999;stroke-width:1}
svg .tick{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#555}
svg .anomaly{cursor:help}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:14px 24px}
figure{margin:0;min-width:0}
figcaption{display:flex;gap:8px;align-items:baseline;white-space:nowrap;overflow:hidden}
figcaption code{overflow:hidden;text-overflow:ellipsis;flex:1}
.id{font:12px ui-monospace,"DejaVu Sans Mono",monospace;color:#666}
.count{color:#555}
.var{color:#b0006d;font-weight:600}
.badge{font-size:11px;background:#e3f2fd;color:#0d47a1;border-radius:3px;padding:0 4px}
.changes{display:grid;grid-template-columns:repeat(3,1fr);gap:24px}
.changes ul{margin:0;padding-left:18px}
.changes li{margin-bottom:4px}
time{white-space:nowrap}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{text-align:left;vertical-align:baseline;padding:5px 8px;border-bottom:1px solid #e6e6e6}
th{background:#f5f5f5;font-weight:600}
th:nth-child(1){width:90px}th:nth-child(3){width:80px}th:nth-child(4){width:72px}th:nth-child(5){width:200px}th:nth-child(6){width:130px}th:nth-child(7){width:260px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.levels{white-space:nowrap}
td.time{font:12px ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
td.examples ol{margin:0;padding-left:20px}
`
