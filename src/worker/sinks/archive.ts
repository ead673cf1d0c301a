import { renameSync, unlinkSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Transform } from 'node:stream'
import { constants, createBrotliCompress, createGzip } from 'node:zlib'
import * as zlib from 'node:zlib'

export type Compression = 'gzip' | 'brotli' | 'zstd'

export const ARCHIVE_EXTENSIONS: Record<Compression, string> = { gzip: '.gz', brotli: '.br', zstd: '.zst' }

/** zstd where this Node has it (22.15 and later). */
export function hasZstd(): boolean {
  return typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function'
}

function compressor(method: Compression): Transform {
  switch (method) {
    case 'gzip': return createGzip()
    case 'brotli': return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
    case 'zstd': return (zlib as unknown as { createZstdCompress(): Transform }).createZstdCompress()
  }
}

/**
 * Compresses rotated files one after the other, on zlib's thread pool: the drain thread only moves
 * buffers. Each archive is written under a temporary name and renamed when complete, and the plain
 * file is removed only after that, so a process killed half way leaves the plain file (compressed on
 * the next start) and never a truncated archive.
 */
export class Archiver {
  private queue: Promise<void> = Promise.resolve()

  constructor(private readonly method: Compression, private readonly done: () => void, private readonly failed: (error: unknown) => void) {}

  add(plain: string): void {
    this.queue = this.queue.then(() => this.compress(plain))
  }

  /** Resolves when every archive asked for so far is written. */
  idle(): Promise<void> {
    return this.queue
  }

  private async compress(plain: string): Promise<void> {
    const archive = plain + ARCHIVE_EXTENSIONS[this.method]
    const partial = `${archive}.tmp`
    let input: FileHandle | undefined
    let output: FileHandle | undefined
    try {
      // Opened before the archive is: a file that retention deleted while it waited leaves no partial archive.
      input = await open(plain, 'r')
      output = await open(partial, 'w')
      await pipeline(input.createReadStream(), compressor(this.method), output.createWriteStream())
      renameSync(partial, archive)
      unlinkSync(plain)
    } catch (error) {
      await Promise.all([input?.close(), output?.close()].map((closing) => closing?.catch(() => undefined)))
      if (output !== undefined) removeQuietly(partial)
      // The plain file was deleted meanwhile (by retention): nothing is lost by not archiving it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.failed(error)
    }
    this.done()
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}
