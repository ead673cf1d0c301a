import type { Pipeline } from './worker/pipeline.js'

/**
 * The pipeline (every format, sink and policy stage), for the calling thread's own use: `worker:
 * false`, and draining its ring itself when no drain worker has it. The host thread loads it with
 * ringlog, to drain synchronously at start-up and exit; another thread only when it first needs it,
 * so that a worker thread that only logs into its ring does not carry it (some megabytes a thread).
 */
export type PipelineClass = typeof Pipeline

let loaded: PipelineClass | undefined
let loading: Promise<PipelineClass> | undefined

export function loadPipeline(): Promise<PipelineClass> {
  return (loading ??= import('./worker/pipeline.js').then((module) => (loaded = module.Pipeline)))
}

/** The pipeline class if this thread has loaded it; otherwise undefined, and it starts loading. */
export function loadedPipeline(): PipelineClass | undefined {
  if (loaded === undefined) void loadPipeline()
  return loaded
}
