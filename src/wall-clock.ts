/**
 * Milliseconds since the epoch, for the file sinks' own timing (lock ages, when to compress), read
 * without Date.now(): tests give the logger a clock by replacing it, and the time of a record must
 * not depend on whether a file happened to rotate before it.
 */
export function wallClock(): number {
  return performance.timeOrigin + performance.now()
}
