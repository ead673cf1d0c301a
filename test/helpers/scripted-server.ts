import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { tempDir } from './files.js'

/** A TCP port of 127.0.0.1 nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * A server run by one of scripts/services/*.sh (`SCRIPT DIR PORT`, in the foreground) in a temp dir,
 * on a free port of 127.0.0.1 that stays the same across restarts.
 */
export abstract class ScriptedServer {
  protected port = 0
  protected readonly dir = tempDir()
  private server: ChildProcess | undefined
  private output = ''

  constructor(private readonly script: string, private readonly stopSignal: NodeJS.Signals) {}

  /** True once the server answers. */
  protected abstract answers(): Promise<boolean>

  /** Called once the server is stopped, before it may start again. */
  protected async stopped(): Promise<void> {}

  async start(): Promise<this> {
    this.port ||= await freePort()
    const server = (this.server = spawn(new URL(`../../scripts/services/${this.script}`, import.meta.url).pathname, [this.dir, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] }))
    server.stdout!.on('data', (chunk: Buffer) => (this.output += chunk))
    server.stderr!.on('data', (chunk: Buffer) => (this.output += chunk))
    for (const start = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 20))) {
      if (server.exitCode !== null) throw new Error(`${this.script} exited with ${server.exitCode}: ${this.output}`)
      if (await this.answers()) return this
      if (Date.now() - start > 30_000) throw new Error(`${this.script} did not answer in 30 s: ${this.output}`)
    }
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined || server.exitCode !== null) return
    server.kill(this.stopSignal)
    await once(server, 'exit')
    await this.stopped()
  }

  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }
}
