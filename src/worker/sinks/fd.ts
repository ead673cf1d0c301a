import { fstatSync } from 'node:fs'
import sonicBoom from 'sonic-boom'

// sonic-boom is CommonJS; its types declare a named class that Node's ESM loader cannot see.
const { SonicBoom } = sonicBoom as unknown as { SonicBoom: typeof import('sonic-boom').SonicBoom }

const MAX_WRITE = 1 << 20

/**
 * stdout, stderr or a file descriptor, written through sonic-boom synchronously: when write()
 * returns the bytes are in the kernel, which is what lets a batch's read position be published as
 * written. (Files are written by FileSink.)
 */
export class FdSink {
  private readonly stream: InstanceType<typeof SonicBoom>

  constructor(fd: number) {
    this.stream = new SonicBoom({
      fd,
      sync: true,
      contentMode: 'buffer',
      // Writes are issued by flushSync() once a batch; this keeps write() from issuing its own.
      maxWrite: MAX_WRITE,
      minLength: MAX_WRITE - 1,
    })
    // Errors are thrown by flushSync() to the pipeline, which counts and reports them.
    this.stream.on('error', () => {})
  }

  /**
   * Writes the chunk, retrying EAGAIN; throws on any other error, with the chunk discarded. The
   * chunk is not kept after this returns, so the caller may reuse its memory.
   */
  write(chunk: Buffer): void {
    // contentMode 'buffer' takes Buffers; the bundled types only know strings.
    this.stream.write(chunk as unknown as string)
    try {
      this.stream.flushSync()
    } catch (error) {
      this.discardQueued()
      throw error
    }
  }

  /** True unless the destination is a file with something in it already. */
  isEmpty(): boolean {
    try {
      const stat = fstatSync((this.stream as unknown as { fd: number }).fd)
      return !stat.isFile() || stat.size === 0
    } catch {
      return true
    }
  }

  /** The descriptor belongs to whoever gave it (or to the process): it stays open. */
  close(): void {}

  private discardQueued(): void {
    // sonic-boom keeps a failed chunk queued to retry it; the pipeline has already counted it as failed.
    const internals = this.stream as unknown as { _bufs: unknown[]; _lens: number[]; _len: number }
    internals._bufs = []
    internals._lens = []
    internals._len = 0
  }
}
