import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { ShipConfig } from '../../shipping/ship-options.js'
import type { SinkCounters } from '../../shipping/sink-counters.js'
import { type Batch, batchBytes } from './delivery.js'
import { isAlive } from '../process-alive.js'

/** `RLS1`, then the record count, the records' ends, and their bytes. */
const MAGIC = 0x31534c52
const SUFFIX = '.spool'

/** A batch's file in the spool. Its name starts with the batch's key, so names sort in sending order. */
export interface SpoolFile {
  readonly key: string
  readonly path: string
  readonly count: number
  readonly size: number
}

/** The record count and size of a spool file, without reading its records (0 records when it is not one). */
function fileHeader(path: string): { count: number; size: number } {
  const fd = openSync(path, 'r')
  try {
    const header = Buffer.alloc(8)
    const read = readSync(fd, header, 0, 8, 0)
    return { count: read === 8 && header.readUInt32LE(0) === MAGIC ? header.readUInt32LE(4) : 0, size: fstatSync(fd).size }
  } finally {
    closeSync(fd)
  }
}

/**
 * Batches on disk, one file each, named `<key>.<pid>.<token>.spool`: kept while the destination is
 * down and across restarts, sent in key order (the order they were made in). Each file is written
 * whole under a temporary name and renamed, so a crash leaves no torn batch. A sink sends the files
 * it wrote, and at start takes those of processes that are gone (and of earlier sinks of its own
 * process) by renaming them to its token: a rename happens once, so no batch is sent twice.
 */
export class Spool {
  private readonly files: SpoolFile[] = []
  private bytes = 0
  private readonly owner: string

  constructor(private readonly config: NonNullable<ShipConfig['spool']>, private readonly counters: SinkCounters, token: string) {
    this.owner = `${process.pid}.${token}`
    mkdirSync(config.dir, { recursive: true })
    this.adopt()
  }

  get size(): number {
    return this.files.length
  }

  /** The oldest batch on disk. */
  head(): SpoolFile | undefined {
    return this.files[0]
  }

  /**
   * Writes a batch; when the spool would pass its size, the oldest files go (`drop: 'oldest'`) or
   * this batch does (`'newest'`), counted as dropped. False when it was dropped.
   */
  put(key: string, batch: Batch): boolean {
    const header = Buffer.allocUnsafe(8 + batch.count * 4)
    header.writeUInt32LE(MAGIC, 0)
    header.writeUInt32LE(batch.count, 4)
    for (let i = 0; i < batch.count; i++) header.writeUInt32LE(batch.ends[i], 8 + i * 4)
    const size = header.length + batch.ends[batch.count - 1]
    if (!this.makeRoom(size)) {
      this.counters.dropped(batch.count)
      return false
    }
    const path = join(this.config.dir, `${key}.${this.owner}${SUFFIX}`)
    writeParts(`${path}.tmp`, [header, batchBytes(batch)])
    renameSync(`${path}.tmp`, path)
    this.insert({ key, path, count: batch.count, size })
    this.counters.spooled(batch.count)
    return true
  }

  /** The batch in a file; undefined when the file is gone or unreadable (counted as failed then). */
  read(file: SpoolFile): Batch | undefined {
    let data: Buffer
    try {
      data = readFileSync(file.path)
    } catch {
      this.forget(file)
      return undefined
    }
    const count = data.length >= 8 && data.readUInt32LE(0) === MAGIC ? data.readUInt32LE(4) : -1
    const start = 8 + count * 4
    if (count <= 0 || data.length < start) {
      this.remove(file)
      this.counters.failed(file.count)
      return undefined
    }
    const ends = new Int32Array(count)
    for (let i = 0; i < count; i++) ends[i] = data.readUInt32LE(8 + i * 4)
    return { bytes: data.subarray(start), ends, count }
  }

  /** The file's records left the disk: sent, failed or dropped. */
  remove(file: SpoolFile): void {
    try {
      unlinkSync(file.path)
    } catch {
      // Gone already.
    }
    this.forget(file)
  }

  private forget(file: SpoolFile): void {
    const i = this.files.indexOf(file)
    if (i === -1) return
    this.files.splice(i, 1)
    this.bytes -= file.size
    this.counters.leftDisk(file.count)
  }

  private makeRoom(size: number): boolean {
    if (size > this.config.maxSize) return false
    while (this.bytes + size > this.config.maxSize) {
      if (this.config.drop === 'newest') return false
      const oldest = this.files[0]
      this.remove(oldest)
      this.counters.dropped(oldest.count)
    }
    return true
  }

  private insert(file: SpoolFile): void {
    let i = this.files.length
    while (i > 0 && this.files[i - 1].key > file.key) i--
    this.files.splice(i, 0, file)
    this.bytes += file.size
  }

  /** The files of gone processes, and of earlier sinks of this one, made this sink's. */
  private adopt(): void {
    for (const name of readdirSync(this.config.dir)) {
      const parts = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length).split('.') : []
      if (parts.length !== 3) continue
      const [key, pid] = parts
      if (Number(pid) !== process.pid && isAlive(Number(pid))) continue
      const path = join(this.config.dir, `${key}.${this.owner}${SUFFIX}`)
      try {
        renameSync(join(this.config.dir, name), path)
      } catch {
        // Taken by another sink first.
        continue
      }
      const { count, size } = fileHeader(path)
      this.insert({ key, path, count, size })
      this.counters.foundOnDisk(count)
    }
  }
}

/**
 * A new file at `path` holding `parts`, written one after the other: not copied into one buffer
 * first, which for a batch of a burst spooled while the destination is down was a copy of every
 * batch, garbage outside the heap that RSS carried until a collection came.
 */
function writeParts(path: string, parts: readonly Buffer[]): void {
  const fd = openSync(path, 'w')
  try {
    for (const part of parts) for (let at = 0; at < part.length;) at += writeSync(fd, part, at, part.length - at)
  } finally {
    closeSync(fd)
  }
}
