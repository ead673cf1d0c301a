import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, onTestFinished } from 'vitest'

/** A fresh temporary directory, removed when the test (or the suite) that made it finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringlog-test-'))
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  // Inside a test, removed when it finishes; made while collecting a suite, when the file is done.
  try {
    onTestFinished(remove)
  } catch {
    afterAll(remove)
  }
  return dir
}

/** The non-empty lines of a file, parsed as JSON. */
export function readRecords(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
}

export function countLines(path: string): number {
  const bytes = readFileSync(path)
  let n = 0
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) n++
  return n
}

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs a fixture script in its own Node process. `onStdout` sees each chunk of its output, with the
 * child process, so a test can signal it at the right moment; `options` gives it an environment and
 * node flags.
 */
export function runFixture(
  name: string,
  args: string[],
  onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.execArgv ?? []), fixture(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      onStdout?.(chunk, child)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** A deterministic clock for Date.now(), so two runs give the same bytes. Returns the restore function. */
export function fixedClock(start = Date.UTC(2026, 10, 28, 2, 4, 27, 123)): () => void {
  const real = Date.now
  let t = start
  Date.now = () => t++
  return () => {
    Date.now = real
  }
}
