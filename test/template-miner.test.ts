import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { TemplateMiner, WILDCARD, tokenize } from '../dist/src/analytics/template-miner.js'
import { node } from './helpers/cli.js'

/**
 * The log template miner (`ringlog analyze`'s grouping of free-text messages): which parts of a
 * message are variables, how messages join a template, stable ids, bounded memory, and the values a
 * message has at a template's `<*>` places. Its accuracy on real logs is bench/template-mining.ts's
 * business; these fixtures are small and made here.
 */

const MINER = fileURLToPath(new URL('../dist/src/analytics/template-miner.js', import.meta.url))

/** The template a message makes on its own. */
const templateOf = (message: string): string => new TemplateMiner().add(message).template

describe('variables a message is masked at', () => {
  it.each([
    ['integers, decimals and negatives', 'retry 3 of 5 after 0.25 seconds, offset -17', 'retry <*> of <*> after <*> seconds, offset <*>'],
    ['hex with 0x and long hex ids', 'object 9f86d081884c7d659a2feaa0c55ad015 mapped at 0x7fff5fbff8a0', 'object <*> mapped at <*>'],
    ['UUIDs', 'request 123e4567-e89b-12d3-a456-426614174000 done', 'request <*> done'],
    ['block ids with a sign', 'Deleting block blk_-1608999687919862906 file blk_42', 'Deleting block <*> file <*>'],
    ['IPv4 with and without a port', 'connected to 192.168.0.1:8080 via 10.0.0.7', 'connected to <*> via <*>'],
    ['IPv6, full and with ::', 'peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334 and fe80::1 and 2001:db8::ff00:42:8329 up', 'peer <*> and <*> and <*> up'],
    ['file paths', 'opened /var/log/app/server.log for append', 'opened <*> for append'],
    ['durations', 'request took 250ms then 1.5s', 'request took <*> then <*>'],
    ['sizes with a unit after a space', 'stored 384.0 KB in memory', 'stored <*> in memory'],
    ['double- and single-quoted strings, spaces and all', 'user "John Smith" set key \'a b c\'', 'user <*> set key <*>'],
    ['URLs', 'see https://example.com/a?b=c for details', 'see <*> for details'],
    ['dates over several tokens', 'connection at Sat Jul 9 22:53:19 2005 and 2024-01-02T03:04:05.123Z', 'connection at <*> and <*>'],
    ['dotted names of three parts or more', 'received broadcast android.intent.action.TIME_TICK from host.example.org', 'received broadcast <*> from <*>'],
  ])('%s', (_, message, template) => {
    expect(templateOf(message)).toBe(template)
  })

  it('keeps the name a value is glued to, and values without digits', () => {
    expect(templateOf('uid=0 euid=0 tty=ssh user=root x[0]=12.5, index:4')).toBe('uid=<*> euid=<*> tty=ssh user=root x[<*>]=<*>, index:<*>')
  })

  it('keeps constant words, punctuation and all', () => {
    expect(templateOf('Session initialized by client WindowsUpdateAgent.')).toBe('Session initialized by client WindowsUpdateAgent.')
    expect(templateOf('disk full: cannot write (no space left)')).toBe('disk full: cannot write (no space left)')
  })

  it('takes the caller’s masks before the built-in ones, with or without the g flag', () => {
    const miner = new TemplateMiner({ masks: [/\border-[A-Z]{4}\b/] })
    expect(miner.add('shipped order-ABCD and order-WXYZ').template).toBe('shipped <*> and <*>')
    expect(tokenize('shipped order-ABCD', [/order-[A-Z]+/g])).toEqual(['shipped', WILDCARD])
  })
})

describe('templates', () => {
  it('a message that differs from a template in a variable joins it, and the places that differ become <*>', () => {
    const miner = new TemplateMiner()
    const first = miner.add('login failed for alice from 10.0.0.1')
    const second = miner.add('login failed for bob from 10.0.0.2')
    expect(second.id).toBe(first.id)
    expect(second).toEqual({ id: first.id, template: 'login failed for <*> from <*>', count: 2 })
    expect(miner.add('disk full on /dev/sda1').id).not.toBe(first.id)
    expect(miner.templates().map((t) => t.template)).toEqual(['login failed for <*> from <*>', 'disk full on <*>'])
  })

  it('a template’s constants settle: after 64 messages a new word at a constant is another event', () => {
    const early = new TemplateMiner()
    early.add('session 1 initialized by client alpha.')
    expect(early.add('session 2 initialized by client beta.').template).toBe('session <*> initialized by client <*>')

    const settled = new TemplateMiner()
    for (let i = 0; i < 64; i++) settled.add(`session ${i} initialized by client alpha.`)
    const alpha = settled.add('session 65 initialized by client alpha.')
    const beta = settled.add('session 66 initialized by client beta.')
    expect(beta.id).not.toBe(alpha.id)
    expect([alpha.template, beta.template]).toEqual(['session <*> initialized by client alpha.', 'session <*> initialized by client beta.'])
  })

  it('messages with other token counts or other first words are other templates', () => {
    const miner = new TemplateMiner()
    const ids = new Set(['cache hit for key', 'cache hit for key now', 'cache miss for key'].map((m) => miner.add(m).id))
    expect(ids.size).toBe(3)
  })
})

describe('stable ids', () => {
  const MESSAGES = [
    'login failed for alice from 10.0.0.1',
    'disk full on /dev/sda1',
    'login failed for bob from 10.0.0.2',
    'request took 250ms',
    'disk full on /dev/sdb2',
    'request took 1.5s',
    'user "John Smith" logged out',
  ]

  it('the same messages in the same order give the same ids and templates, in another miner and another process', async () => {
    const run = (): unknown => {
      const miner = new TemplateMiner()
      return MESSAGES.map((m) => miner.add(m))
    }
    const here = run()
    expect(run()).toEqual(here)
    for (const { id } of here as { id: string }[]) expect(id).toMatch(/^[0-9a-f]{8}$/)

    const script = `const { TemplateMiner } = await import(${JSON.stringify(MINER)})
const miner = new TemplateMiner()
console.log(JSON.stringify(${JSON.stringify(MESSAGES)}.map((m) => miner.add(m))))`
    const child = await node(['--input-type=module', '-e', script])
    expect(child.stderr).toBe('')
    expect(JSON.parse(child.stdout)).toEqual(here)
  })
})

describe('bounded memory', () => {
  it('keeps at most maxTemplates, the least recently seen let go first and counted', () => {
    const miner = new TemplateMiner({ maxTemplates: 2 })
    const a = miner.add('alpha event happened')
    miner.add('beta event happened')
    miner.add('alpha event happened')
    miner.add('gamma event happened')
    expect(miner.size).toBe(2)
    expect(miner.evicted).toBe(1)
    expect(miner.templates().map((t) => t.template)).toEqual(['alpha event happened', 'gamma event happened'])
    expect(miner.add('alpha event happened')).toEqual({ id: a.id, template: 'alpha event happened', count: 3 })
  })

  it('finds a template again whose branch of the tree the eviction it caused had emptied', () => {
    const miner = new TemplateMiner({ maxTemplates: 1 })
    miner.add('cache hit alpha')
    const beta = miner.add('cache hit beta')
    expect(miner.evicted).toBe(1)
    expect(miner.add('cache hit beta')).toEqual({ id: beta.id, template: 'cache hit beta', count: 2 })
    expect(miner.evicted).toBe(1)
  })

  it('1,000,000 distinct messages through maxTemplates 1000: size never above 1000, every other template evicted, the heap flat', async () => {
    // A process of its own, to force garbage collection (--expose-gc) before each heap reading.
    const script = `const { TemplateMiner } = await import(${JSON.stringify(MINER)})
const miner = new TemplateMiner({ maxTemplates: 1000 })
/** n in base 26, letters only: no digit, so the word is a constant and every message its own template. */
const word = (n) => { let w = ''; do { w += String.fromCharCode(97 + (n % 26)); n = Math.floor(n / 26) } while (n > 0); return w }
const heap = () => { globalThis.gc(); return process.memoryUsage().heapUsed }
let maxSize = 0
let heapAt100k = 0
for (let i = 0; i < 1_000_000; i++) {
  miner.add('job ' + word(i) + ' finished with state ' + word(i * 7919))
  if (miner.size > maxSize) maxSize = miner.size
  if (i === 99_999) heapAt100k = heap()
}
const heapAt1M = heap()
// The miner read after the heap, or the collector may take it as dead before the reading.
console.log(JSON.stringify({ maxSize, size: miner.size, evicted: miner.evicted, heapAt100k, heapAt1M }))`
    const child = await node(['--expose-gc', '--input-type=module', '-e', script])
    expect(child.stderr).toBe('')
    const result = JSON.parse(child.stdout) as { maxSize: number; size: number; evicted: number; heapAt100k: number; heapAt1M: number }
    expect(result.maxSize).toBe(1000)
    expect(result.size).toBe(1000)
    expect(result.evicted).toBe(1_000_000 - 1000)
    // Were the tree's leaves kept, 900,000 more would hold well over 50 MB.
    expect(result.heapAt1M - result.heapAt100k).toBeLessThan(4 * 1024 * 1024)
  }, 60_000)
})

describe('variables()', () => {
  const miner = new TemplateMiner()

  it('gives the message’s values at the template’s <*> places, in order', () => {
    expect(miner.variables('login failed for <*> from <*>', 'login failed for carol from 10.0.0.3:22')).toEqual(['carol', '10.0.0.3:22'])
  })

  it('gives a value glued to its name without the name, and masked values with their spaces', () => {
    expect(miner.variables('uid=<*> x[<*>]=<*>, tty=ssh', 'uid=0 x[1]=12.5, tty=ssh')).toEqual(['0', '1', '12.5'])
    expect(miner.variables('connection from <*> (<*>) at <*>', 'connection from 1.2.3.4 (host.example.com) at Sat Jul 9 22:53:19 2005')).toEqual([
      '1.2.3.4',
      'host.example.com',
      'Sat Jul 9 22:53:19 2005',
    ])
    expect(miner.variables('user <*> said <*>', 'user "John Smith" said "hi there"')).toEqual(['"John Smith"', '"hi there"'])
  })

  it('gives the values of a message the miner mined', () => {
    const own = new TemplateMiner()
    own.add('request 17 took 250ms')
    const { template } = own.add('request 18 took 1.5s')
    expect(own.variables(template, 'request 19 took 3s')).toEqual(['19', '3s'])
  })

  it('gives [] when the message does not fit the template', () => {
    expect(miner.variables('login failed for <*> from <*>', 'login succeeded for carol from 10.0.0.3')).toEqual([])
    expect(miner.variables('login failed for <*> from <*>', 'login failed for carol')).toEqual([])
    expect(miner.variables('uid=<*> tty=ssh', 'uid=0 tty=pts')).toEqual([])
    expect(miner.variables('uid=<*> tty=ssh', 'uid=root tty=ssh')).toEqual([])
  })
})

describe('options', () => {
  it('are checked when the miner is made, the error naming the option and the value', () => {
    expect(() => new TemplateMiner({ similarity: 2 })).toThrow(new RangeError('ringlog: analytics miner similarity must be a number from 0 to 1; got 2'))
    expect(() => new TemplateMiner({ similarity: Number.NaN })).toThrow(RangeError)
    expect(() => new TemplateMiner({ depth: 1.5 })).toThrow(new RangeError('ringlog: analytics miner depth must be a whole number from 0; got 1.5'))
    expect(() => new TemplateMiner({ maxTemplates: 0 })).toThrow(new RangeError('ringlog: analytics miner maxTemplates must be a whole number from 1; got 0'))
    expect(() => new TemplateMiner({ masks: ['x' as unknown as RegExp] })).toThrow(new RangeError('ringlog: analytics miner masks must be an array of RegExp; got x'))
  })
})
