import { createClient } from 'redis'
import { ScriptedServer } from './scripted-server.js'

const clientOf = (url: string) => createClient({ url })
type Client = ReturnType<typeof clientOf>

/** A private Redis server (scripts/services/redis.sh) with an append-only file: SIGTERM writes it, and a restart has the same data. */
export class TestRedis extends ScriptedServer {
  constructor() {
    super('redis.sh', 'SIGTERM')
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** A client of the server for the test's own reads, closed after `use`. */
  async with<T>(use: (client: Client) => Promise<T>): Promise<T> {
    const client = clientOf(this.url)
    client.on('error', () => {})
    await client.connect()
    try {
      return await use(client)
    } finally {
      client.destroy()
    }
  }

  protected async answers(): Promise<boolean> {
    try {
      return (await this.with((client) => client.ping())) === 'PONG'
    } catch {
      return false
    }
  }
}
