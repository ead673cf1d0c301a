import type { EventSchema } from '../../events/schema.js'
import type { TimeFormatName } from './time-format.js'
import type { Limits } from './values.js'

export type FormatName = 'json' | 'logfmt' | 'text' | 'csv' | 'pretty' | 'ecs' | 'gcp'
export const FORMAT_NAMES: readonly FormatName[] = ['json', 'logfmt', 'text', 'csv', 'pretty', 'ecs', 'gcp']

/** Everything a format needs to know; plain data, because it crosses into the worker. */
export interface FormatOptions {
  format: FormatName
  messageKey: string
  timeKey: string
  levelKey: string
  levelFormat: 'label' | 'number'
  timeFormat: TimeFormatName
  /** csv: the columns, by key (the time, level and message keys included). */
  columns: readonly string[]
  /** pretty: write ANSI colors. */
  colors: boolean
  /** gcp: the Google Cloud project of the trace ids. */
  gcpProject: string | undefined
  limits: Limits
  /** Level number to label, custom levels included. */
  labels: Readonly<Record<number, string>>
}

/** The message of the record written in place of records that were dropped. */
export const DROPPED_MESSAGE = 'ringlog dropped records: the ring was full'
export const WARN = 40
/** The key of a record's number (`sequence: true`), and of the ranges of dropped ones. */
export const SEQUENCE_KEY = 'seq'
export const DROPPED_SEQUENCE_KEY = 'droppedSeq'

/**
 * Turns record frames into text in an Output. `Prepared` is what the format makes of a child's
 * bindings or a request context once, so records that refer to them by id pay nothing more.
 * `Event` is what it makes of a declared event's schema once: compiled code that reads its frames.
 */
export interface Format<Prepared, Event = unknown> {
  prepareBindings(payload: Buffer): Prepared
  /**
   * The record whose message (msgpack str or nil) starts at p and whose fields run to end;
   * `sequence` is its number (`seq`), 0 when it has none.
   */
  record(
    level: number, time: number, src: Buffer, p: number, end: number, bindings: Prepared | undefined, context: Prepared | undefined, sequence: number,
  ): void
  prepareEvent(schema: EventSchema): Event
  /** A declared event's frame at src[frame...], written as the record `{ event, v, ...fields }` with the event's message. */
  event(
    level: number, time: number, event: Event, src: Buffer, frame: number, bindings: Prepared | undefined, context: Prepared | undefined, sequence: number,
  ): void
  /** A warning that `count` records were dropped because the ring was full, and the ranges of their numbers (`droppedSeq`), if they had any. */
  dropped(time: number, count: number, ranges: readonly [number, number][]): void
  /** The line a new output starts with (csv's header), or nothing. */
  header(): void
}

export function levelText(options: FormatOptions, level: number): string {
  return options.labels[level] ?? String(level)
}
