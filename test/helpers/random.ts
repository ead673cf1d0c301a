/** A seeded PRNG (mulberry32) and the picks the randomized tests make with it: the same seed gives the same values. */

/** mulberry32, written apart from the sampler's: the oracle for which records a seeded `sample.rate` keeps. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Random {
  /** A number in [0, 1). */
  protected readonly next: () => number

  constructor(seed: number) {
    this.next = mulberry32(seed)
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]
  }

  /** One of the weighted choices. */
  weighted<T>(choices: readonly (readonly [number, () => T])[]): T {
    let total = 0
    for (const [weight] of choices) total += weight
    let r = this.next() * total
    for (const [weight, make] of choices) {
      if ((r -= weight) < 0) return make()
    }
    return choices[choices.length - 1][1]()
  }
}
