import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'
import type { Output } from '../output.js'
import { pieceOf, writeFully, writeRecords, WriteFailed } from './write-fd.js'

const LINE_FEED = Buffer.from('\n')
/** After a failed write, the file is not tried again for this long: errors are counted, not retried in a loop. */
const RETRY_MS = 1000

/**
 * A file appended to with synchronous writes (when write() returns the bytes are in the kernel).
 * After an error (ENOSPC, EACCES, a deleted directory) it closes the file and opens it again, at
 * most once a second, so writing resumes by itself when the problem is gone.
 *
 * With `follow`, the path is looked at before every write and the file there is the one written:
 * other processes (a cluster's) that write the same rotating file rename it away, and every
 * writer must move to the new one before the renamed file is compressed. The look also gives the
 * file's size as all of them made it.
 */
export class FileSink {
  private fd = -1
  /** The open file's inode, to tell whether the path still names it. */
  private ino = -1
  private dev = -1
  /** Bytes in the file, as far as this process knows. */
  size = 0
  /** Counts the opens: a rotating file takes a file opened anew (by a look at the path) as a new one. */
  opens = 0
  /** The largest write that keeps records whole (PIPE_BUF when the path is a FIFO or a device). */
  private piece = Infinity
  private failedAt = -Infinity
  private lastError: unknown

  /**
   * @param fsync each batch is on disk (fdatasync) before write() returns, and so before the drain
   * counts it written and a flush resolves: one sync for all the records of a batch.
   */
  constructor(readonly path: string, private readonly mkdir: boolean, private readonly follow: boolean, private readonly fsync = false) {
    try {
      this.open()
    } catch (error) {
      this.fail(error)
    }
  }

  write(out: Output): void {
    if (this.fd >= 0) this.check()
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
      writeRecords(this.fd, out.buf, out.pos, out.ends, out.records, this.piece)
      this.size += out.pos
      if (this.fsync) fdatasyncSync(this.fd)
    } catch (error) {
      // Closed: the next open ends a record cut short with a line feed before anything else goes in.
      this.fail(error)
      throw error
    }
  }

  /**
   * Makes sure the write goes where the path leads. With `follow`, to the file at the path;
   * otherwise to a file that is still linked: one deleted (or in a deleted folder) would take the
   * records out of sight and count them written, so the path is opened again first. An fstat per
   * write (a batch: one record only when records come one at a time) costs about what the write does.
   */
  private check(): void {
    if (this.follow) {
      const atPath = this.statPath()
      if (atPath !== undefined && atPath.ino === this.ino && atPath.dev === this.dev) this.size = atPath.size
      else this.reopen()
      return
    }
    if (this.stat()?.nlink === 0) this.reopen()
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

  /** True when the path names the open file (false when it is not open, or another process rotated it). */
  isAtPath(): boolean {
    const atPath = this.statPath()
    return this.fd >= 0 && atPath !== undefined && atPath.ino === this.ino && atPath.dev === this.dev
  }

  /** Opens the path again: for logrotate (SIGHUP), after a rotation, and when another process rotated it. */
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
    const stat = fstatSync(this.fd)
    this.size = stat.size
    this.ino = stat.ino
    this.dev = stat.dev
    this.piece = pieceOf(stat)
    this.opens++
    if (stat.isFile() && stat.size > 0) this.endLastLine()
  }

  /**
   * A file whose last record was cut (a full disk, a process killed in the middle of a write) gets
   * a line feed before the next record, which would otherwise be glued onto the fragment. Throws
   * when even that cannot be written: the file is tried again later.
   */
  private endLastLine(): void {
    const last = Buffer.alloc(1)
    let reader: number
    try {
      reader = openSync(this.path, 'r')
    } catch {
      // Gone already (another process rotated it): the next write follows the path.
      return
    }
    try {
      // The file opened for reading must be the one opened for writing: a rotation may come between.
      const stat = fstatSync(reader)
      if (stat.ino !== this.ino || stat.dev !== this.dev || readSync(reader, last, 0, 1, this.size - 1) !== 1) return
    } finally {
      closeSync(reader)
    }
    if (last[0] === 0x0a) return
    try {
      writeFully(this.fd, LINE_FEED, 0, 1)
    } catch (error) {
      this.closeFd()
      throw error
    }
    this.size++
  }

  private statPath(): Stats | undefined {
    try {
      return statSync(this.path, { throwIfNoEntry: false })
    } catch {
      // ENOTDIR and the like: the path leads nowhere; opening it again says why.
      return undefined
    }
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
    // Thrown again at the next write, of other records: not as how much of this batch went out.
    this.lastError = error instanceof WriteFailed ? error.cause : error
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
