import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'

/** After a failed write, the file is not tried again for this long: errors are counted, not retried in a loop. */
const RETRY_MS = 1000
/**
 * How often a write first checks that the open file is still linked: an fstat costs twice the write
 * itself, and a service logging a record per request writes a record at a time.
 */
const LINK_CHECK_MS = 1000

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
  private linkCheckedAt = -Infinity

  constructor(readonly path: string, private readonly mkdir: boolean) {
    try {
      this.open()
    } catch (error) {
      this.fail(error)
    }
  }

  write(chunk: Buffer): void {
    // A file deleted, or in a deleted folder, would take the records out of sight: the path is
    // opened again (or fails). Noticed within LINK_CHECK_MS.
    if (this.fd >= 0) {
      // Not Date.now(): tests give the logger a clock by replacing it.
      const now = performance.now()
      if (now - this.linkCheckedAt >= LINK_CHECK_MS) {
        this.linkCheckedAt = now
        if (this.stat()?.nlink === 0) this.reopen()
      }
    }
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
    this.size = this.stat()?.size ?? this.size
    return this.size === 0
  }

  /** When the open file was last written, in ms since the epoch (NaN when it is not open). */
  mtime(): number {
    return this.stat()?.mtimeMs ?? NaN
  }

  /**
   * Makes what this process knows true again after another consumer of the ring wrote to the path:
   * the size, and the open file being the one at the path (the other consumer may have rotated it).
   * True when that opened another file.
   */
  refresh(): boolean {
    const open = this.stat()
    if (open === undefined) return false
    let atPath: number
    try {
      atPath = statSync(this.path).ino
    } catch {
      atPath = -1
    }
    if (atPath === open.ino) {
      this.size = open.size
      return false
    }
    this.reopen()
    return true
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
    try {
      this.fd = openSync(this.path, 'a')
    } catch (error) {
      // Only a missing folder is made; a parent that is a file stays ENOTDIR.
      if (!this.mkdir || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      mkdirSync(dirname(this.path), { recursive: true })
      this.fd = openSync(this.path, 'a')
    }
    this.size = fstatSync(this.fd).size
  }

  private stat(): Stats | undefined {
    if (this.fd < 0) return undefined
    try {
      return fstatSync(this.fd)
    } catch (error) {
      this.fail(error)
      return undefined
    }
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
