import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'

/** A line of input, without its line feed. */
export interface InputLine {
  bytes: Buffer
  /** Counted from 1. */
  number: number
  /** Whether a line feed ended it (the last line of a file may have none). */
  ended: boolean
}

/** The bytes of a file, or of stdin; gzip (rotated, compressed logs) is read through, told by its magic bytes. */
async function* chunks(path: string | undefined): AsyncGenerator<Buffer> {
  const iterator = (path === undefined ? process.stdin : createReadStream(path))[Symbol.asyncIterator]()
  const first = await iterator.next()
  if (first.done === true) return
  const head = first.value as Buffer
  const rest = (async function* () {
    yield head
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value as Buffer
  })()
  if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(rest).pipe(createGunzip())
  else yield* rest
}

/** The lines of a file or of stdin (undefined), split at line feeds only, so every other byte stays. */
export async function* inputLines(path: string | undefined): AsyncGenerator<InputLine> {
  let parts: Buffer[] = []
  let number = 0
  for await (const chunk of chunks(path)) {
    let start = 0
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      parts.push(chunk.subarray(start, end))
      yield { bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts), number: ++number, ended: true }
      parts = []
      start = end + 1
    }
    if (start < chunk.length) parts.push(chunk.subarray(start))
  }
  if (parts.length > 0) yield { bytes: Buffer.concat(parts), number: ++number, ended: false }
}
