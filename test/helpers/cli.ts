import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `node ...args` with `input` on stdin, in an environment that says nothing about colors.
 * `input` null: stdin is left open (a command that must end without reading it).
 */
export function node(args: string[], input: string | null = '', env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (input !== null) child.stdin.end(input)
  })
}

/** Runs `node dist/src/cli.js ...args` (see node()). */
export function cli(args: string[], input: string | null = '', env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return node([CLI, ...args], input, env)
}
