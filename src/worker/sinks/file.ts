import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** After a failed write, the file is not tried again for this long: errors are counted, not retried in a loop. */
const RETRY_MS = 1000

/**
 * A file appended to with synchronous writes (when write() returns the bytes are in the kernel).
 * After an error (ENOSPC, EACCES, a deleted directory) it closes the file and opens it again, at
 * most once a second, so writing resumes by itself when the problem is gone.
 */
export class FileSink {
  private fd = -1
  /** Bytes in the file, as far as this process knows. */
  size = 0
  private failedAt = -Infinity
  private lastError: unknown

  constructor(readonly path: string, private readonly mkdir: boolean) {
    try {
      this.open()
    } catch (error) {
      this.fail(error)
    }
  }

  write(chunk: Buffer): void {
    if (this.fd < 0) {
      if (Date.now() - this.failedAt < RETRY_MS) throw this.lastError
      try {
        this.open()
      } catch (error) {
        this.fail(error)
        throw error
      }
    }
    try {
      for (let done = 0; done < chunk.length; ) done += writeSync(this.fd, chunk, done, chunk.length - done)
      this.size += chunk.length
    } catch (error) {
      this.fail(error)
      throw error
    }
  }

  /** True when the file has nothing in it. */
  isEmpty(): boolean {
    this.refresh()
    return this.size === 0
  }

  /**
   * Makes what this process knows true again: the size, and the open file being the one at the
   * path (another consumer of the ring may have rotated it, someone may have moved it).
   */
  refresh(): void {
    if (this.fd < 0) return
    try {
      const open = fstatSync(this.fd)
      let atPath: number
      try {
        atPath = statSync(this.path).ino
      } catch {
        atPath = -1
      }
      if (atPath !== open.ino) this.reopen()
      else this.size = open.size
    } catch (error) {
      this.fail(error)
    }
  }

  /** Opens the path again: for logrotate (SIGHUP) and after this process renamed the file. */
  reopen(): void {
    this.closeFd()
    try {
      this.open()
    } catch (error) {
      this.fail(error)
    }
  }

  close(): void {
    this.closeFd()
  }

  private open(): void {
    if (this.mkdir) mkdirSync(dirname(this.path), { recursive: true })
    this.fd = openSync(this.path, 'a')
    const stat = fstatSync(this.fd)
    this.size = stat.size
  }

  private fail(error: unknown): void {
    this.closeFd()
    this.failedAt = Date.now()
    this.lastError = error
  }

  private closeFd(): void {
    if (this.fd < 0) return
    try {
      closeSync(this.fd)
    } catch {
      // Already unusable; it is being let go.
    }
    this.fd = -1
  }
}
