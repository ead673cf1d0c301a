import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { wallClock } from '../../wall-clock.js'
import { isAlive } from '../process-alive.js'

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * A lock between the processes (and threads) that write one file: a lock file made with O_EXCL
 * that holds the holder's pid. Node has no flock(), and this works on every file system Node
 * writes to. A lock whose holder process is gone, or that is older than `staleMs` (a holder that
 * hung, or a pid used again by another process), is broken.
 */
export class FileLock {
  constructor(readonly path: string, private readonly staleMs: number) {}

  /** Takes the lock, waiting up to waitMs for the holder to let go; false when it did not. */
  acquire(waitMs: number): boolean {
    const deadline = performance.now() + waitMs
    for (let wait = 0.2; ; wait = Math.min(wait * 2, 10)) {
      if (this.tryAcquire()) return true
      if (performance.now() >= deadline) return false
      Atomics.wait(pause, 0, 0, wait)
    }
  }

  release(): void {
    try {
      unlinkSync(this.path)
    } catch {
      // Broken as stale by another process meanwhile: it is not ours any more.
    }
  }

  private tryAcquire(): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx')
        try {
          writeSync(fd, `${process.pid}\n`)
        } finally {
          closeSync(fd)
        }
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      if (!this.breakIfStale()) return false
    }
    return false
  }

  /** Removes the lock file if its holder is gone or it is too old; true when the lock may be free now. */
  private breakIfStale(): boolean {
    let pid: number
    let age: number
    try {
      pid = Number.parseInt(readFileSync(this.path, 'utf8'), 10)
      age = wallClock() - statSync(this.path).mtimeMs
    } catch (error) {
      // Let go between our open and our look: try again. (Or written half: judged by its age next time.)
      return (error as NodeJS.ErrnoException).code === 'ENOENT'
    }
    if (age < this.staleMs && (Number.isNaN(pid) || isAlive(pid))) return false
    try {
      unlinkSync(this.path)
    } catch {
      // Another process broke it first.
    }
    return true
  }
}

