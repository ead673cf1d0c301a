import { SEQUENCE, type Hub } from './hub.js'
import { shared } from './shared.js'

/**
 * Record numbers for `sequence: true`: one counter for the whole process, in the hub, so the numbers
 * of every logger in every thread follow the order records were logged, and a gap means a record
 * is missing. The shared counter has 32 bits; each thread counts the times it wrapped, which it
 * sees as long as it logs at least once every 2^31 records of the process.
 */
export class SequenceCounter {
  private high = 0
  private last = 0

  constructor(private readonly hub: Hub) {}

  next(): number {
    const low = (Atomics.add(this.hub.ints, SEQUENCE, 1) + 1) >>> 0
    if (low < this.last) this.high += 2 ** 32
    this.last = low
    return this.high + low
  }
}

/** This thread's counter over the process's hub (one for both builds: each would count the wraps apart). */
export function sequenceCounter(hub: Hub): SequenceCounter {
  return shared('sequence', () => new SequenceCounter(hub))
}
