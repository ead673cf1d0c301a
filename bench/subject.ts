/** One logger instance for one run of an end-to-end benchmark. */
export interface Subject {
  /** Logs record i (on the calling thread). */
  log(i: number): void
  /** Resolves once the library says everything logged is at its destination, as far as it can tell. */
  drain(): Promise<void>
  /** Releases the logger and its destination; throws if the library's own counts disagree with the run's. */
  close(): Promise<void>
  /** ringlog: of the records written, those the calling thread wrote itself because no drain worker had the ring (read after close()). */
  writtenOnCaller?(): number
}
