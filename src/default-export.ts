import { captureLogs } from './capture.js'
import { withContext, bindContext, getContext, newRequestId } from './context.js'
import { decryptLine } from './encryption/decrypt-line.js'
import { eraseSubject } from './encryption/erase-subject.js'
import { verifyLogs } from './integrity/verify-logs.js'
import { defineEvent } from './events/schema.js'
import { createLogger, Logger } from './logger.js'

/**
 * The default export, `import ringlog from 'ringlog'`: the API's functions on one object,
 * `ringlog.createLogger()`. The same object `require('ringlog')` gives (with the named exports
 * beside it), so code reads alike in both module systems.
 *
 * Not callable, unlike pino's: a callable `require('ringlog')` would need a CommonJS build whose
 * module.exports is a function and types written for it apart (`export =`), and a function that is
 * also every export invites `ringlog.info()`, which does not log. `createLogger()` is the one name.
 */
const ringlog = Object.freeze({ createLogger, Logger, withContext, bindContext, getContext, newRequestId, defineEvent, captureLogs, eraseSubject, decryptLine, verifyLogs })

export default ringlog
