import { shared } from './shared.js'
import type { Pipeline } from './worker/pipeline.js'

/**
 * The pipeline (every format, sink and policy stage), for the calling thread's own use: `worker:
 * false`, and draining its ring itself when no drain worker has it. The host thread loads it with
 * ringlog, to drain synchronously at start-up and exit; another thread only when it first needs it,
 * so that a worker thread that only logs into its ring does not carry it (some megabytes a thread).
 */
export type PipelineClass = typeof Pipeline

// One pipeline per thread, whichever build loaded it: the destinations it writes through (one
// writer per file in a thread) are module state of its build.
const state = shared('pipeline', (): { loaded?: PipelineClass; loading?: Promise<PipelineClass> } => ({}))

export function loadPipeline(): Promise<PipelineClass> {
  return (state.loading ??= import('./worker/pipeline.js').then((module) => (state.loaded ??= module.Pipeline)))
}

/** The pipeline, loaded synchronously (the CommonJS build's host): it is this thread's unless another build's came first. */
export function providePipeline(Pipeline: PipelineClass): void {
  state.loaded ??= Pipeline
  state.loading ??= Promise.resolve(state.loaded)
}

/** The pipeline class if this thread has loaded it; otherwise undefined, and it starts loading. */
export function loadedPipeline(): PipelineClass | undefined {
  if (state.loaded === undefined) void loadPipeline()
  return state.loaded
}
