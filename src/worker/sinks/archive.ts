import { existsSync, renameSync, unlinkSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Transform } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { constants, createBrotliCompress, createGzip } from 'node:zlib'
import * as zlib from 'node:zlib'
import { FileLock } from './file-lock.js'
import { wallClock } from '../../wall-clock.js'

export type Compression = 'gzip' | 'brotli' | 'zstd'

export const ARCHIVE_EXTENSIONS: Record<Compression, string> = { gzip: '.gz', brotli: '.br', zstd: '.zst' }

function compressor(method: Compression): Transform {
  switch (method) {
    case 'gzip': return createGzip()
    case 'brotli': return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
    case 'zstd': return (zlib as unknown as { createZstdCompress(): Transform }).createZstdCompress()
  }
}

/** A claim on an archive is held while it is written, however long that takes; only a dead holder's is broken. */
const CLAIM_STALE_MS = 3_600_000
/** A file that grew while it was compressed (a straggling writer) is compressed again, this many times at most. */
const ATTEMPTS = 3

/** The claim a process holds on an archive while it writes it, so two processes never write the same one. */
function claimOf(archive: string): FileLock {
  return new FileLock(`${archive}.lock`, CLAIM_STALE_MS)
}

/**
 * Compresses rotated files one after the other, on zlib's thread pool: the drain thread only moves
 * buffers. Each archive is written under a temporary name and renamed when complete, and the plain
 * file is removed only after that, so a process killed half way leaves the plain file (compressed on
 * the next start) and never a truncated archive.
 *
 * Several processes may rotate one file and find each other's rotated files when they start: each
 * archive is written under a claim (`….gz.lock`, see FileLock), and only a partial archive whose
 * claim nobody holds is an abandoned one.
 */
export class Archiver {
  private queue: Promise<void> = Promise.resolve()

  constructor(private readonly method: Compression, private readonly done: () => void, private readonly failed: (error: unknown) => void) {}

  /** Compresses `plain`, not before `notBefore` (ms since the epoch): until then other processes may still append to it. */
  add(plain: string, notBefore: number): void {
    this.queue = this.queue.then(async () => {
      const wait = notBefore - wallClock()
      if (wait > 0) await sleep(wait)
      await this.compress(plain)
    })
  }

  /** Resolves when every archive asked for so far is written. */
  idle(): Promise<void> {
    return this.queue
  }

  /** Removes a partial archive (`….gz.tmp`) left by a process that died while writing it. */
  static removeAbandoned(partial: string): void {
    const claim = claimOf(partial.slice(0, -'.tmp'.length))
    if (!claim.acquire(0)) return
    removeQuietly(partial)
    claim.release()
  }

  private async compress(plain: string): Promise<void> {
    const archive = plain + ARCHIVE_EXTENSIONS[this.method]
    const claim = claimOf(archive)
    try {
      // Another process is writing this archive.
      if (!claim.acquire(0)) return
    } catch (error) {
      this.failed(error)
      return
    }
    try {
      // Written by another process that died before it removed the plain file.
      if (existsSync(archive)) removeQuietly(plain)
      else await this.write(plain, archive)
    } finally {
      claim.release()
      this.done()
    }
  }

  private async write(plain: string, archive: string): Promise<void> {
    const partial = `${archive}.tmp`
    let input: FileHandle | undefined
    let output: FileHandle | undefined
    try {
      // Opened before the archive is: a file that retention deleted while it waited leaves no partial archive.
      input = await open(plain, 'r')
      for (let attempt = 1; ; attempt++) {
        const size = (await input.stat()).size
        output = await open(partial, 'w')
        await pipeline(input.createReadStream({ start: 0, autoClose: false }), compressor(this.method), output.createWriteStream())
        output = undefined
        if ((await input.stat()).size === size || attempt === ATTEMPTS) break
      }
      await input.close()
      renameSync(partial, archive)
      unlinkSync(plain)
    } catch (error) {
      await Promise.all([input?.close(), output?.close()].map((closing) => closing?.catch(() => undefined)))
      removeQuietly(partial)
      // The plain file was deleted meanwhile (by retention): nothing is lost by not archiving it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.failed(error)
    }
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}
