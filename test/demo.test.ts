import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

describe('npm run demo', () => {
  it('logs through the worker, prints the rate, and finds every record in the file', () => {
    const script = fileURLToPath(new URL('../dist/scripts/demo.js', import.meta.url))
    const stdout = execFileSync(process.execPath, [script], {
      encoding: 'utf8',
      env: { ...process.env, DEMO_RECORDS: '100000' },
    })
    expect(stdout).toMatch(/^calling thread: [\d,]+ logs\/sec; end to end \(written\): [\d,]+ logs\/sec$/m)
    expect(stdout).toContain('"written":100000,"dropped":0,"failed":0')
    expect(stdout).toContain('all 100,000 records are in the file')
  })
})
