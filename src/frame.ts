/**
 * The frame layout both sides agree on. Every frame is 8-byte aligned in the ring.
 *
 *   0  int32   length in bytes, header included, before alignment
 *   4  uint8   kind
 *   5  uint8   level (records) or fragment flags (fragments)
 *   8  float64 time, ms since the epoch
 *   16 uint32  bindings id (0: none; an event definition: the event id)
 *   20 uint32  request context id (0: none)
 *   24         payload
 *
 * A fragment has only the first 8 bytes of header; its payload is a slice of one large frame.
 */
export const HEADER_BYTES = 24
export const FRAGMENT_HEADER_BYTES = 8

export const OFFSET_KIND = 4
export const OFFSET_LEVEL = 5
export const OFFSET_TIME = 8
export const OFFSET_BINDINGS = 16
export const OFFSET_CONTEXT = 20

/** A log record: payload is msgpack message (str or nil), then an optional msgpack map of fields. */
export const KIND_RECORD = 1
/** Child bindings or a request context: payload is a msgpack map, referred to afterwards by its id. */
export const KIND_BINDINGS = 2
/** The bindings id is no longer used by any logger. */
export const KIND_RELEASE = 3
/** Records were dropped before this point: payload is their count as uint32. */
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

export const FRAGMENT_FIRST = 1
export const FRAGMENT_LAST = 2
