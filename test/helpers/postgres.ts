import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { ScriptedServer } from './scripted-server.js'

/** A private PostgreSQL server (scripts/services/postgres.sh); SIGINT is its fast shutdown, which ends sessions as a restart does. */
export class TestPostgres extends ScriptedServer {
  constructor() {
    super('postgres.sh', 'SIGINT')
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
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

  protected async answers(): Promise<boolean> {
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

  /** Its pid file gone: a server started before that refuses to. */
  protected override async stopped(): Promise<void> {
    for (const pid = join(this.dir, 'data', 'postmaster.pid'); existsSync(pid);) await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
