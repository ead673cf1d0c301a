import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { tempDir } from './files.js'

const SCRIPT = new URL('../../scripts/services/postgres.sh', import.meta.url).pathname

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A private PostgreSQL server (scripts/services/postgres.sh) in a temp dir, on a free port of 127.0.0.1. */
export class TestPostgres {
  url = ''
  private server: ChildProcess | undefined
  private output = ''
  private readonly dir = tempDir()
  private port = 0

  async start(): Promise<this> {
    this.port ||= await freePort()
    this.url = `postgres://postgres@127.0.0.1:${this.port}/postgres`
    this.server = spawn(SCRIPT, [this.dir, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.server.stdout!.on('data', (chunk: Buffer) => (this.output += chunk))
    this.server.stderr!.on('data', (chunk: Buffer) => (this.output += chunk))
    for (const start = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 50))) {
      if (this.server.exitCode !== null) throw new Error(`postgres exited with ${this.server.exitCode}: ${this.output}`)
      if (await this.accepts()) return this
      if (Date.now() - start > 30_000) throw new Error(`postgres did not start in 30 s: ${this.output}`)
    }
  }

  /** Fast shutdown (sessions ended, as a restart ends them), and its pid file gone before it may start again. */
  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined || server.exitCode !== null) return
    server.kill('SIGINT')
    await once(server, 'exit')
    for (const pid = join(this.dir, 'data', 'postmaster.pid'); existsSync(pid);) await new Promise((resolve) => setTimeout(resolve, 20))
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  async query<Row extends object>(text: string): Promise<Row[]> {
    const client = new pg.Client(this.url)
    await client.connect()
    try {
      return (await client.query<Row>(text)).rows
    } finally {
      await client.end()
    }
  }

  private async accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.end()
      return true
    } catch {
      return false
    }
  }
}
