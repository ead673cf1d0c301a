import { expect } from 'vitest'

/** The message of the TypeError that `fn` throws for a bad option; fails the test when it throws none. */
export function optionError(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as Error).message
  }
  throw new Error('the option was accepted')
}
