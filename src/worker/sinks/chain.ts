import { createHash, createPrivateKey, type Hash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { CHECKPOINT_START, checkpointLine, lineHash32, lineHash, readCheckpoint, type CheckpointReason, type Sealer } from '../../integrity/checkpoint.js'
import type { IntegrityConfig } from '../../integrity/integrity-options.js'

const LINE_FEED = 10
/** How far back a file is read at a time to find its last checkpoint. */
const READ_BACK = 1 << 20
const CHECKPOINT_AT = Buffer.from(`\n${CHECKPOINT_START}`)

/**
 * A file's chain of checkpoints as its writer keeps it (src/integrity/checkpoint.ts): the block of
 * lines written since the last checkpoint, hashed as the batches go out. When the file holds what
 * this writer did not write (another thread's pipeline wrote it, or an earlier process), the block
 * is read back from the file's last checkpoint, so the chain goes on through hand-overs and restarts.
 */
export class Chain {
  private readonly sealer: Sealer
  /** The file's size after this writer's last write; -1 when it must be read back. */
  knownSize = -1
  private seq = 0
  private total = 0
  private prev = ''
  private digest: Hash = createHash('sha256')
  private hashes = new Uint32Array(1024)
  private lines = 0
  /** When the block's first line was written (NaN: the block is empty). */
  private since = NaN

  constructor(private readonly config: IntegrityConfig) {
    this.sealer = config.alg === 'hmac-sha256'
      ? { kid: config.kid, alg: 'hmac-sha256', key: Buffer.from(config.key, 'base64') }
      : { kid: config.kid, alg: 'ed25519', key: createPrivateKey(config.key) }
  }

  /** The lines of `buf` from `start` to `end` (whole lines) join the block. */
  add(buf: Buffer, start: number, end: number, now: number): void {
    if (start >= end) return
    this.digest.update(buf.subarray(start, end))
    for (let p = start; p < end;) {
      let lf = buf.indexOf(LINE_FEED, p)
      if (lf < 0 || lf >= end) lf = end
      if (this.lines === this.hashes.length) {
        const more = new Uint32Array(this.hashes.length * 2)
        more.set(this.hashes)
        this.hashes = more
      }
      this.hashes[this.lines++] = lineHash32(buf, p, lf)
      p = lf + 1
    }
    if (Number.isNaN(this.since)) this.since = now
  }

  /** Whether the block is due for a checkpoint: long enough, or old enough. */
  due(now: number): boolean {
    return this.lines >= this.config.lines || (this.lines > 0 && now - this.since >= this.config.intervalMs)
  }

  /** Whether there is anything a checkpoint would seal. */
  get pending(): boolean {
    return this.lines > 0
  }

  /** The checkpoint line (with its line feed) that seals the block, which starts anew after it. */
  checkpoint(reason: CheckpointReason, now: number): Buffer {
    const hashes = Buffer.allocUnsafe(this.lines * 4)
    for (let i = 0; i < this.lines; i++) hashes.writeUInt32BE(this.hashes[i], i * 4)
    this.total += this.lines
    const line = checkpointLine({
      seq: this.seq, lines: this.lines, total: this.total, prev: this.prev, digest: this.digest.digest('base64url'),
      hashes: hashes.toString('base64url'), reason, time: new Date(now).toISOString(),
    }, this.sealer)
    this.seq++
    this.prev = lineHash(line)
    this.digest = createHash('sha256')
    this.lines = 0
    this.since = NaN
    return Buffer.from(`${line}\n`)
  }

  /**
   * Takes up the chain from the file at `path`, `size` bytes long: the last checkpoint in it, and
   * the lines after it as the block. A file without one starts a chain of its own: what is in it
   * stays outside the chain, and the verifier says so.
   */
  recover(path: string, size: number, now: number): void {
    this.restart()
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch {
      this.knownSize = size
      return
    }
    try {
      // Back from the end a chunk at a time, each searched with the few bytes after it (a match may
      // cross the boundary); nothing is kept of a chunk without a checkpoint.
      let at = -1
      let carry = Buffer.alloc(0)
      for (let from = size; from > 0 && at < 0;) {
        const start = Math.max(0, from - READ_BACK)
        const chunk = Buffer.allocUnsafe(from - start)
        const read = readSync(fd, chunk, 0, chunk.length, start)
        const window = Buffer.concat([chunk.subarray(0, read), carry])
        const found = window.lastIndexOf(CHECKPOINT_AT)
        if (found >= 0) at = start + found + 1
        else if (start === 0 && window.subarray(0, CHECKPOINT_AT.length - 1).equals(CHECKPOINT_AT.subarray(1))) at = 0
        carry = chunk.subarray(0, Math.min(read, CHECKPOINT_AT.length - 1))
        from = start
      }
      if (at < 0) {
        // Lines written without integrity: the chain starts after them.
        this.seq = 0
        this.total = 0
        this.prev = ''
        this.knownSize = size
        return
      }
      const tail = Buffer.allocUnsafe(size - at)
      const read = readSync(fd, tail, 0, tail.length, at)
      const end = tail.indexOf(LINE_FEED)
      const line = tail.subarray(0, end < 0 ? read : end)
      const checkpoint = readCheckpoint(line.toString('utf8'))
      this.seq = checkpoint === undefined ? 0 : checkpoint.checkpoint.seq + 1
      this.total = checkpoint === undefined ? 0 : checkpoint.checkpoint.total
      this.prev = lineHash(line)
      const lastLine = tail.lastIndexOf(LINE_FEED, read - 1)
      if (end >= 0 && lastLine > end) this.add(tail, end + 1, lastLine + 1, now)
      this.knownSize = at + read
    } finally {
      closeSync(fd)
    }
  }

  /** Whether the chain has a checkpoint (a fresh one, or one read back from the file). */
  get started(): boolean {
    return this.seq > 0 || this.prev !== ''
  }

  /** A new file: lines of the block that went to the file before unsealed (another process renamed it) are left out. */
  restart(): void {
    this.digest = createHash('sha256')
    this.lines = 0
    this.since = NaN
  }
}
