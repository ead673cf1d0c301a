import { fstatSync } from 'node:fs'
import type { Output } from '../output.js'
import { pieceSize, writeRecords } from './write-fd.js'

/**
 * stdout, stderr or a file descriptor, written synchronously: when write() returns the bytes are
 * in the kernel, which is what lets a batch's read position be published as written. On a pipe
 * (several processes of a container or a cluster often share one stdout) every write is whole
 * records of at most PIPE_BUF bytes, so no record is torn or mixed with another process's.
 * (Files by path are written by FileSink.)
 */
export class FdSink {
  private readonly piece: number

  constructor(private readonly fd: number) {
    this.piece = pieceSize(fd)
  }

  /** Writes the output's records, all of them; throws on an error other than EAGAIN. */
  write(out: Output): void {
    writeRecords(this.fd, out.buf, out.pos, out.ends, out.records, this.piece)
  }

  /** True unless the destination is a file with something in it already. */
  isEmpty(): boolean {
    try {
      const stat = fstatSync(this.fd)
      return !stat.isFile() || stat.size === 0
    } catch {
      return true
    }
  }

  /** The descriptor belongs to whoever gave it (or to the process): it stays open. */
  close(): void {}
}
