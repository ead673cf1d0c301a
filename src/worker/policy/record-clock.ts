import { wallClock } from '../../wall-clock.js'

/**
 * The records' clock in the worker (the `now` option's time, which tests fix): the latest
 * record's time, carried on by the wall clock between records, so that a timer can close windows
 * no record comes to close.
 */
export class RecordClock {
  private lastTime = -Infinity
  private lastWall = 0

  /** A record at `time` came. */
  saw(time: number): void {
    if (time > this.lastTime) {
      this.lastTime = time
      this.lastWall = wallClock()
    }
  }

  /** Now by the records' clock; -Infinity before the first record. */
  now(): number {
    return this.lastTime + (wallClock() - this.lastWall)
  }
}
