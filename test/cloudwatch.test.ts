import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger, type Logger } from '../dist/src/index.js'
import { calls, cutMessage, MAX_EVENT_BYTES } from '../dist/src/cloudwatch.js'
import { FakeCloudWatch, TEST_CREDENTIALS, TEST_REGION } from './helpers/cloudwatch-server.js'
import { optionError } from './helpers/option-error.js'

let aws: FakeCloudWatch
beforeEach(async () => {
  aws = await new FakeCloudWatch().start()
})
afterEach(() => aws.stop())

const FAST_RETRY = { retry: { minDelay: 5, maxDelay: 40 }, circuit: { failures: 5, probe: 50 } } as const

function sink(more: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'cloudwatch', logGroup: 'app', logStream: 'web-1', region: TEST_REGION, endpoint: aws.url, credentials: TEST_CREDENTIALS, ...FAST_RETRY, ...more }
}

const messages = (group = 'app', stream = 'web-1'): Record<string, unknown>[] => aws.events(group, stream).map((event) => JSON.parse(event.message) as Record<string, unknown>)

describe('cloudwatch sink', () => {
  it.each([true, false])('with worker: %s, puts every record once and in order, its time as the event time, through throttling, making the group and stream', async (worker) => {
    aws.throttle = new Set([2, 3])
    const log = createLogger({ worker, sinks: [sink({ createLogGroup: true, batch: { records: 1000 } }) as never] })
    const start = Date.now()
    for (let i = 0; i < 25_000; i++) log.info('shipped', { i })
    await log.flush()
    await log.close()
    expect(aws.violations).toEqual([])
    const got = messages()
    expect(got.map((record) => record.i)).toEqual(Array.from({ length: 25_000 }, (_, i) => i))
    for (const [i, event] of aws.events('app', 'web-1').entries()) {
      expect(event.timestamp).toBe(Date.parse(got[i].time as string))
      expect(event.timestamp).toBeGreaterThanOrEqual(start - 1)
    }
    expect(aws.calls.slice(0, 4)).toEqual(['PutLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents'])
    expect(log.metrics().sinks[0]).toMatchObject({ type: 'cloudwatch', sent: 25_000, failed: 0, dropped: 0, inFlight: 0, retried: 2000 })
  })

  it('splits a batch into calls within the limits: 10,000 events, 1 MiB with 26 bytes an event, 24 hours; time order within a call', async () => {
    let now = Date.now() - 3 * 24 * 60 * 60 * 1000
    const times: number[] = []
    const log = createLogger({ worker: false, now: () => now, sinks: [sink({ createLogGroup: true, batch: { records: 30_000, bytes: '16 MiB', wait: '1 min' }, buffer: '64 MiB' }) as never] })
    for (let i = 0; i < 25_000; i++) {
      // Steps of 10 s with one back in time every 100 records: 25,000 records span 2.9 days.
      now += i % 100 === 99 ? -5000 : 10_000
      times.push(now)
      log.info('x'.repeat(i % 7 === 0 ? 200 : 10), { i })
    }
    await log.close()
    expect(aws.violations).toEqual([])
    const stored = aws.events('app', 'web-1')
    expect(stored.length).toBe(25_000)
    expect(new Set(messages().map((record) => record.i)).size).toBe(25_000)
    expect(stored.map((event) => event.timestamp).sort((a, b) => a - b)).toEqual([...times].sort((a, b) => a - b))
    // One batch: at least three calls for the count, three more for the days.
    expect(aws.calls.filter((call) => call === 'PutLogEvents').length).toBeGreaterThanOrEqual(4)
  })

  it('cuts a record over 256 KiB to fit an event, saying how many bytes were left out', async () => {
    const log = createLogger({ worker: false, sinks: [sink({ createLogGroup: true }) as never] })
    log.info('big', { blob: 'é'.repeat(200_000) })
    log.info('small')
    await log.close()
    expect(aws.violations).toEqual([])
    const [big, small] = aws.events('app', 'web-1')
    expect(Buffer.byteLength(big.message)).toBeLessThanOrEqual(MAX_EVENT_BYTES - 26)
    expect(big.message).toMatch(/^\{"time":"[^"]+","level":"info","msg":"big","blob":"éé.*é\.\.\. \[\d+ more bytes\]$/)
    const [, more] = /\[(\d+) more bytes\]$/.exec(big.message)!
    expect(Buffer.byteLength(big.message) - `... [${more} more bytes]`.length + Number(more)).toBe(Buffer.byteLength(JSON.stringify({ time: '', level: 'info', msg: 'big', blob: 'é'.repeat(200_000) })) + 24)
    expect(JSON.parse(small.message)).toMatchObject({ msg: 'small' })
    expect(cutMessage(Buffer.from('short')).toString()).toBe('short')
  })

  it('counts as failed what the service refuses: a group that is missing and may not be made; events too old', async () => {
    const refused = createLogger({ worker: false, sinks: [sink({ logGroup: 'missing' }) as never] })
    refused.info('nowhere')
    await refused.close()
    expect(refused.metrics().sinks[0]).toMatchObject({ sent: 0, failed: 1 })
    expect(refused.metrics().sinks[0].lastError).toBe('send: ResourceNotFoundException: The specified log group does not exist. (createLogGroup: true makes it)')

    aws.groups.set('app', new Map([['web-1', []]]))
    let now = Date.now() - 15 * 24 * 60 * 60 * 1000
    const old = createLogger({ worker: false, now: () => now, sinks: [sink() as never] })
    old.info('too old')
    now = Date.now()
    old.info('fine')
    await old.close()
    expect(old.metrics().sinks[0]).toMatchObject({ sent: 1, failed: 1 })
    expect(messages().map((record) => record.msg)).toEqual(['fine'])
  })

  it('takes credentials and region from the environment, as the SDK does', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: TEST_REGION, AWS_EC2_METADATA_DISABLED: 'true' })
    let log: Logger | undefined
    try {
      log = createLogger({ worker: false, sinks: [{ type: 'cloudwatch', logGroup: 'app', logStream: 'web-1', endpoint: aws.url, createLogGroup: true }] })
      log.info('from the environment')
      await log.close()
    } finally {
      for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_EC2_METADATA_DISABLED']) {
        if (saved[key] === undefined) delete process.env[key]
        else process.env[key] = saved[key]
      }
    }
    expect(aws.violations).toEqual([])
    expect(messages().map((record) => record.msg)).toEqual(['from the environment'])
  })

  it('throws from createLogger() naming the option and the value', () => {
    const bad = (more: Record<string, unknown>): string => optionError(() => createLogger({ sinks: [{ ...sink(), ...more } as never] }))
    expect(bad({ logGroup: 'has space' })).toBe('ringlog: invalid option sinks[0].logGroup: "has space"; expected a log group name: 1 to 512 of A-Z a-z 0-9 _ - . / #')
    expect(bad({ logStream: 'a:b' })).toBe('ringlog: invalid option sinks[0].logStream: "a:b"; expected a log stream name: 1 to 512 characters, no : nor *')
    expect(bad({ endpoint: 'ftp://x' })).toBe('ringlog: invalid option sinks[0].endpoint: "ftp://x"; expected an http: or https: URL')
    expect(bad({ credentials: { accessKeyId: 'a' } })).toBe('ringlog: invalid option sinks[0].credentials.secretAccessKey: undefined; expected a non-empty string')
    expect(bad({ format: 'csv' })).toMatch(/^ringlog: invalid option sinks\[0\]\.format: "csv"; expected a format of one record per event/)
    expect(bad({ logGroups: 'x' })).toMatch(/^ringlog: invalid option sinks\[0\]\.logGroups: "x"; expected no such option of a 'cloudwatch' sink/)
  })

  it('cuts runs in the order of the batch at 10,000 events, 1 MiB and 24 hours', () => {
    const event = (timestamp: number, bytes = 10): { timestamp: number; message: string; bytes: number } => ({ timestamp, message: 'x'.repeat(bytes), bytes })
    expect(calls(Array.from({ length: 10_001 }, (_, i) => event(i))).map((run) => run.length)).toEqual([10_000, 1])
    // 1,048,576 bytes is 4 events of 262,118 bytes with their 26 each.
    expect(calls(Array.from({ length: 5 }, (_, i) => event(i, 262_118))).map((run) => run.length)).toEqual([4, 1])
    const day = 24 * 60 * 60 * 1000
    expect(calls([event(day), event(0), event(day), event(day + 1), event(2)]).map((run) => run.map((e) => e.timestamp))).toEqual([[day, 0, day], [day + 1, 2]])
  })
})
