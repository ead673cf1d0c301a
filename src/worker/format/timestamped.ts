import type { EventSchema } from '../../events/schema.js'
import type { Output } from '../output.js'
import type { Format } from './format.js'

/** Bytes of the time before each record. */
export const STAMP_BYTES = 8

/**
 * Another format's records, each after its time as 8 bytes (float64, little-endian, epoch
 * milliseconds): for a destination that takes each record's time beside its text (CloudWatch Logs'
 * events). The stamp is part of the record in the batch, so a spooled batch keeps its times.
 */
export class TimestampedFormat<Prepared, Event> implements Format<Prepared, Event> {
  constructor(private readonly out: Output, private readonly inner: Format<Prepared, Event>) {}

  prepareBindings(payload: Buffer): Prepared {
    return this.inner.prepareBindings(payload)
  }

  record(level: number, time: number, src: Buffer, p: number, end: number, bindings: Prepared | undefined, context: Prepared | undefined, sequence: number): void {
    this.stamp(time)
    this.inner.record(level, time, src, p, end, bindings, context, sequence)
  }

  prepareEvent(schema: EventSchema): Event {
    return this.inner.prepareEvent(schema)
  }

  event(level: number, time: number, event: Event, src: Buffer, frame: number, bindings: Prepared | undefined, context: Prepared | undefined, sequence: number): void {
    this.stamp(time)
    this.inner.event(level, time, event, src, frame, bindings, context, sequence)
  }

  dropped(time: number, count: number, ranges: readonly [number, number][]): void {
    this.stamp(time)
    this.inner.dropped(time, count, ranges)
  }

  /** No header: the formats that have one (csv) are refused for these sinks. */
  header(): void {}

  private stamp(time: number): void {
    const { out } = this
    out.ensure(STAMP_BYTES)
    out.buf.writeDoubleLE(time, out.pos)
    out.pos += STAMP_BYTES
  }
}
