import { createHash, type Hash } from 'node:crypto'
import { inputLines } from '../cli/input-lines.js'
import { CHECKPOINT_START, checkMac, lineHash32, lineHash, readCheckpoint, type VerifyKeys } from './checkpoint.js'

/** The first problem found: where, and what. */
class Tampered extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(message)
  }
}

interface BlockLine {
  number: number
  hash: number
}

/** The chain as read so far, in order: the block since the last checkpoint, and what the next one must say. */
class ChainReader {
  private prev: string | undefined
  private seq = 0
  private total = 0
  checkpoints = 0
  lines = 0
  private block: BlockLine[] = []
  private digest: Hash = createHash('sha256')
  /** The file the lines are in. */
  file = ''

  constructor(private readonly keys: VerifyKeys) {}

  startFile(file: string): void {
    this.file = file
  }

  line(bytes: Buffer, number: number, ended: boolean): void {
    if (bytes.subarray(0, CHECKPOINT_START.length).toString('latin1') === CHECKPOINT_START) return this.checkpoint(bytes.toString('utf8'), number)
    this.block.push({ number, hash: lineHash32(bytes, 0, bytes.length) })
    this.digest.update(bytes)
    if (ended) this.digest.update('\n')
    this.lines++
  }

  /** The file ended: its lines must be sealed, unless it is the newest and `open`. */
  endFile(lastNumber: number, open: boolean): void {
    if (this.block.length > 0 && !open) {
      const { number } = this.block[0]
      throw new Tampered(this.file, lastNumber + 1, `missing: the file ends without the checkpoint that seals lines ${number}-${lastNumber} (lines were removed from its end, or the logger did not close it)`)
    }
    this.block = []
    this.digest = createHash('sha256')
  }

  private checkpoint(text: string, number: number): void {
    const read = readCheckpoint(text)
    if (read === undefined) throw new Tampered(this.file, number, 'a damaged checkpoint')
    const { checkpoint } = read
    const mac = checkMac(read, this.keys)
    if (mac !== true) throw new Tampered(this.file, number, `checkpoint ${checkpoint.seq}: ${mac}`)
    const block = this.block
    const first = block.length === 0 ? number : block[0].number
    if (this.prev === undefined) {
      if (block.length > 0) throw new Tampered(this.file, first, `lines ${first}-${number - 1} come before the first checkpoint: the chain does not cover them`)
    } else if (checkpoint.prev !== this.prev || checkpoint.seq !== this.seq) {
      if (checkpoint.prev === '') throw new Tampered(this.file, number, 'a new chain starts here: the files before it are not linked to it')
      // Checkpoints are missing: the lines they sealed come first, as many as the totals say, then
      // this one's (after a damaged one, one line more). Otherwise this checkpoint is the line out of place.
      const before = checkpoint.total - checkpoint.lines - this.total
      if (block.length === 0 && before > 0) throw new Tampered(this.file, number, `${before} lines and ${checkpoint.seq - this.seq} checkpoints are missing before it: a file of the chain is missing, or the start of this one`)
      const stored = Buffer.from(checkpoint.hashes, 'base64url')
      const sealedFrom = (at: number): boolean => block.length - at === checkpoint.lines && block.slice(at).every((line, i) => line.hash === stored.readUInt32BE(i * 4))
      if (before >= 0 && before < block.length && (sealedFrom(before) || sealedFrom(before + 1))) {
        throw new Tampered(this.file, block[before].number, `a checkpoint was removed or damaged here (${checkpoint.seq - this.seq} missing before checkpoint ${checkpoint.seq})`)
      }
      if (before === block.length && checkpoint.lines === 0) throw new Tampered(this.file, number, `a checkpoint was removed before this one (checkpoint ${checkpoint.seq})`)
      throw new Tampered(this.file, number, `checkpoint ${checkpoint.seq} is out of place: inserted or moved`)
    }
    const stored = Buffer.from(checkpoint.hashes, 'base64url')
    const count = Math.min(block.length, stored.length >> 2)
    for (let i = 0; i < count; i++) {
      if (block[i].hash !== stored.readUInt32BE(i * 4)) throw new Tampered(this.file, block[i].number, `changed, inserted or moved (checkpoint ${checkpoint.seq} sealed another line here)`)
    }
    if (block.length > checkpoint.lines) throw new Tampered(this.file, block[checkpoint.lines].number, `inserted or moved (checkpoint ${checkpoint.seq} sealed ${checkpoint.lines} lines before it)`)
    if (block.length < checkpoint.lines) throw new Tampered(this.file, number, `${checkpoint.lines - block.length} lines were removed before this checkpoint`)
    if (this.digest.digest('base64url') !== checkpoint.digest) throw new Tampered(this.file, first, `the lines ${first}-${number - 1} were changed (their digest differs from checkpoint ${checkpoint.seq})`)
    this.prev = lineHash(text)
    this.seq = checkpoint.seq + 1
    this.total = checkpoint.total
    this.checkpoints++
    this.block = []
    this.digest = createHash('sha256')
  }
}

/** A file that cannot be read (not there, gzip that is not): the error, naming it. */
function unreadable(file: string, error: unknown): never {
  throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`)
}

/** The first checkpoint of a file, for the chain's order: its seq, or undefined when it has none. */
async function firstSeq(file: string): Promise<number | undefined> {
  for await (const line of inputLines(file)) {
    const read = readCheckpoint(line.bytes.toString('utf8'))
    if (read !== undefined) return read.checkpoint.seq
  }
  return undefined
}

/** What verifyFiles() found: the chain whole, or its first problem. */
export type Verified =
  | { ok: true; lines: number; checkpoints: number; files: string[] }
  | { ok: false; file: string; line: number; message: string }

/**
 * Verifies the files of one chain, in the chain's order (by their first checkpoint). `open`: the
 * newest file may end with lines no checkpoint seals yet. Throws for a file that cannot be read.
 */
export async function verifyFiles(files: readonly string[], keys: VerifyKeys, open = false): Promise<Verified> {
  const order: { file: string; seq: number }[] = []
  for (const file of files) {
    const seq = await firstSeq(file).catch((error: unknown) => unreadable(file, error))
    if (seq === undefined) return { ok: false, file, line: 1, message: 'no checkpoint in it: not written with integrity, or every checkpoint was removed' }
    order.push({ file, seq })
  }
  order.sort((a, b) => a.seq - b.seq)
  const chain = new ChainReader(keys)
  try {
    for (const [i, { file }] of order.entries()) {
      chain.startFile(file)
      let last = 0
      for await (const line of inputLines(file)) {
        chain.line(line.bytes, line.number, line.ended)
        last = line.number
      }
      chain.endFile(last, open && i === order.length - 1)
    }
  } catch (error) {
    if (error instanceof Tampered) return { ok: false, file: error.file, line: error.line, message: error.message }
    return unreadable(chain.file, error)
  }
  return { ok: true, lines: chain.lines, checkpoints: chain.checkpoints, files: order.map((o) => o.file) }
}

