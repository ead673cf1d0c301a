import { fstatSync, writeSync, type Stats } from 'node:fs'

/**
 * What the kernel writes to a pipe in one piece, never interleaved with another writer's bytes
 * (PIPE_BUF, 4096 on Linux; POSIX guarantees at least 512).
 */
export const PIPE_BUF = 4096

/** Waits between tries when a non-blocking descriptor has no room (EAGAIN): from 0.1 ms, doubling up to this. */
const MAX_BACKOFF_MS = 16
const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * The largest write that keeps records whole for a descriptor: PIPE_BUF for a pipe, FIFO, socket
 * or character device, where several processes may write at once and a longer write can be split
 * and interleaved with theirs; unlimited for a regular file, whose appends are never split.
 */
export function pieceSize(fd: number): number {
  try {
    return pieceOf(fstatSync(fd))
  } catch {
    return PIPE_BUF
  }
}

/** pieceSize() of an open file already looked at. */
export function pieceOf(stat: Stats): number {
  return stat.isFile() ? Infinity : PIPE_BUF
}

/** A write failed with `cause` after buf[0, written) went out. */
export class WriteFailed extends Error {
  constructor(override readonly cause: unknown, readonly written: number) {
    super(cause instanceof Error ? cause.message : String(cause))
  }
}

/**
 * Writes buf[0, length), whose records end at ends[0, records), in pieces of whole records of at
 * most `piece` bytes; a record longer than that is one piece of its own. Each piece goes by one
 * write() call when the descriptor takes it whole, as a pipe does up to PIPE_BUF. On an error,
 * throws WriteFailed saying how much was written: the records before are out, whole.
 */
export function writeRecords(fd: number, buf: Uint8Array, length: number, ends: Int32Array, records: number, piece: number): void {
  if (length <= piece) {
    writeFully(fd, buf, 0, length)
    return
  }
  let start = 0
  for (const end of pieceEnds(length, ends, records, piece)) {
    writeFully(fd, buf, start, end)
    start = end
  }
}

/** How many records of a batch whose records end at ends[0, records) are whole in its first `bytes`. */
export function wholeRecords(ends: Int32Array, records: number, bytes: number): number {
  let n = 0
  while (n < records && ends[n] <= bytes) n++
  return n
}

/**
 * Where the pieces of [0, length) end: as many whole records as fit in `piece` bytes; a record
 * longer than that alone; bytes after the last record end (none, from a format) alone.
 */
export function pieceEnds(length: number, ends: Int32Array, records: number, piece: number): number[] {
  const pieces: number[] = []
  let start = 0
  let i = 0
  while (start < length) {
    let end = start
    while (i < records && ends[i] - start <= piece) end = ends[i++]
    if (end === start) end = i < records ? ends[i++] : length
    pieces.push(end)
    start = end
  }
  return pieces
}

/**
 * Writes buf[start, end), all of it: the rest after a short write, and again after EAGAIN (a
 * non-blocking pipe that is full: Node sets O_NONBLOCK on a stdout pipe, for every process that
 * shares it) once the reader has made room. Any other error is thrown as WriteFailed, with where
 * in buf the writing stopped.
 */
export function writeFully(fd: number, buf: Uint8Array, start: number, end: number): void {
  let backoff = 0.1
  while (start < end) {
    try {
      start += writeSync(fd, buf, start, end - start)
      backoff = 0.1
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw new WriteFailed(error, start)
      Atomics.wait(pause, 0, 0, backoff)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }
}
