import type { Packr } from 'msgpackr'
import { HEADER_BYTES, payloadEnd } from '../../frame.js'
import type { PlainObject } from '../format/values.js'

/**
 * A record frame with the same header (and record number), and the message and fields given: how a
 * stage that changes a record (redaction, processors) hands the sinks the changed one.
 */
export function reencode(packr: Packr, src: Buffer, offset: number, length: number, message: string | undefined, fields: PlainObject | undefined): Buffer {
  const parts = [src.subarray(offset, offset + HEADER_BYTES), packr.pack(message ?? null)]
  if (fields !== undefined) parts.push(packr.pack(fields))
  parts.push(src.subarray(payloadEnd(src, offset, length), offset + length))
  const frame = Buffer.concat(parts)
  frame.writeInt32LE(frame.length, 0)
  return frame
}

/** A bindings frame with the same header (and id), and the fields given: a changed child's bindings or request context. */
export function reencodeBindings(packr: Packr, src: Buffer, offset: number, fields: PlainObject): Buffer {
  const packed = packr.pack(fields)
  const frame = Buffer.allocUnsafe(HEADER_BYTES + packed.length)
  src.copy(frame, 0, offset, offset + HEADER_BYTES)
  packed.copy(frame, HEADER_BYTES)
  frame.writeInt32LE(frame.length, 0)
  return frame
}
