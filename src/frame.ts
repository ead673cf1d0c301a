/**
 * The frame layout both sides agree on. Every frame is 8-byte aligned in the ring.
 *
 *   0  int32   length in bytes, header included, before alignment
 *   4  uint8   kind
 *   5  uint8   level (records) or fragment flags (fragments)
 *   6  uint8   flags: FLAG_SEQUENCE, FLAG_INLINE_BINDINGS, FLAG_INLINE_CONTEXT
 *   7  uint8   bytes of inline bindings and context at the end (records and events; else 0)
 *   8  float64 time, ms since the epoch
 *   16 uint32  bindings id (0: none; an event definition: the event id)
 *   20 uint32  request context id (0: none)
 *   24         payload
 *
 * A fragment has only the first 8 bytes of header; its payload is a slice of one large frame.
 * A record or an event of a logger with `sequence: true` ends with its number, a float64 after the
 * payload (FLAG_SEQUENCE): numbering a frame is appending to it, whatever encoded it.
 *
 * Small bindings and contexts travel inline: a record or an event of such a child or context ends
 * with their packed fields (bindings first, then context, then the record number if any) instead of
 * referring to an announced id. Before anything else reads the frame, the consumer announces them
 * itself and writes their ids in the header, in place (src/worker/inline-fields.ts): announcing on
 * the calling thread cost a registry entry, a frame and a release per child, more than a request's
 * few records spend on copying a few dozen bytes.
 */
export const HEADER_BYTES = 24
export const FRAGMENT_HEADER_BYTES = 8

export const OFFSET_KIND = 4
export const OFFSET_LEVEL = 5
export const OFFSET_FLAGS = 6
export const OFFSET_TIME = 8
export const OFFSET_BINDINGS = 16
export const OFFSET_CONTEXT = 20

/** A log record: payload is msgpack message (str or nil), then an optional msgpack map of fields. */
export const KIND_RECORD = 1
/** Child bindings or a request context: payload is a msgpack map, referred to afterwards by its id. */
export const KIND_BINDINGS = 2
/** The bindings id is no longer used by any logger. */
export const KIND_RELEASE = 3
/**
 * Records were dropped before this point: payload is their count (uint32), then, 8-byte aligned,
 * the ranges of their record numbers (`sequence: true`) as float64 pairs, first and last.
 */
export const KIND_DROPPED = 4
/** One slice of a frame larger than the ring takes whole. */
export const KIND_FRAGMENT = 5
/** The output starts here: a format with a header (csv) writes it, unless the destination has it already. */
export const KIND_HEADER = 6
/** log.reopen() was called here: file sinks open their path again before the frames after it. */
export const KIND_REOPEN = 7

/** A declared event's definition (src/events/schema.ts): payload is its schema as a msgpack map; the bindings id is the event id. */
export const KIND_EVENT_DEFINITION = 8
/** A declared event: payload laid out by src/events/layout.ts, typed values without keys. */
export const KIND_EVENT = 9

/** The frame ends with its record number (`sequence: true`). */
export const FLAG_SEQUENCE = 1
/** The bindings are packed at the frame's end, before the record number. */
export const FLAG_INLINE_BINDINGS = 2
/** The request context is packed at the frame's end, after inline bindings. */
export const FLAG_INLINE_CONTEXT = 4
export const OFFSET_INLINE_BYTES = 7
/**
 * Bindings ids from here up are a consumer's, for the inline fields it announces itself; the calling
 * thread's stay below. Both below 2^31, where V8 keeps a number as a small integer (a larger one is a
 * heap number: a Map of them measured a tenth of the drain worker's time for a child per record).
 */
export const CONSUMER_IDS = 0x40000000
/** Bindings or contexts packed to at most this many bytes go inline: both fit the header's byte. */
export const INLINE_MAX_BYTES = 127
export const SEQUENCE_BYTES = 8

/** Where a record's or an event's payload ends: before its inline bindings and context and its record number. */
export function payloadEnd(src: Uint8Array, offset: number, length: number): number {
  return offset + length - (src[offset + OFFSET_FLAGS] & FLAG_SEQUENCE ? SEQUENCE_BYTES : 0) - src[offset + OFFSET_INLINE_BYTES]
}

/** A frame's record number, or 0 when it has none. */
export function sequenceOf(src: Buffer, offset: number, length: number): number {
  return src[offset + OFFSET_FLAGS] & FLAG_SEQUENCE ? src.readDoubleLE(offset + length - SEQUENCE_BYTES) : 0
}

export const FRAGMENT_FIRST = 1
export const FRAGMENT_LAST = 2
