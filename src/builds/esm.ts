import { fileURLToPath } from 'node:url'
import { currentHost, startHost, type DrainHost } from '../drain-host.js'
import { processHub } from '../hub.js'
import { loadPipeline } from '../pipeline-loader.js'

/**
 * What the ES module build does its own way, imported as `#build` (package.json "imports"; the
 * CommonJS build's is ./cjs.ts). In the host thread, piscina and the pipeline are loaded before
 * ringlog's import resolves, by top-level await, and the host is started: the host drains on its
 * own thread at start-up and at exit, synchronously, and must not wait for a module then. Other
 * threads load neither. When the CommonJS build started the host first, it is used as it is.
 */
const hub = processHub()
if (hub.isHost && currentHost() === undefined) {
  const [{ Piscina }] = await Promise.all([import('piscina'), loadPipeline()])
  startHost(hub, Piscina, fileURLToPath(new URL('../worker/drain.js', import.meta.url)))
}

/** This thread's DrainHost when it is the process's host (started here or by the other build); undefined in any other thread. */
export const host: DrainHost | undefined = currentHost()
