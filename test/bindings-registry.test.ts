import { describe, expect, it } from 'vitest'
import { BindingsRegistry } from '../dist/src/bindings.js'
import { CONSUMER_IDS, OFFSET_BINDINGS } from '../dist/src/frame.js'

/** An announcing frame's header, with its id. */
function frameOf(id: number): Uint8Array {
  const frame = new Uint8Array(24)
  new DataView(frame.buffer).setUint32(OFFSET_BINDINGS, id, true)
  return frame
}

describe('bindings ids of the calling thread', () => {
  it("stay below the ids consumers give inline fields, and after the last start from 1 again, skipping those still in use", () => {
    const registry = new BindingsRegistry(() => 0, () => 0)
    const owner = {}
    const first = registry.nextId()
    registry.add(owner, first, frameOf(first))
    // As after 2^30 - 3 announcements.
    Object.assign(registry, { next: CONSUMER_IDS - 2 })
    // 1 is live: skipped.
    expect([registry.nextId(), registry.nextId(), registry.nextId()]).toEqual([CONSUMER_IDS - 2, CONSUMER_IDS - 1, first + 1])
  })
})
