/**
 * The anomaly detector, on generated streams (test/helpers/log-stream.ts): four simulated days of
 * templates of every volume with a daily swing and Poisson noise, into which a rate spike, a new
 * error template, a silenced heartbeat and a rise of the error share are injected. Each must be
 * found within two windows, with at most one false alarm a day. Then, on small streams made for
 * one behaviour each: low counts, an ongoing event, a drop, a daily step, the learning period, the clock
 * given by advance() alone, late records, the cap on series, the options.
 */
import { describe, expect, it } from 'vitest'
import { AnomalyDetector, type Anomaly, type AnomalyOptions } from '../dist/src/analytics/anomaly-detector.js'
import { HEARTBEAT, logStream, Noise, type Injection, type LogStream } from './helpers/log-stream.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 10, 2)
const iso = (ms: number): string => new Date(ms).toISOString()
const windowOf = (time: number): number => Math.floor(time / MINUTE) * MINUTE

/** The stream as a logging worker sees it: the records as they come, and advance() from a 1 s timer. */
function watch(stream: LogStream): Anomaly[] {
  const detector = new AnomalyDetector()
  const found: Anomaly[] = []
  let tick = stream.start + SECOND
  for (const record of stream.records()) {
    for (; tick <= record.time; tick += SECOND) found.push(...detector.advance(tick))
    detector.observe(record.time, record.templateId, record.level)
  }
  found.push(...detector.advance(stream.end))
  return found
}

/** The stream as `ringlog analyze` replays it: the records, then one advance() at the end. */
function replay(stream: LogStream): Anomaly[] {
  const detector = new AnomalyDetector()
  for (const record of stream.records()) detector.observe(record.time, record.templateId, record.level)
  return detector.advance(stream.end)
}

/** Reported for the injection: its kind (its template, or the error level), for a window starting at most two windows after it began. */
function foundAs(found: readonly Anomaly[], injection: Injection): Anomaly | undefined {
  return found.find(
    (a) =>
      a.kind === injection.kind &&
      a.templateId === injection.templateId &&
      (injection.kind !== 'error-ratio' || a.level === 50) &&
      a.time >= windowOf(injection.start) &&
      a.time <= injection.start + 2 * MINUTE,
  )
}

/** An alarm of a series the injection changed, from its first window to the one after it ended. */
function explained(anomaly: Anomaly, injections: readonly Injection[]): boolean {
  return injections.some(
    (i) =>
      anomaly.time >= windowOf(i.start) &&
      anomaly.time <= i.end + MINUTE &&
      (anomaly.templateId === undefined ? i.levels.includes(anomaly.level ?? -1) : i.templates.includes(anomaly.templateId)),
  )
}

/** The false alarms of each simulated day, as text (what failed is then in the message). */
function falseAlarmsByDay(found: readonly Anomaly[], stream: LogStream): string[][] {
  const days: string[][] = Array.from({ length: Math.round((stream.end - stream.start) / DAY) }, () => [])
  for (const a of found) {
    if (!explained(a, stream.injections)) days[Math.floor((a.time - stream.start) / DAY)].push(`${iso(a.time)} ${a.kind} ${a.templateId ?? a.level}`)
  }
  return days
}

/** Records of one window for a small hand-made stream: `count` records of a template, spread over the window. */
function* window(start: number, templateId: string, count: number, level = 30): Generator<[number, string, number]> {
  for (let i = 0; i < count; i++) yield [start + Math.floor(((i + 0.5) * MINUTE) / count), templateId, level]
}

describe('anomaly detector on generated streams', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: every injected anomaly is found within two windows, with at most one false alarm a day', (seed) => {
    const stream = logStream({ seed })
    expect(stream.injections.map((injection) => injection.kind)).toEqual(['spike', 'new', 'silence', 'error-ratio'])
    const found = watch(stream)
    for (const injection of stream.injections) {
      expect(foundAs(found, injection), `${injection.kind} ${injection.templateId ?? ''} from ${iso(injection.start)}`).toBeDefined()
    }
    for (const alarms of falseAlarmsByDay(found, stream)) expect(alarms.length, alarms.join('\n')).toBeLessThanOrEqual(1)
  })

  it('the same streams without injections raise at most one alarm a day', () => {
    for (const seed of [6, 7]) {
      const stream = logStream({ seed, injections: false })
      for (const alarms of falseAlarmsByDay(watch(stream), stream)) expect(alarms.length, alarms.join('\n')).toBeLessThanOrEqual(1)
    }
  })

  it('replaying a stream finds exactly what watching it live finds', () => {
    const stream = logStream({ seed: 1 })
    const live = watch(stream)
    expect(stream.injections).toHaveLength(4)
    expect(live.length).toBeGreaterThanOrEqual(stream.injections.length)
    expect(replay(stream)).toEqual(live)
  })
})

describe('what is and is not an anomaly', () => {
  it('a template seen 0 to 2 times a window is not reported for its noise; 20 at once is a spike', () => {
    const noise = new Noise(11)
    const detector = new AnomalyDetector()
    const found: Anomaly[] = []
    const burst = T0 + 2 * DAY + 12 * HOUR
    for (let t = T0; t < T0 + 3 * DAY; t += MINUTE) {
      for (const [time, id, level] of window(t, 'few', noise.poisson(1))) detector.observe(time, id, level)
      for (const [time, id, level] of window(t, 'rare', noise.poisson(0.1), 40)) detector.observe(time, id, level)
      if (t === burst) for (const [time, id, level] of window(t, 'few', 20)) detector.observe(time, id, level)
      found.push(...detector.advance(t + MINUTE))
    }
    expect(found.filter((a) => a.time !== burst)).toEqual([])
    expect(found).toContainEqual({ kind: 'spike', templateId: 'few', time: burst, windowMs: MINUTE, expected: expect.any(Number), observed: expect.any(Number) })
  })

  it('an ongoing spike is reported once, when it starts, and is not learned: its end is no drop, and the next one is reported too', () => {
    const noise = new Noise(12)
    const detector = new AnomalyDetector()
    const found: Anomaly[] = []
    const first = T0 + DAY + 10 * HOUR
    const second = first + 90 * MINUTE
    for (let t = T0; t < T0 + 2 * DAY; t += MINUTE) {
      const busy = (t >= first && t < first + HOUR) || (t >= second && t < second + 10 * MINUTE)
      for (const [time, id, level] of window(t, 'steady', noise.poisson(busy ? 100 : 20))) detector.observe(time, id, level)
      found.push(...detector.advance(t + MINUTE))
    }
    const spike = { kind: 'spike', templateId: 'steady', windowMs: MINUTE, expected: expect.any(Number), observed: expect.any(Number) }
    expect(found.filter((a) => a.templateId === 'steady')).toEqual([{ ...spike, time: first }, { ...spike, time: second }])
  })

  it('a busy template falling to a tenth is a drop, reported once; a quiet one stopping for as long is not', () => {
    const noise = new Noise(14)
    const detector = new AnomalyDetector()
    const found: Anomaly[] = []
    const from = T0 + DAY + 15 * HOUR
    for (let t = T0; t < T0 + 2 * DAY; t += MINUTE) {
      const down = t >= from && t < from + 20 * MINUTE
      for (const [time, id, level] of window(t, 'busy', noise.poisson(down ? 10 : 100))) detector.observe(time, id, level)
      for (const [time, id, level] of window(t, 'quiet', noise.poisson(down ? 0 : 3), 40)) detector.observe(time, id, level)
      found.push(...detector.advance(t + MINUTE))
    }
    expect(found.filter((a) => a.templateId !== undefined)).toEqual([{ kind: 'drop', templateId: 'busy', time: from, windowMs: MINUTE, expected: expect.any(Number), observed: expect.any(Number) }])
  })

  it('a step at the same time every day (a batch job from 02:57 to 03:57) is usual from its second day', () => {
    const noise = new Noise(13)
    const detector = new AnomalyDetector()
    const found: Anomaly[] = []
    for (let t = T0; t < T0 + 5 * DAY; t += MINUTE) {
      const minute = (t - T0) % DAY / MINUTE
      for (const [time, id, level] of window(t, 'steady', noise.poisson(5))) detector.observe(time, id, level)
      if (minute >= 177 && minute < 237) for (const [time, id, level] of window(t, 'batch', noise.poisson(100))) detector.observe(time, id, level)
      found.push(...detector.advance(t + MINUTE))
    }
    // Its first night is news: a new template, then one that stops.
    expect(found.filter((a) => a.templateId === 'batch').map((a) => a.kind)).toEqual(['new', 'silence'])
    expect(found.filter((a) => a.time >= T0 + DAY)).toEqual([])
  })

  it("nothing is reported while learning: neither a series in its first windows nor a template new in the detector's first", () => {
    const detector = new AnomalyDetector({ learningWindows: 30 })
    const found: Anomaly[][] = []
    for (let i = 0; i < 80; i++) {
      const t = T0 + i * MINUTE
      const records = [
        // Wild while learning: a rate jumping from 10 to 200, templates coming and going, a burst of errors.
        ...window(t, 'steady', i === 3 || i === 17 || i === 70 ? 200 : 10),
        ...window(t, `early-${i % 5}`, i < 10 || i > 20 ? 1 : 0),
        ...window(t, 'oops', i === 25 ? 50 : 0, 50),
        ...window(t, 'late', i === 40 ? 1 : 0),
      ]
      for (const [time, id, level] of records) detector.observe(time, id, level)
      found.push(detector.advance(t + MINUTE))
    }
    expect(found.slice(0, 30).flat()).toEqual([])
    // Once learned, the same things are reported.
    expect(found[40]).toContainEqual({ kind: 'new', templateId: 'late', time: T0 + 40 * MINUTE, windowMs: MINUTE, expected: 0, observed: 1 })
    expect(found[70]).toContainEqual(expect.objectContaining({ kind: 'spike', templateId: 'steady', time: T0 + 70 * MINUTE, observed: 200 }))
  })

  it('a heartbeat that stops is found as silent by advance() alone, within two windows, once', () => {
    const detector = new AnomalyDetector()
    const stop = T0 + 5 * HOUR
    for (let t = T0; t < stop; t += 30 * SECOND) {
      detector.advance(t)
      detector.observe(t, HEARTBEAT, 30)
    }
    const found: Anomaly[] = []
    for (let now = stop; now < stop + 30 * MINUTE; now += SECOND) found.push(...detector.advance(now))
    expect(found).toEqual([{ kind: 'silence', templateId: HEARTBEAT, time: stop + MINUTE, windowMs: MINUTE, expected: expect.closeTo(2, 1), observed: 0 }, { kind: 'silence', level: 30, time: stop + MINUTE, windowMs: MINUTE, expected: expect.closeTo(2, 1), observed: 0 }])
  })

  it('records older than the open window count in the open window', () => {
    const detector = new AnomalyDetector()
    const now = T0 + 3 * HOUR
    for (let t = T0; t < now; t += MINUTE) {
      for (const [time, id, level] of window(t, 'steady', 10)) detector.observe(time, id, level)
      expect(detector.advance(t + MINUTE)).toEqual([])
    }
    for (const [time, id, level] of window(now - HOUR, 'steady', 100)) detector.observe(time, id, level)
    expect(detector.advance(now + MINUTE)).toContainEqual(expect.objectContaining({ kind: 'spike', templateId: 'steady', time: now, observed: 100 }))
  })

  it('advance() returns one shared empty array while nothing is found', () => {
    const detector = new AnomalyDetector()
    const empty = detector.advance(T0)
    expect(detector.advance(T0 + HOUR)).toBe(empty)
    expect(empty).toEqual([])
    expect(Object.isFrozen(empty)).toBe(true)
  })
})

describe('bounded memory', () => {
  it('keeps at most maxSeries series, letting the least recently seen go and counting each', () => {
    const detector = new AnomalyDetector({ maxSeries: 100, learningWindows: 1 })
    const fresh: string[] = []
    for (let i = 0; i < 1000; i++) {
      const t = T0 + i * MINUTE
      detector.observe(t, 'kept', 30)
      detector.observe(t + SECOND, `one-off-${i}`, 30)
      expect(detector.size).toBeLessThanOrEqual(100)
      for (const a of detector.advance(t + MINUTE)) if (a.kind === 'new') fresh.push(a.templateId ?? '')
    }
    // Series made: 'kept', level 30 and 1000 one-offs; the two seen every window were never let go.
    expect(detector.size).toBe(100)
    expect(detector.evicted).toBe(1002 - 100)
    expect(fresh).not.toContain('kept')
    expect(fresh).toHaveLength(999)
    // A template let go and seen again is new again.
    detector.observe(T0 + 1000 * MINUTE, 'one-off-0', 30)
    expect(detector.advance(T0 + 1001 * MINUTE)).toContainEqual(expect.objectContaining({ kind: 'new', templateId: 'one-off-0' }))
    expect(detector.evicted).toBe(1002 - 100 + 1)
  })
})

describe('options', () => {
  it.each<[AnomalyOptions, string]>([
    [{ windowMs: -1 }, 'windowMs must be a positive number of ms; got -1'],
    [{ windowMs: Number.NaN }, 'windowMs must be a positive number of ms; got NaN'],
    [{ windowMs: '1m' as unknown as number }, 'windowMs must be a positive number of ms; got "1m"'],
    [{ seasonMs: 1000 }, 'seasonMs must be 0 or a number of ms at least windowMs (60000); got 1000'],
    [{ seasonSlots: 0 }, 'seasonSlots must be an integer from 1 to 1024; got 0'],
    [{ seasonSlots: 2.5 }, 'seasonSlots must be an integer from 1 to 1024; got 2.5'],
    [{ maxSeries: 0 }, 'maxSeries must be a positive integer; got 0'],
    [{ learningWindows: -3 }, 'learningWindows must be a positive integer; got -3'],
    [{ threshold: 0 }, 'threshold must be a probability between 0 and 1 (exclusive); got 0'],
    [{ threshold: 1 }, 'threshold must be a probability between 0 and 1 (exclusive); got 1'],
    [{ factor: 1 }, 'factor must be a number greater than 1; got 1'],
  ])('%j is refused: %s', (options, message) => {
    expect(() => new AnomalyDetector(options)).toThrow(new RangeError(`ringlog: analytics.anomalies.${message}`))
    expect(() => new AnomalyDetector(options)).toThrow(RangeError)
  })

  it('the documented defaults and no seasonality are accepted', () => {
    expect(new AnomalyDetector({ windowMs: 60_000, seasonMs: 86_400_000, seasonSlots: 48, maxSeries: 10_000, learningWindows: 60, threshold: 1e-7, factor: 2 }).size).toBe(0)
    expect(new AnomalyDetector({ seasonMs: 0 }).evicted).toBe(0)
  })
})
