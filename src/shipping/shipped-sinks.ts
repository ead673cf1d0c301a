import { keepingAlive } from '../keep-alive.js'
import type { SinkConfig } from '../worker/branch.js'
import { SinkCounters, type ShippingMetrics } from './sink-counters.js'
import type { ShipConfig } from './ship-options.js'

/** A logger's network sinks, as the calling thread sees them: their shared counters. */
export class ShippedSinks {
  private readonly sinks: { config: ShipConfig; counters: SinkCounters }[]

  constructor(sinks: readonly SinkConfig[]) {
    this.sinks = sinks.flatMap(({ ship }) => (ship === undefined ? [] : [{ config: ship, counters: new SinkCounters(ship.counters) }]))
  }

  get any(): boolean {
    return this.sinks.length > 0
  }

  /** Some sink holds records in memory. */
  get inFlight(): boolean {
    return this.sinks.some(({ counters }) => counters.inFlight > 0)
  }

  metrics(): ShippingMetrics[] {
    return this.sinks.map(({ config, counters }) => counters.metrics(config.name, config.type))
  }

  /**
   * For flush(): once `seal` has asked for the batches being made to go now, resolves when each sink
   * holds nothing in memory (sent, refused, spooled or dropped), or when its close timeout passed:
   * what it still holds then stays in its memory and counts as in flight.
   */
  async settled(seal: () => void): Promise<void> {
    if (this.sinks.length === 0) return
    seal()
    await keepingAlive(Promise.all(this.sinks.map(async ({ config, counters }) => {
      const deadline = performance.now() + config.closeTimeoutMs
      while (counters.inFlight > 0) {
        const left = deadline - performance.now()
        if (left <= 0) return
        await counters.changeAfter(counters.changes, Math.min(left, 50))
      }
    })))
  }
}
