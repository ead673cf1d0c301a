import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { GzipMembers } from '../dist/src/worker/shipping/gzip-members.js'

describe('gzip request bodies from one stream', () => {
  it('makes each body a whole gzip member of its own, in the order asked, however many are asked for at once', async () => {
    const gzip = new GzipMembers()
    // Sizes around zlib's 16 KiB output chunk, so that some members span two of its buffers.
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(Array.from({ length: 200 + i * 97 }, (_, j) => `{"i":${i},"j":${j},"r":${(i * 7919 + j * 104729) % 1000003}}\n`).join('')))
    const members = await Promise.all(bodies.map((body) => gzip.gzip(body)))
    for (let i = 0; i < bodies.length; i++) {
      expect(members[i].subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
      expect(gunzipSync(members[i]).equals(bodies[i])).toBe(true)
    }
    gzip.close()
    await expect(gzip.gzip(bodies[0])).rejects.toThrow('the sink is closed')
  })
})
