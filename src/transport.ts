/** What the logger's counters say; see Logger.metrics(). */
export interface Metrics {
  /** Records written to the destination. */
  written: number
  /** Records dropped because the ring was full (onFull 'drop', or 'block' past blockTimeoutMs), or logged after close(). */
  dropped: number
  /** Records that could not be formatted or written (a write error, a record lost with a crashed worker). */
  failed: number
  /** Bytes written to the destination. */
  bytes: number
  /** The most bytes the ring has held at once. */
  ringHighWater: number
  /** Drain workers started to replace one that died. */
  workerRestarts: number
  /** The latest error writing, formatting or archiving, like `write ENOSPC: no space left on device`; undefined while there was none. */
  lastError: string | undefined
}

/** Where a logger's frames go: the ring and its drain worker, or the inline pipeline. */
export interface Transport {
  /** Takes the frame in frame[0, length); the buffer is reused as soon as this returns. */
  write(frame: Buffer, length: number): void
  /** The ring position after the last frame written (0 when there is no ring). */
  readonly position: number
  flush(): Promise<void>
  close(): Promise<void>
  /** Writes everything logged so far before this returns: for process exit and signals. */
  drainSync(): void
  metrics(): Metrics
}
