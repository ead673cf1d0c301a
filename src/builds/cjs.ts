import { join } from 'node:path'
import { currentHost, startHost, type DrainHost } from '../drain-host.js'
import { processHub } from '../hub.js'
import { providePipeline } from '../pipeline-loader.js'

/**
 * What the CommonJS build does its own way, imported as `#build` (dist/cjs/package.json "imports";
 * the ES module build's is ./esm.ts). In the host thread, piscina and the pipeline are required,
 * synchronously, and the host is started, before `require('ringlog')` returns: the host drains on
 * its own thread at start-up and at exit and must not wait for a module then. Other threads load
 * neither. When the ES module build started the host first, it is used as it is.
 */
const hub = processHub()
if (hub.isHost && currentHost() === undefined) {
  providePipeline((require('../worker/pipeline.js') as typeof import('../worker/pipeline.js')).Pipeline)
  startHost(hub, (require('piscina') as typeof import('piscina')).Piscina, join(__dirname, '..', 'worker', 'drain.js'))
}

/** This thread's DrainHost when it is the process's host (started here or by the other build); undefined in any other thread. */
export const host: DrainHost | undefined = currentHost()
