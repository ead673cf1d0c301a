import {
  CONSUMER_IDS, FLAG_INLINE_BINDINGS, FLAG_INLINE_CONTEXT, FLAG_SEQUENCE, HEADER_BYTES, INLINE_MAX_BYTES, KIND_BINDINGS, KIND_RELEASE, OFFSET_BINDINGS, OFFSET_CONTEXT,
  OFFSET_FLAGS, OFFSET_INLINE_BYTES, OFFSET_KIND, OFFSET_TIME, SEQUENCE_BYTES,
} from '../frame.js'
import { mapSize, mapStart, skipValue } from './format/msgpack.js'

type FrameSink = (src: Buffer, offset: number, length: number) => void

const INLINE = FLAG_INLINE_BINDINGS | FLAG_INLINE_CONTEXT
/** Inline fields not seen in this many inline records are released. */
const KEPT = 1024
/** The ids this consumer announces inline fields under (src/frame.ts). */
const FIRST_ID = CONSUMER_IDS
const LAST_ID = 0x7fffffff

interface Announced {
  id: number
  /** The inline record that used it last. */
  used: number
  /** The keys it is known by: its bytes, and those of the bindings and context it merges. 0: released. */
  keys: number
}

/**
 * Turns the bindings and contexts that records carry inline (src/frame.ts) into announced ones,
 * before anything else reads the frame: the first record carrying some fields announces them under
 * an id of this consumer's, and each record carrying them gets that id written in its header, in
 * place. So the policy, the formats and their tables know only announced ids, prepared once per
 * child or request. A consumer that reads the frame again (after one that died) finds the fields
 * still there, and writes ids of its own.
 *
 * A record carrying both bindings and a context (a request's logger, in the request's context:
 * both hold the request id) refers to their merge, `{ ...bindings, ...context }`, announced as its
 * bindings: a key in both would otherwise have every such record's fields merged as objects by the
 * format. When the merge is the context itself, it is the context's id: one announcement serves the
 * request's records and its access record. Fields no record carried lately are released, as a
 * collected child's are.
 */
export class InlineFields {
  /** By the packed fields' bytes (latin1: one character a byte). */
  private readonly announced = new Map<string, Announced>()
  private nextId = FIRST_ID
  /** Counts inline records: what `used` is measured in. */
  private clock = 0
  /** The bindings and release frames: reused. */
  private fieldsOut = Buffer.allocUnsafe(HEADER_BYTES + 2 * INLINE_MAX_BYTES)
  // A child logs many records in a row: the last fields in each place are found again by their bytes alone.
  private readonly lastBindings = new Recent()
  private readonly lastContext = new Recent()
  private readonly lastMerged = new Recent()

  constructor(private readonly next: FrameSink) {}

  readonly frame = (src: Buffer, offset: number, length: number): void => {
    const flags = src[offset + OFFSET_FLAGS]
    if ((flags & INLINE) !== 0) this.announceInline(src, offset, length, flags)
    this.next(src, offset, length)
  }

  private announceInline(src: Buffer, offset: number, length: number, flags: number): void {
    this.clock++
    const end = offset + length - (flags & FLAG_SEQUENCE ? SEQUENCE_BYTES : 0)
    const start = end - src[offset + OFFSET_INLINE_BYTES]
    const time = src.readDoubleLE(offset + OFFSET_TIME)
    if ((flags & INLINE) === INLINE) {
      const middle = skipValue(src, start)
      const merged = this.mergedId(src, start, middle, end, time)
      if (merged !== 0) {
        src.writeUInt32LE(merged, offset + OFFSET_BINDINGS)
        src.writeUInt32LE(0, offset + OFFSET_CONTEXT)
        return
      }
      src.writeUInt32LE(this.idOf(this.lastBindings, src, start, middle, time), offset + OFFSET_BINDINGS)
      src.writeUInt32LE(this.idOf(this.lastContext, src, middle, end, time), offset + OFFSET_CONTEXT)
    } else if (flags & FLAG_INLINE_BINDINGS) {
      src.writeUInt32LE(this.idOf(this.lastBindings, src, start, end, time), offset + OFFSET_BINDINGS)
    } else {
      src.writeUInt32LE(this.idOf(this.lastContext, src, start, end, time), offset + OFFSET_CONTEXT)
    }
    // A record uses two at most: past 4 * KEPT, half of them at least go.
    if (this.announced.size >= 4 * KEPT) this.releaseUnused(time)
  }

  /** The id the fields in src[start, end) are announced under; announced now if they are new. */
  private idOf(recent: Recent, src: Buffer, start: number, end: number, time: number): number {
    const last = recent.find(src, start, end, end)
    if (last !== undefined) {
      last.used = this.clock
      return last.id
    }
    const entry = this.entryOf(src, start, end, time)
    recent.remember(src, start, end, end, entry)
    return entry.id
  }

  /** The id of bindings src[start, middle) merged with the context src[middle, end); 0 when either is not a map. */
  private mergedId(src: Buffer, start: number, middle: number, end: number, time: number): number {
    const last = this.lastMerged.find(src, start, middle, end)
    if (last !== undefined) {
      last.used = this.clock
      return last.id
    }
    // The bindings' length makes the key: the same bytes split elsewhere are other fields.
    const key = `${middle - start} ${src.toString('latin1', start, end)}`
    let entry = this.announced.get(key)
    if (entry === undefined) {
      const merged = mergedMap(src, start, middle, end)
      if (merged === undefined) return 0
      entry = this.entryOf(merged, 0, merged.length, time)
      entry.keys++
      this.announced.set(key, entry)
    }
    entry.used = this.clock
    this.lastMerged.remember(src, start, middle, end, entry)
    return entry.id
  }

  /** What the fields in src[start, end) are announced as: known by their bytes, or announced now under a new id. */
  private entryOf(src: Buffer, start: number, end: number, time: number): Announced {
    const key = src.toString('latin1', start, end)
    const known = this.announced.get(key)
    if (known !== undefined) {
      known.used = this.clock
      return known
    }
    const id = this.nextId
    // Past the last uint32, back to the first: the oldest were released long before.
    this.nextId = id === LAST_ID ? FIRST_ID : id + 1
    const entry = { id, used: this.clock, keys: 1 }
    this.announced.set(key, entry)
    const length = HEADER_BYTES + end - start
    this.header(KIND_BINDINGS, id, time, length)
    src.copy(this.fieldsOut, HEADER_BYTES, start, end)
    this.next(this.fieldsOut, 0, length)
    return entry
  }

  /** Releases the fields no record carried in the last KEPT inline records. */
  private releaseUnused(time: number): void {
    for (const [key, entry] of this.announced) {
      if (this.clock - entry.used < KEPT) continue
      this.announced.delete(key)
      if (--entry.keys > 0) continue
      this.header(KIND_RELEASE, entry.id, time, HEADER_BYTES)
      this.next(this.fieldsOut, 0, HEADER_BYTES)
    }
  }

  private header(kind: number, id: number, time: number, length: number): void {
    const out = this.fieldsOut
    out.fill(0, 0, HEADER_BYTES)
    out.writeInt32LE(length, 0)
    out[OFFSET_KIND] = kind
    out.writeDoubleLE(time, OFFSET_TIME)
    out.writeUInt32LE(id, OFFSET_BINDINGS)
  }
}

/** The last inline fields seen in one place, as bytes (split in two for a merge), with what they were announced as. */
class Recent {
  private readonly bytes = Buffer.allocUnsafe(2 * INLINE_MAX_BYTES)
  private length = -1
  private split = 0
  private entry: Announced | undefined

  /** Its entry, when src[start, end) split at `middle` are the bytes last remembered, and it is not released. */
  find(src: Buffer, start: number, middle: number, end: number): Announced | undefined {
    const entry = this.entry
    if (entry === undefined || entry.keys === 0 || end - start !== this.length || middle - start !== this.split) return undefined
    const bytes = this.bytes
    for (let i = 0; i < this.length; i++) if (bytes[i] !== src[start + i]) return undefined
    return entry
  }

  remember(src: Buffer, start: number, middle: number, end: number, entry: Announced): void {
    const bytes = this.bytes
    for (let i = 0; i < end - start; i++) bytes[i] = src[start + i]
    this.length = end - start
    this.split = middle - start
    this.entry = entry
  }
}

/** A packed map's entries as [key start, value start, value end]. */
function entries(src: Buffer, at: number): [number, number, number][] | undefined {
  const size = mapSize(src, at)
  if (size < 0) return undefined
  const found: [number, number, number][] = []
  let p = mapStart(src, at)
  for (let i = 0; i < size; i++) {
    const value = skipValue(src, p)
    const end = skipValue(src, value)
    found.push([p, value, end])
    p = end
  }
  return found
}

/**
 * `{ ...bindings, ...context }` packed, from the packed maps src[start, middle) and src[middle,
 * end): a key of the context's replaces the bindings' value in its place, its other keys follow.
 * Undefined when either is not a map.
 */
function mergedMap(src: Buffer, start: number, middle: number, end: number): Buffer | undefined {
  const bindings = entries(src, start)
  const context = entries(src, middle)
  if (bindings === undefined || context === undefined || skipValue(src, middle) !== end) return undefined
  const sameKey = (a: [number, number, number], b: [number, number, number]): boolean =>
    a[1] - a[0] === b[1] - b[0] && src.compare(src, b[0], b[1], a[0], a[1]) === 0
  const parts: Buffer[] = []
  const replaced = new Set<[number, number, number]>()
  for (const entry of bindings) {
    const over = context.find((candidate) => sameKey(entry, candidate))
    if (over === undefined) {
      parts.push(src.subarray(entry[0], entry[2]))
    } else {
      replaced.add(over)
      parts.push(src.subarray(entry[0], entry[1]), src.subarray(over[1], over[2]))
    }
  }
  for (const entry of context) if (!replaced.has(entry)) parts.push(src.subarray(entry[0], entry[2]))
  return Buffer.concat([packedMapHeader(bindings.length + context.length - replaced.size), ...parts])
}

/** The msgpack header of a map of `count` entries. */
function packedMapHeader(count: number): Buffer {
  if (count <= 15) return Buffer.from([0x80 | count])
  const header = Buffer.alloc(count <= 0xffff ? 3 : 5)
  header[0] = count <= 0xffff ? 0xde : 0xdf
  if (count <= 0xffff) header.writeUInt16BE(count, 1)
  else header.writeUInt32BE(count, 1)
  return header
}
