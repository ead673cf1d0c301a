import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'
import type { CheckpointReason } from '../../integrity/checkpoint.js'
import type { IntegrityConfig } from '../../integrity/integrity-options.js'
import type { Output } from '../output.js'
import { wallClock } from '../../wall-clock.js'
import { Chain } from './chain.js'
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
  /** With `integrity`: the checkpoints' chain. */
  private readonly chain: Chain | undefined

  /**
   * @param fsync each batch is on disk (fdatasync) before write() returns, and so before the drain
   * counts it written and a flush resolves: one sync for all the records of a batch.
   */
  constructor(readonly path: string, private readonly mkdir: boolean, private readonly follow: boolean, private readonly fsync = false, integrity?: IntegrityConfig) {
    this.chain = integrity === undefined ? undefined : new Chain(integrity)
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
    const chain = this.chain
    const now = chain === undefined ? 0 : wallClock()
    try {
      if (chain !== undefined) {
        this.takeUp(chain, now)
        chain.add(out.buf, 0, out.pos, now)
      }
      writeRecords(this.fd, out.buf, out.pos, out.ends, out.records, this.piece)
      this.size += out.pos
      if (chain !== undefined) {
        chain.knownSize = this.size
        try {
          if (chain.due(now)) this.writeCheckpoint(chain, 'interval', now)
        } catch (error) {
          // The records are in the file: only the checkpoint after them is not (the next writer seals them).
          throw new WriteFailed(error, out.pos)
        }
      }
      if (this.fsync) fdatasyncSync(this.fd)
    } catch (error) {
      if (chain !== undefined) chain.knownSize = -1
      // Closed: the next open ends a record cut short with a line feed before anything else goes in.
      this.fail(error)
      throw error
    }
  }

  /**
   * With `integrity`, a checkpoint sealing what was written since the last one (at close, and
   * before a rotation renames the file). Throws when it cannot be written.
   */
  checkpoint(reason: CheckpointReason): void {
    const chain = this.chain
    if (chain === undefined || this.fd < 0) return
    const now = wallClock()
    this.size = this.stat()?.size ?? this.size
    this.takeUp(chain, now)
    if (chain.pending) this.writeCheckpoint(chain, reason, now)
  }

  /** The file's chain as this writer left it, or read back from the file when someone else wrote since. */
  private takeUp(chain: Chain, now: number): void {
    if (chain.knownSize === this.size) return
    if (this.size > 0) {
      chain.recover(this.path, this.size, now)
      // A file with no checkpoint in it (written without integrity): the chain starts here, after what it holds.
      if (!chain.started) this.writeCheckpoint(chain, 'start', now)
      return
    }
    // A new file starts with a checkpoint: it links the file to the one before (rotation), or begins a chain.
    chain.restart()
    this.writeCheckpoint(chain, 'start', now)
  }

  private writeCheckpoint(chain: Chain, reason: CheckpointReason, now: number): void {
    const line = chain.checkpoint(reason, now)
    try {
      writeFully(this.fd, line, 0, line.length)
    } catch (error) {
      chain.knownSize = -1
      throw error
    }
    this.size += line.length
    chain.knownSize = this.size
  }

  /**
   * Before the open file is let go for the one at the path (logrotate renamed it, log.reopen(),
   * another process rotated it): what this writer wrote into it since its last checkpoint is sealed
   * there, unless someone else wrote to it since (this writer's block is not all it holds then).
   */
  private sealOpenFile(): void {
    const chain = this.chain
    if (chain === undefined || this.fd < 0 || !chain.pending) return
    if (this.stat()?.size !== chain.knownSize) return
    try {
      this.writeCheckpoint(chain, 'rotate', wallClock())
    } catch {
      // Unsealed: a verifier says where.
    }
  }

  /** The process ends (the calling thread's pipeline, after the exit drain; close() too): what was written since the last checkpoint is sealed, if it can be. */
  abandon(): void {
    try {
      this.checkpoint('close')
    } catch {
      // Unsealed: the next writer of the file takes the block up and seals it.
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
    const stat = this.stat()
    if (stat?.nlink === 0) this.reopen()
    // Another pipeline of this process (the other thread's, at a hand-over) may have written it.
    else if (stat !== undefined) this.size = stat.size
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
    this.sealOpenFile()
    this.closeFd()
    try {
      this.open()
    } catch (error) {
      this.fail(error)
    }
  }

  close(): void {
    this.abandon()
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
    // Written at once, so a file a rotation starts is linked to the one before even if nothing more comes.
    if (this.chain !== undefined && stat.isFile() && stat.size === 0) this.takeUp(this.chain, wallClock())
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
