import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { AnalysisReport, ReportedAnomaly, TemplateSummary } from '../dist/src/analytics/analysis-report.js'
import { htmlReport } from '../dist/src/analytics/html-report.js'
import { launchChromium, openWatched, type PageProblems } from './helpers/browser.js'
import { cli } from './helpers/cli.js'
import { logStream } from './helpers/log-stream.js'
import { tempDir } from './helpers/files.js'

/**
 * `ringlog analyze --html`'s page, opened in a real headless Chromium: it draws its charts without
 * any network, marks every anomaly where it belongs, and shows what the logs held (markup included)
 * as text.
 */

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))
const DAY_START = Date.UTC(2026, 11, 5)
const MINUTE = 60_000
const HOSTILE = 'login failed for </script><script>alert(1)</script> <img src=x onerror=alert(2)> from <*>'

interface TemplateSpec {
  template: string
  level: string
  /** Lines per bucket at the day's mean. */
  rate: number
  examples?: string[][]
  /** Changes to the series: bucket index to count. */
  set?: Record<number, number>
  event?: boolean
}

/** 24 templates: more than the 20 charted, two of the rest with anomalies (they must get a chart too). */
const SPECS: TemplateSpec[] = [
  { template: 'GET <*> <*> in <*> ms', level: 'info', rate: 120, examples: [['/api/users', '/api/orders', '/health'], ['200', '304', '404'], ['3', '12', '250']] },
  { template: 'user <*> logged in from <*>', level: 'info', rate: 40, examples: [['u-1042', 'u-77', 'u-9'], ['10.0.0.1', '10.0.3.7']] },
  { template: 'cache miss for key <*>', level: 'debug', rate: 30, examples: [['session:a1', 'user:9']] },
  { template: HOSTILE, level: 'warn', rate: 6, examples: [['<img src=y onerror=alert(3)>', '"><svg onload=alert(4)>']], set: { 200: 60, 201: 55 } },
  { template: 'payment <*> declined: <*>', level: 'error', rate: 2, examples: [['p-1', 'p-2'], ['card expired', 'insufficient funds']], set: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [160 + i, 40])) },
  { template: 'order.created v1', level: 'info', rate: 10, event: true },
  { template: 'worker <*> heartbeat', level: 'debug', rate: 20, examples: [['w1', 'w2', 'w3']], set: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [100 + i, 0])) },
  ...Array.from({ length: 17 }, (_, k): TemplateSpec => ({ template: `job <*> step ${k} took <*> ms`, level: k % 5 === 0 ? 'warn' : 'info', rate: 16 - k * 0.8, examples: [[`j-${k}`], [String(10 * k)]] })),
]
// A template that only appears in the evening: the 'new' anomaly's.
SPECS[22].set = Object.fromEntries(Array.from({ length: 288 }, (_, i) => [i, i < 230 ? 0 : 3]))

function series(spec: TemplateSpec, buckets: number, offset: number): number[] {
  return Array.from({ length: buckets }, (_, i) => spec.set?.[i] ?? Math.max(0, Math.round(spec.rate * (1 + 0.6 * Math.sin(((i + offset) / 288) * 2 * Math.PI - 1.5)))))
}

/** A report over `buckets` buckets of `bucketMs` from DAY_START, with `anomalies(templates)` found in it. */
function timedReport(buckets: number, bucketMs: number, anomalies: (templates: TemplateSummary[]) => ReportedAnomaly[]): AnalysisReport {
  const times = Array.from({ length: buckets }, (_, i) => DAY_START + i * bucketMs)
  const raw = SPECS.map((spec, k) => ({ spec, id: `t${String(k).padStart(3, '0')}`, values: series(spec, buckets, k * 7) }))
  const analysed = raw.reduce((sum, t) => sum + t.values.reduce((a, b) => a + b, 0), 0)
  const levels: Record<string, number[]> = {}
  for (const { spec, values } of raw) {
    const level = (levels[spec.level] ??= new Array<number>(buckets).fill(0))
    values.forEach((n, i) => (level[i] += n))
  }
  const templates = raw.map(({ spec, id, values }): TemplateSummary => {
    const count = values.reduce((a, b) => a + b, 0)
    const first = values.findIndex((n) => n > 0)
    const last = values.length - 1 - [...values].reverse().findIndex((n) => n > 0)
    return {
      id, template: spec.template, event: spec.event ?? false, count, share: count / analysed,
      firstSeen: first < 0 ? null : times[first], lastSeen: first < 0 ? null : times[last] + bucketMs - 1,
      levels: { [spec.level]: count }, examples: spec.examples ?? [], series: values,
    }
  }).sort((a, b) => b.count - a.count)
  return {
    inputs: ['/var/log/app/<b>api</b>.log', '-'],
    lines: analysed + 17, analysed, skipped: { 'not JSON': 12, 'no message': 5 },
    start: DAY_START, end: DAY_START + buckets * bucketMs - 1, bucketMs, buckets: times, levels, templates,
    evicted: 3,
    newTemplates: { since: DAY_START + 12 * 60 * MINUTE, templateIds: ['t022'] },
    errorBursts: [{ start: DAY_START + 160 * bucketMs, end: DAY_START + 172 * bucketMs, errors: 480, expected: 24 }],
    rateChanges: [{ templateId: 't003', template: HOSTILE, time: DAY_START + 200 * bucketMs, before: 1.2, after: 11.5 }],
    anomalies: anomalies(templates),
  }
}

const anomaly = (kind: ReportedAnomaly['kind'], series: string, time: number, expected: number, observed: number, templateId?: string): ReportedAnomaly =>
  ({ kind, series, time, windowMs: 15 * MINUTE, expected, observed, ...(templateId === undefined ? {} : { templateId }) })

/** A day in 5-minute buckets, with an anomaly of each kind, on templates and on levels. */
function dayReport(): AnalysisReport {
  return timedReport(288, 5 * MINUTE, (templates) => {
    const template = (id: string): TemplateSummary => templates.find((t) => t.id === id)!
    const at = (bucket: number): number => DAY_START + bucket * 5 * MINUTE
    return [
      anomaly('spike', template('t003').template, at(200), 18, 115, 't003'),
      anomaly('spike', template('t004').template, at(160), 6, 120, 't004'),
      anomaly('drop', template('t006').template, at(100), 60, 0, 't006'),
      anomaly('silence', template('t006').template, at(115), 60, 0, 't006'),
      anomaly('new', template('t022').template, at(230), 0, 9, 't022'),
      anomaly('spike', 'error', at(162), 6, 120),
      anomaly('error-ratio', 'error ratio', at(164), 0.004, 0.31),
    ]
  })
}

// Launched by the first test, not in beforeAll: without chromium each test fails with the reason,
// where a failed beforeAll reports them skipped.
let browser: Browser | undefined

afterAll(async () => {
  await browser?.close()
})

/** Writes the report's page to a temporary file and opens it. */
async function open(report: AnalysisReport): Promise<{ page: Page; problems: PageProblems }> {
  browser ??= await launchChromium()
  const path = join(tempDir(), 'report.html')
  writeFileSync(path, htmlReport(report))
  return openWatched(browser, pathToFileURL(path).href)
}

function expectInert(problems: PageProblems): void {
  expect(problems).toEqual({ consoleErrors: [], pageErrors: [], requests: [], dialogs: [] })
}

/** The number of points of each polyline in `selector`. */
async function pointCounts(page: Page, selector: string): Promise<number[]> {
  const points: string[] = await page.locator(`${selector} polyline`).evaluateAll((lines) => lines.map((line) => line.getAttribute('points') ?? ''))
  return points.map((list) => list.split(' ').filter((point) => /^[\d.]+,[\d.]+$/.test(point)).length)
}

describe('analyze HTML report', () => {
  it('draws the levels and the top templates over a day, with every anomaly marked on its own chart', async () => {
    const report = dayReport()
    const { page, problems } = await open(report)

    const levelChart = page.locator('[data-level-chart] svg')
    expect((await levelChart.boundingBox())?.width).toBeGreaterThan(1000)
    expect(await pointCounts(page, '[data-level-chart]')).toEqual(Object.keys(report.levels).map(() => 288 * 2))

    // The 20 with most lines, and those with an anomaly that are not among them (t004 and t022).
    const charted = [...report.templates.slice(0, 20).map((t) => t.id), 't004', 't022']
    const charts = page.locator('[data-template-chart]')
    expect((await charts.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-template-chart')))).sort()).toEqual(charted.sort())
    for (const id of charted) {
      const box = await page.locator(`[data-template-chart="${id}"] svg`).boundingBox()
      expect(box?.width, id).toBeGreaterThan(400)
      expect(box?.height, id).toBeGreaterThan(100)
      expect(await pointCounts(page, `[data-template-chart="${id}"]`), id).toEqual([288 * 2])
    }

    const markers = page.locator('[data-anomaly]')
    expect(await markers.count()).toBe(report.anomalies.length)
    for (const marker of await markers.all()) expect(await marker.isVisible()).toBe(true)
    for (const a of report.anomalies) {
      const chart = a.templateId === undefined ? '[data-level-chart]' : `[data-template-chart="${a.templateId}"]`
      const titles = await page.locator(`${chart} [data-anomaly="${a.kind}"] title`).allTextContents()
      const expected = a.kind === 'error-ratio' ? `expected ${(a.expected * 100).toFixed(1)} %, observed ${(a.observed * 100).toFixed(1)} %` : `expected ${a.expected}, observed ${a.observed}`
      expect(titles.some((title) => title.startsWith(`${a.kind}: `) && title.includes(expected) && title.includes(new Date(a.time).toISOString())), `${a.kind} on ${chart}: ${titles.join(' | ')}`).toBe(true)
    }
    expect(await page.locator('[data-template-chart="t003"] [data-anomaly] title').textContent()).toContain(HOSTILE)
    // A marker sits over its window: the spike at bucket 200 of 288 is about 200/288 of the way across.
    const plot = (await page.locator('[data-template-chart="t003"] svg').boundingBox())!
    const spike = (await page.locator('[data-template-chart="t003"] [data-anomaly="spike"] path').boundingBox())!
    const across = (spike.x + spike.width / 2 - plot.x) / plot.width
    expect(across).toBeGreaterThan(0.65)
    expect(across).toBeLessThan(0.75)

    expect(await page.locator('[data-templates] tbody tr').count()).toBe(report.templates.length)
    expect(await page.locator('[data-template-row="t003"]').innerText()).toContain(HOSTILE)
    expect(await page.locator('[data-template-row="t003"]').innerText()).toContain('"><svg onload=alert(4)>')
    expect(await page.locator('header').innerText()).toContain('/var/log/app/<b>api</b>.log')
    expect(await page.locator('header').innerText()).toContain('3 more were evicted')
    expect(await page.locator('script, img, iframe, object, embed, b').count()).toBe(0)
    expect(await page.locator('svg svg, foreignObject').count()).toBe(0)
    expect(await page.locator('[data-error-bursts] li').count()).toBe(1)
    expect(await page.locator('[data-rate-changes] li').innerText()).toContain(HOSTILE)
    expect(await page.locator('[data-new-templates] li').innerText()).toContain('t022')
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toMatch(/^default-src 'none';/)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'analyze-report.png'), fullPage: true })
    expectInert(problems)
  })

  it('draws 2,000 buckets as polylines no longer than twice the plot is wide', async () => {
    const report = timedReport(2000, MINUTE, (templates) => [
      anomaly('spike', templates[0].template, DAY_START + 1500 * MINUTE, 100, 900, templates[0].id),
      // Past the last bucket: pulled to the chart's edge, not lost.
      anomaly('drop', 'info', DAY_START + 2100 * MINUTE, 300, 2),
      // Of a template evicted since: it has no chart, so it goes on the levels'.
      anomaly('silence', 'evicted <*>', DAY_START + 10 * MINUTE, 5, 0, 'gone'),
    ])
    const { page, problems } = await open(report)
    const counts = [...await pointCounts(page, '[data-level-chart]'), ...await pointCounts(page, '[data-template-chart]')]
    expect(counts).toHaveLength(Object.keys(report.levels).length + 20)
    for (const n of counts) {
      expect(n).toBeGreaterThan(500)
      expect(n).toBeLessThanOrEqual(2 * 1200)
    }
    expect(await page.locator('body *').count()).toBeLessThan(3000)
    const markers = page.locator('[data-anomaly]')
    expect(await markers.count()).toBe(3)
    expect(await page.locator('[data-level-chart] [data-anomaly="silence"][data-template-id="gone"]').count()).toBe(1)
    for (const marker of await markers.all()) expect(await marker.isVisible()).toBe(true)
    expectInert(problems)
  })

  it('draws a single bucket as a line across the chart, with its time on the axis', async () => {
    const report = timedReport(1, 5 * MINUTE, (templates) => [anomaly('spike', templates[1].template, DAY_START, 2, 50, templates[1].id)])
    const { page, problems } = await open(report)
    expect(await pointCounts(page, 'body')).toEqual(new Array<number>(Object.keys(report.levels).length + 20).fill(2))
    for (const line of await page.locator('polyline').all()) expect((await line.boundingBox())?.width).toBeGreaterThan(400)
    // Ticks every 30 s over the 5 minutes; the date under the first only.
    const times = (await page.locator('[data-level-chart] text.tick').allTextContents()).filter((label) => label.includes(':'))
    expect(times).toHaveLength(11)
    expect(times[0]).toMatch(/^00:00:00/)
    expect(times[10]).toBe('00:05:00')
    expect(await page.locator('[data-level-chart] .tick tspan').allTextContents()).toEqual(['2026-12-05'])
    expect(await page.locator('[data-anomaly]').count()).toBe(1)
    expect(await page.locator('[data-anomaly]').isVisible()).toBe(true)
    expectInert(problems)
  })

  it('says there is no time axis when no line had a time, and still shows the counts', async () => {
    const timed = dayReport()
    const report: AnalysisReport = {
      ...timed, start: null, end: null, buckets: [], levels: {}, newTemplates: null, errorBursts: [], rateChanges: [], anomalies: [], evicted: 0,
      templates: timed.templates.map((t) => ({ ...t, firstSeen: null, lastSeen: null, series: [] })),
    }
    const { page, problems } = await open(report)
    expect(await page.locator('[data-untimed]').innerText()).toContain('no time axis')
    expect(await page.locator('svg').count()).toBe(0)
    expect(await page.locator('[data-templates] tbody tr').count()).toBe(report.templates.length)
    const header = await page.locator('header').innerText()
    expect(header).toContain('no readable times')
    expect(header).not.toContain('evicted')
    // The level totals come from the templates when there are no level series.
    const info = report.templates.filter((t) => 'info' in t.levels).reduce((sum, t) => sum + t.count, 0)
    expect(header).toContain(`info ${info.toLocaleString('en-US')}`)
    expectInert(problems)
  })

  it('lists at most 1,000 templates in its table, and says how many more --json lists', () => {
    const timed = dayReport()
    const many = Array.from({ length: 1005 }, (_, i) => ({ ...timed.templates[0], id: `m${i}`, count: 1005 - i }))
    const html = htmlReport({ ...timed, templates: many, anomalies: [], newTemplates: null, rateChanges: [] })
    expect(html.match(/<tr data-template-row=/g)).toHaveLength(1000)
    expect(html).toContain('<p data-more-templates>And 5 templates with fewer lines: <code>ringlog analyze --json</code> lists every one.</p>')
  })

  it('ringlog analyze on four generated days: finds each injected anomaly, and its page draws them with no error', async () => {
    const stream = logStream({ seed: 7 })
    const dir = tempDir()
    const file = join(dir, 'app.log')
    const out = createWriteStream(file)
    let n = 0
    // Each template is a sentence of its own (its id's words), with a value in it.
    for (const r of stream.records()) {
      if (!out.write(`{"level":${r.level},"time":${r.time},"msg":"${r.templateId.replaceAll('-', ' ')} done for user ${n++ % 977}"}\n`)) await once(out, 'drain')
    }
    out.end()
    await once(out, 'close')
    const json = await cli(['analyze', '--json', '--bucket', '1m', file])
    expect(json.stderr).toBe('')
    const report = JSON.parse(json.stdout) as AnalysisReport
    expect(report.templates.length).toBe(18)
    expect(stream.injections.map((injection) => injection.kind)).toEqual(['spike', 'new', 'silence', 'error-ratio'])
    const found = (kind: string, series: string | undefined, start: number): boolean => report.anomalies.some((a) =>
      a.kind === kind && (series === undefined || a.series === series) && a.time >= Math.floor(start / MINUTE) * MINUTE && a.time <= Math.floor(start / MINUTE) * MINUTE + 2 * MINUTE)
    for (const injection of stream.injections) {
      const series = injection.templateId === undefined ? undefined : `${injection.templateId.replaceAll('-', ' ')} done for user <*>`
      expect(found(injection.kind, series, injection.start), `${injection.kind} ${series ?? ''} at ${new Date(injection.start).toISOString()}`).toBe(true)
    }
    const explained = (a: ReportedAnomaly): boolean => stream.injections.some((i) => a.time >= i.start - MINUTE && a.time < i.end + 60 * MINUTE)
    expect(report.anomalies.filter((a) => !explained(a)).length).toBeLessThanOrEqual(4)
    // The errors' burst is the injected one; the daily swing is neither a burst nor a change of rate.
    const errors = stream.injections.find((i) => i.kind === 'error-ratio')!
    expect(report.errorBursts.map((b) => b.start < errors.end && b.end > errors.start)).toEqual([true])
    expect(report.rateChanges).toEqual([])

    const page = join(dir, 'report.html')
    const html = await cli(['analyze', '--html', '--bucket', '1m', '--output', page, file])
    expect(html.code).toBe(0)
    browser ??= await launchChromium()
    const opened = await openWatched(browser, pathToFileURL(page).href)
    expect(await opened.page.locator('[data-anomaly]').count()).toBe(report.anomalies.length)
    expect(await opened.page.locator('[data-template-chart]').count()).toBeGreaterThanOrEqual(18)
    expect(await opened.page.locator('[data-templates] tbody tr').count()).toBe(18)
    expect(readFileSync(page, 'utf8')).not.toMatch(/https?:\/\//)
    mkdirSync(ARTIFACTS, { recursive: true })
    await opened.page.screenshot({ path: join(ARTIFACTS, 'analyze-cli-report.png'), fullPage: true })
    expectInert(opened.problems)
  })
})
