import { wallClock } from './wall-clock.js'

/** Pino's number for error: records at it or above count into the error rate. */
const ERROR = 50
const SLOTS = 6
const SLOT_MS = 10_000

/**
 * A logger tree's records per level as its calling thread sees them: logged, and of those dropped
 * (the ring full, or logged after close()); and the error-level records of the last minute.
 */
export class LevelCounts {
  readonly logged = new Float64Array(256)
  readonly dropped = new Float64Array(256)
  /** When a record was last dropped (-Infinity: never). */
  lastDroppedAt = -Infinity
  /** Error records per 10 s slot, and which slot (time / SLOT_MS) each holds. */
  private readonly errors = new Float64Array(SLOTS)
  private readonly errorSlots = new Float64Array(SLOTS).fill(-1)

  /** A record at `level` was logged; `kept`: the ring took it. */
  count(level: number, kept: boolean): void {
    this.logged[level]++
    if (!kept) {
      this.dropped[level]++
      this.lastDroppedAt = wallClock()
    }
    if (level >= ERROR) this.error(wallClock())
  }

  /** Error-level records logged in the last minute (six 10-second slots). */
  errorsLastMinute(now: number): number {
    const slot = Math.floor(now / SLOT_MS)
    let sum = 0
    for (let i = 0; i < SLOTS; i++) if (slot - this.errorSlots[i] < SLOTS) sum += this.errors[i]
    return sum
  }

  private error(now: number): void {
    const slot = Math.floor(now / SLOT_MS)
    const i = slot % SLOTS
    if (this.errorSlots[i] !== slot) {
      this.errorSlots[i] = slot
      this.errors[i] = 0
    }
    this.errors[i]++
  }
}
