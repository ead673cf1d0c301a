/**
 * Compile-time checks of the calls a pino user types, compiled by `npm test`'s pretest
 * (test/tsconfig.json): every line must compile; each line after `@ts-expect-error` must not.
 */
import { createLogger, getContext, type RingLogger } from '../../dist/src/index.js'

const log = createLogger({ worker: false, destination: 'stderr', customLevels: { audit: 35 } })

try {
  JSON.parse('{')
} catch (err) {
  // `err` is unknown in a catch clause: pino takes it, so does ringlog.
  log.error(err, 'parse failed')
  log.error(err)
}
log.info('hello %s, %d times', 'world', 3)
log.info({ userId: 1 }, 'took %d ms', 5, 'left over')
log.info('request failed', new Error('x'))
log.audit('custom level, printf %j', { a: 1 })
log.silent('nothing')
log.flush(() => undefined)
void log.flush()

const child = log.child({ mod: 'db' }, { level: 'audit', msgPrefix: '[db] ', serializers: { user: (u: { id: number }) => u.id } })
child.setBindings({ shard: 2 })
const bound: Record<string, unknown> = child.bindings()
const value: number = log.levelVal + log.levels.values.info + Object.keys(bound).length
void value

// A logger with custom levels is a RingLogger wherever one is expected.
function takesAny(logger: RingLogger): void {
  logger.info('x')
}
takesAny(log)
takesAny(child)

const context = getContext<{ requestId: string }>()
const id: string | undefined = context?.requestId
void id

// @ts-expect-error a level that does not exist
log.child({}, { level: 'loud' })
// @ts-expect-error an option child() does not have
log.child({}, { redact: ['a'] })
const plain: RingLogger = log
// @ts-expect-error a level the logger does not have
plain.audit('x')
