import { constants, createGzip, type Gzip, type ZlibReset } from 'node:zlib'

/** Node's Gzip has reset() (deflateReset, a gzip header again) as Deflate does; @types/node leaves it out. */
type ResettableGzip = Gzip & ZlibReset

/**
 * Request bodies gzipped by one long-lived zlib stream, each body a whole gzip member: after a
 * body, the stream is finished and reset rather than closed. zlib.gzip() per batch made a stream
 * and its 256 KiB of deflate state for every request; their external memory made the drain
 * worker collect its heap in full every 200 ms, and the whole cost a third more CPU per record.
 * Compressed on zlib's thread pool: the drain loop goes on meanwhile. The fastest level: log
 * lines still shrink ten times, and the sink keeps up with the ring.
 */
export class GzipMembers {
  private stream: ResettableGzip
  private chunks: Buffer[] = []
  private last: Promise<unknown> = Promise.resolve()
  private closed = false

  constructor() {
    this.stream = this.open()
  }

  /** Bodies are compressed one after the other, in the order of the calls. */
  gzip(body: Buffer): Promise<Buffer> {
    const member = this.last.then(() => this.member(body))
    this.last = member.catch(() => {})
    return member
  }

  close(): void {
    this.closed = true
    this.stream.destroy()
  }

  /** The stream is reset once a member is finished: a second write before that would be compressed into the same member, or raced by the reset. */
  private member(body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the sink is closed'))
      const stream = this.stream
      stream.write(body)
      stream.flush(constants.Z_FINISH, (error?: Error | null) => {
        const chunks = this.chunks
        this.chunks = []
        if (error) {
          // Not used again: the next body starts on a new stream.
          stream.destroy()
          this.stream = this.open()
          return reject(error)
        }
        stream.reset()
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
      })
    })
  }

  private open(): ResettableGzip {
    const stream = createGzip({ level: constants.Z_BEST_SPEED }) as ResettableGzip
    // Flowing: each piece of output arrives before the finishing flush calls back.
    stream.on('data', (chunk: Buffer) => this.chunks.push(chunk))
    // The flush's callback gets the error.
    stream.on('error', () => {})
    return stream
  }
}
