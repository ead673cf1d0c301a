import { readdirSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import type { IntegrityConfig } from '../../integrity/integrity-options.js'
import { ARCHIVE_EXTENSIONS, Archiver, type Compression } from './archive.js'
import { FileSink } from './file.js'
import { FileLock } from './file-lock.js'
import { wallClock } from '../../wall-clock.js'

/** A file sink's options as the worker gets them: plain data, sizes in bytes and durations in ms. */
export interface FileConfig {
  path: string
  mkdir: boolean
  /** fdatasync after each batch written: a flush resolves once what was logged is on disk. */
  fsync?: boolean
  /** Checkpoints chained through the file and its rotated successors. */
  integrity?: IntegrityConfig
  rotate?: { size?: number; every?: 'hour' | 'day' | number }
  compress: Compression | false
  retain?: { count?: number; age?: number; totalSize?: number }
}

const HOUR = 3_600_000
const DAY = 86_400_000

/** How long a rotation waits for another process's rotation of the same file; then it writes on and tries at the next record. */
const LOCK_WAIT_MS = 100
/** A rotation holds the lock for a rename and an open: one held longer than this was left by a thread that died. */
const LOCK_STALE_MS = 10_000
/**
 * A rotated file is compressed no sooner than this after the rename: every process writing the
 * file looks at the path before each write, so by then none is still appending to the renamed one.
 */
export const ARCHIVE_GRACE_MS = 1000

interface Rotated {
  name: string
  stamp: string
  n: number
  /** `.gz`, `.br`, `.zst`, with `.tmp` while being written; undefined for a plain rotated file. */
  archive: string | undefined
}

/**
 * A file sink that rotates: `logs/app.log` is renamed (atomically, so `tail -F` follows) to
 * `logs/app.<stamp>.<n>.log`, then compressed to `...log.gz` (or `.br`, `.zst`), and the oldest
 * rotated files beyond the retention limits are deleted. The stamp is the UTC date
 * (`2026-11-28`), or date and time (`2026-11-28T02-00`) when the period is shorter than a day; it
 * is the start of the file's period, or with size rotation alone the date of its first record. `n`
 * counts up per stamp and continues after the files already there.
 *
 * Rotation happens between records: the branch asks before and after formatting each one.
 *
 * Several processes may write and rotate the same file (a cluster's): each writes with O_APPEND
 * and looks at the path before every write, and a rotation is made under a lock file
 * (`app.log.lock`) by the first process that finds the file due, after checking that no other one
 * rotated it meanwhile. The others move to the new file at their next write.
 */
export class RotatingFile {
  readonly file: FileSink
  private readonly dir: string
  private readonly base: string
  private readonly ext: string
  private readonly pattern: RegExp
  private readonly periodMs: number | undefined
  private readonly short: boolean
  private readonly archiver: Archiver | undefined
  private readonly lock: FileLock
  /** The period and the first record time of the active file; NaN while it has none. */
  private period = NaN
  private firstTime = NaN
  /** FileSink.opens when the open file was last taken as the active one. */
  private adopted = 0

  constructor(private readonly config: FileConfig, private readonly failed: (error: unknown) => void) {
    this.file = new FileSink(config.path, config.mkdir, config.rotate !== undefined, config.fsync === true, config.integrity)
    this.lock = new FileLock(`${config.path}.lock`, LOCK_STALE_MS)
    this.dir = dirname(config.path)
    this.ext = extname(config.path)
    this.base = basename(config.path, this.ext)
    const archives = Object.values(ARCHIVE_EXTENSIONS).map((e) => e.replace('.', '\\.')).join('|')
    this.pattern = new RegExp(`^${escape(this.base)}\\.(.+)\\.(\\d+)${escape(this.ext)}((?:${archives})(?:\\.tmp)?)?$`)
    const every = config.rotate?.every
    this.periodMs = every === 'hour' ? HOUR : every === 'day' ? DAY : every
    this.short = this.periodMs !== undefined && this.periodMs < DAY
    this.archiver = config.compress === false ? undefined : new Archiver(config.compress, () => this.retain(), failed)
    this.adopt()
    this.recover()
  }

  /** Opens the path again (external rotation): a new file there starts a new period. */
  reopen(): void {
    this.file.reopen()
    this.adopt()
  }

  /** True when a record at `time` belongs to a later period than the active file. */
  periodChanges(time: number): boolean {
    // A write moved to another process's new file: that file is the active one now.
    if (this.file.opens !== this.adopted) this.adopt()
    return this.periodMs !== undefined && !Number.isNaN(this.period) && this.periodOf(time) !== this.period
  }

  /** True when the active file, with `pending` formatted bytes, would pass the size limit, and has something before `before`. */
  overSize(before: number, pending: number): boolean {
    const max = this.config.rotate?.size
    return max !== undefined && this.file.size + pending > max && this.file.size + before > 0
  }

  /** A record at `time` went into the active file. */
  noteRecord(time: number): void {
    if (Number.isNaN(this.firstTime)) {
      this.firstTime = time
      this.period = this.periodOf(time)
    }
  }

  /**
   * Renames the active file to its rotated name and starts a new one at the path. True when the
   * file now open is new and empty (a format with a header row writes it); false when there was
   * nothing to rotate, or another process holds the lock for longer than a rotation takes.
   */
  rotate(): boolean {
    if (this.file.size === 0 || !this.lock.acquire(LOCK_WAIT_MS)) return false
    try {
      if (!this.file.isAtPath()) {
        // Another process rotated it since this one last wrote: its new file is this one's too.
        this.file.reopen()
        this.adopt()
        return this.file.isEmpty()
      }
      const stamp = this.stamp()
      // Numbered after what is there now, never onto an existing file: rename would replace it.
      // The lock keeps another process from taking the same number between the look and the rename.
      const n = Math.max(0, ...this.rotated().filter((f) => f.stamp === stamp).map((f) => f.n)) + 1
      const rotated = join(this.dir, `${this.base}.${stamp}.${n}${this.ext}`)
      try {
        this.file.checkpoint('rotate')
        renameSync(this.config.path, rotated)
      } catch (error) {
        this.failed(error)
        return false
      }
      this.file.reopen()
      this.adopt()
      if (this.archiver) this.archiver.add(rotated, wallClock() + ARCHIVE_GRACE_MS)
      else this.retain()
      return true
    } finally {
      this.lock.release()
    }
  }

  /** Resolves when the archives asked for so far are written (for tests and close). */
  idle(): Promise<void> {
    return this.archiver?.idle() ?? Promise.resolve()
  }

  /** Deletes the oldest rotated files beyond any of the limits, newest first by stamp and number. */
  retain(): void {
    const limits = this.config.retain
    if (limits === undefined) return
    const now = Date.now()
    let kept = 0
    let total = 0
    let last = ''
    for (const file of this.rotated().filter((f) => !f.archive?.endsWith('.tmp')).sort((a, b) => b.stamp.localeCompare(a.stamp) || b.n - a.n)) {
      const path = join(this.dir, file.name)
      let stat
      try {
        stat = statSync(path)
      } catch {
        continue
      }
      // A plain file and its archive, seen between the archive's rename and the plain file's removal
      // (by the other pipeline on the ring), are one rotated file: counted twice, an older one went.
      const key = `${file.stamp}.${file.n}`
      if (key !== last) kept++
      last = key
      total += stat.size
      const tooMany = limits.count !== undefined && kept > limits.count
      const tooOld = limits.age !== undefined && now - stat.mtimeMs > limits.age
      const tooBig = limits.totalSize !== undefined && total > limits.totalSize
      if (tooMany || tooOld || tooBig) this.remove(path)
    }
  }

  /**
   * What an earlier run left half done: partial archives nobody is writing are removed, plain
   * rotated files compressed. Other processes writing the file may be compressing some of them
   * right now: the archiver's claim on each archive keeps them apart.
   */
  private recover(): void {
    const files = this.rotated()
    const names = new Set(files.map((f) => f.name))
    for (const { name, archive } of files) {
      const path = join(this.dir, name)
      if (archive?.endsWith('.tmp')) {
        Archiver.removeAbandoned(path)
      } else if (this.archiver !== undefined && archive === undefined) {
        const complete = Object.values(ARCHIVE_EXTENSIONS).some((e) => names.has(name + e))
        if (complete) this.remove(path)
        else this.archiver.add(path, this.mtimeOf(path) + ARCHIVE_GRACE_MS)
      }
    }
    this.retain()
  }

  private mtimeOf(path: string): number {
    try {
      return statSync(path).mtimeMs
    } catch {
      return 0
    }
  }

  /** Takes the file now open as the active one: one left by an earlier run belongs to the period it was last written in. */
  private adopt(): void {
    this.adopted = this.file.opens
    const mtime = this.file.size > 0 ? this.file.mtime() : NaN
    this.firstTime = mtime
    this.period = Number.isNaN(mtime) ? NaN : this.periodOf(mtime)
  }

  private rotated(): Rotated[] {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return []
    }
    const out: Rotated[] = []
    for (const name of names) {
      const match = this.pattern.exec(name)
      if (match) out.push({ name, stamp: match[1], n: Number(match[2]), archive: match[3] })
    }
    return out
  }

  private remove(path: string): void {
    try {
      unlinkSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.failed(error)
    }
  }

  private periodOf(time: number): number {
    return this.periodMs === undefined ? 0 : Math.floor(time / this.periodMs)
  }

  private stamp(): string {
    const time = this.periodMs === undefined ? this.firstTime : this.period * this.periodMs
    const iso = new Date(Number.isFinite(time) ? time : Date.now()).toISOString()
    return this.short ? iso.slice(0, 16).replace(':', '-') : iso.slice(0, 10)
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
