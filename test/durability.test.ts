import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../dist/src/index.js'
import { fixture, tempDir } from './helpers/files.js'
import { optionError } from './helpers/option-error.js'

/** Runs the fixture until it has said `rounds` times that a flush resolved, kills it with SIGKILL at once, and returns the last count it said. */
async function killAfterFlushes(file: string, rounds: number): Promise<number> {
  const child = spawn(process.execPath, [fixture('durable-flush.mjs'), file], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = once(child, 'exit')
  let flushed = 0
  let seen = 0
  let text = ''
  await new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl)
        text = text.slice(nl + 1)
        flushed = Number(line.split(' ')[1])
        if (++seen === rounds) {
          child.kill('SIGKILL')
          resolve()
          return
        }
      }
    })
  })
  await exited
  return flushed
}

describe("durability: 'fsync'", () => {
  it('has every record a resolved flush() covered in the file, when SIGKILL comes right after it, 50 times', async () => {
    for (let run = 0; run < 50; run++) {
      const file = join(tempDir(), 'audit.log')
      const flushed = await killAfterFlushes(file, 1 + (run % 7))
      // SIGKILL can stop a write of records logged after the last flush part way: what follows the
      // last line feed is such a record, cut (the next open of the file ends it with a line feed).
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.pop()
      const numbers = lines.map((line) => (JSON.parse(line) as { i: number }).i)
      // Records logged after the last flush may be there too, each once and in order.
      expect(numbers.slice(0, flushed), `run ${run}`).toEqual(Array.from({ length: flushed }, (_, i) => i))
      expect(new Set(numbers).size, `run ${run}`).toBe(numbers.length)
    }
  })

  it("refuses another value, naming the option", () => {
    expect(optionError(() => createLogger({ sinks: [{ type: 'file', path: join(tempDir(), 'x.log'), durability: 'always' as never }] })))
      .toBe("ringlog: invalid option sinks[0].durability: \"always\"; expected one of 'none', 'fsync'")
    expect(optionError(() => createLogger({ sinks: [{ type: 'stdout', durability: 'fsync' } as never] }))).toMatch(/^ringlog: invalid option sinks\[0\]\.durability: "fsync"; expected/)
  })
})
