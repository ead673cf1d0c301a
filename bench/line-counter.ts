/** How the end-to-end benchmarks know a file holds every line: they count newlines as the file grows. */
import { closeSync, openSync, readSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fail } from './numbers.js'

const POLL_TIMEOUT_MS = 120_000

/** Counts newlines in a growing file, reading only what was appended since the last call. */
export class LineCounter {
  lines = 0
  private offset = 0
  private readonly chunk = Buffer.allocUnsafe(1 << 20)

  constructor(private readonly file: string) {}

  update(): number {
    let fd: number
    try {
      fd = openSync(this.file, 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.lines
      throw err
    }
    try {
      for (;;) {
        const n = readSync(fd, this.chunk, 0, this.chunk.length, this.offset)
        if (n === 0) break
        this.offset += n
        for (let at = this.chunk.indexOf(10); at !== -1 && at < n; at = this.chunk.indexOf(10, at + 1)) this.lines++
      }
    } finally {
      closeSync(fd)
    }
    return this.lines
  }

  /**
   * Resolves once the file holds at least `lines` lines, polling every millisecond: a library's
   * "done" (winston's 'finish', a flush) can come before its stream has written everything.
   */
  async reach(lines: number, who: string): Promise<void> {
    const deadline = performance.now() + POLL_TIMEOUT_MS
    while (this.update() < lines) {
      if (performance.now() > deadline) fail(`${who}: file has ${this.lines} of ${lines} lines after ${POLL_TIMEOUT_MS} ms`)
      await sleep(1)
    }
  }
}
