/**
 * Compile-time checks of log.event()'s field types, compiled by test/event-types.test.ts: each line
 * after `@ts-expect-error` must be a type error, and the rest must compile.
 */
import { createLogger, defineEvent } from '../../dist/src/index.js'

const log = createLogger({ worker: false, destination: 'stderr' })

const UserLoggedIn = defineEvent({
  name: 'types.user_logged_in', version: 1, message: 'user logged in',
  fields: { userId: 'u32', path: 'string', admin: 'bool', at: 'timestamp', method: { enum: ['GET', 'POST'] }, note: 'string?', meta: 'json?' },
})

// Every required field, optional ones left out; a timestamp as a Date or as milliseconds.
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: false, at: new Date(), method: 'GET' })
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: true, at: 0, method: 'POST', note: 'n', meta: { any: ['thing'] } })

// @ts-expect-error a misspelled field name
log.event(UserLoggedIn, { userID: 42, path: '/api', admin: false, at: 0, method: 'GET' })
// @ts-expect-error a string for a number
log.event(UserLoggedIn, { userId: '42', path: '/api', admin: false, at: 0, method: 'GET' })
// @ts-expect-error a number for a bool
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: 0, at: 0, method: 'GET' })
// @ts-expect-error a value not in the enum
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: false, at: 0, method: 'PUT' })
// @ts-expect-error a required field missing
log.event(UserLoggedIn, { userId: 42, admin: false, at: 0, method: 'GET' })
// @ts-expect-error a field the event does not declare
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: false, at: 0, method: 'GET', extra: 1 })
// @ts-expect-error an optional field of the wrong type
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: false, at: 0, method: 'GET', note: 5 })
// @ts-expect-error a timestamp as a string
log.event(UserLoggedIn, { userId: 42, path: '/api', admin: false, at: '2026-01-01', method: 'GET' })

// @ts-expect-error an unknown field type in a definition
defineEvent({ name: 'types.bad_type', version: 1, fields: { a: 'u64' } })
// @ts-expect-error an unknown level
defineEvent({ name: 'types.bad_level', version: 1, level: 'loud', fields: {} })
