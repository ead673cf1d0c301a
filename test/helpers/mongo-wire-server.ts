import { createServer, type Server, type Socket } from 'node:net'
import { BSON, type Document } from 'bson'

const OP_REPLY = 1
const OP_QUERY = 2004
const OP_MSG = 2013

/**
 * A local server that speaks enough of MongoDB's wire protocol for the official driver: the
 * handshake and monitoring (`hello`/`isMaster`, legacy OP_QUERY or OP_MSG, reporting wire versions
 * the driver accepts), `insert` (OP_MSG, documents in a kind 1 section or in the body), `create`,
 * `ping` and `endSessions`. Every message is decoded with the `bson` package; every inserted
 * document is checked (`_id` a string, `time` a Date, `level` a string, `fields` an object, `msg`
 * a string when there is one); what breaks a rule, or a command it does not know, is answered
 * with an error and kept in `violations`. Inserts are unordered and a duplicate `_id` is refused
 * (code 11000) as the server does. `failInserts` makes the next inserts fail as a network error
 * would (the connection is closed) after they were applied, or before.
 */
export class MongoWireServer {
  readonly collections = new Map<string, Document[]>()
  readonly created: Document[] = []
  readonly violations: string[] = []
  readonly commands: string[] = []
  /** The next N inserts close the connection instead of answering: `applied` whether the documents were kept first. */
  failInserts: { count: number; applied: boolean } = { count: 0, applied: false }
  url = ''
  private server: Server | undefined
  private connections = 0

  async start(): Promise<this> {
    this.server = createServer((socket) => this.serve(socket))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `mongodb://127.0.0.1:${(this.server.address() as { port: number }).port}/?directConnection=true`
    return this
  }

  stop(): void {
    this.server?.close()
  }

  documents(database: string, collection: string): Document[] {
    return this.collections.get(`${database}.${collection}`) ?? []
  }

  private serve(socket: Socket): void {
    const id = ++this.connections
    let pending = Buffer.alloc(0)
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0)
        this.message(socket, id, pending.subarray(0, length))
        pending = pending.subarray(length)
      }
    })
  }

  private message(socket: Socket, connection: number, message: Buffer): void {
    const requestId = message.readInt32LE(4)
    const opCode = message.readInt32LE(12)
    if (opCode === OP_QUERY) {
      // flags, the collection's full name (a cstring), skip, limit, then the query.
      const nameEnd = message.indexOf(0, 20)
      const query = BSON.deserialize(message.subarray(nameEnd + 9))
      socket.write(reply(requestId, this.answer(socket, connection, query, [])))
      return
    }
    if (opCode !== OP_MSG) {
      this.violations.push(`opCode ${opCode}`)
      socket.destroy()
      return
    }
    const flags = message.readUInt32LE(16)
    // The checksum, if there is one, is the message's last 4 bytes.
    const end = flags & 1 ? message.length - 4 : message.length
    let body: Document | undefined
    const sequences: Document[] = []
    for (let p = 20; p < end;) {
      const kind = message[p++]
      const size = message.readInt32LE(p)
      if (kind === 0) {
        body = BSON.deserialize(message.subarray(p, p + size))
      } else {
        const nameEnd = message.indexOf(0, p + 4)
        for (let q = nameEnd + 1; q < p + size; q += message.readInt32LE(q)) sequences.push(BSON.deserialize(message.subarray(q, q + message.readInt32LE(q))))
      }
      p += size
    }
    if (body === undefined) {
      this.violations.push('an OP_MSG without a body')
      socket.destroy()
      return
    }
    const answer = this.answer(socket, connection, body, sequences)
    // moreToCome: no answer is expected.
    if (answer !== undefined && !(flags & 2)) socket.write(msg(requestId, answer))
  }

  private answer(socket: Socket, connection: number, command: Document, sequence: Document[]): Document | undefined {
    const name = Object.keys(command)[0]
    this.commands.push(name)
    switch (name) {
      case 'hello': case 'isMaster': case 'ismaster':
        return {
          helloOk: true, isWritablePrimary: true, ismaster: true, maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId: connection,
          minWireVersion: 0, maxWireVersion: 21, readOnly: false, ok: 1,
        }
      case 'ping': case 'endSessions':
        return { ok: 1 }
      case 'create':
        this.created.push(command)
        if (this.collections.has(`${command.$db}.${command.create}`)) return { ok: 0, code: 48, codeName: 'NamespaceExists', errmsg: 'Collection already exists' }
        this.collections.set(`${command.$db}.${command.create}`, [])
        return { ok: 1 }
      case 'insert':
        return this.insert(socket, command, sequence)
      default:
        this.violations.push(`unknown command ${name}`)
        return { ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: `no such command: '${name}'` }
    }
  }

  private insert(socket: Socket, command: Document, sequence: Document[]): Document | undefined {
    const documents = [...(command.documents as Document[] | undefined ?? []), ...sequence]
    if (command.ordered !== false) this.violations.push('an ordered insert')
    for (const [i, document] of documents.entries()) {
      const problem = typeof document._id !== 'string' ? '_id' : !(document.time instanceof Date) ? 'time' : typeof document.level !== 'string' ? 'level'
        : document.fields === null || typeof document.fields !== 'object' || Array.isArray(document.fields) ? 'fields' : document.msg !== undefined && typeof document.msg !== 'string' ? 'msg' : undefined
      if (problem !== undefined) {
        this.violations.push(`document ${i}: its ${problem}`)
        return { ok: 0, code: 2, codeName: 'BadValue', errmsg: `document ${i}: its ${problem}` }
      }
    }
    const key = `${command.$db}.${command.insert}`
    const stored = this.collections.get(key) ?? []
    this.collections.set(key, stored)
    const fail = this.failInserts.count > 0
    if (fail) this.failInserts.count--
    if (fail && !this.failInserts.applied) {
      socket.destroy()
      return undefined
    }
    const ids = new Set(stored.map((document) => document._id as string))
    const writeErrors: Document[] = []
    let n = 0
    for (const [index, document] of documents.entries()) {
      if (ids.has(document._id as string)) {
        writeErrors.push({ index, code: 11000, errmsg: `E11000 duplicate key error collection: ${key} index: _id_ dup key: { _id: "${document._id}" }` })
        continue
      }
      ids.add(document._id as string)
      stored.push(document)
      n++
    }
    if (fail) {
      socket.destroy()
      return undefined
    }
    return writeErrors.length === 0 ? { n, ok: 1 } : { n, writeErrors, ok: 1 }
  }
}

function header(length: number, responseTo: number, opCode: number): Buffer {
  const head = Buffer.alloc(16)
  head.writeInt32LE(length, 0)
  head.writeInt32LE(0, 4)
  head.writeInt32LE(responseTo, 8)
  head.writeInt32LE(opCode, 12)
  return head
}

/** OP_MSG with one body section. */
function msg(responseTo: number, document: Document): Buffer {
  const body = BSON.serialize(document)
  return Buffer.concat([header(16 + 4 + 1 + body.length, responseTo, OP_MSG), Buffer.alloc(4), Buffer.from([0]), body])
}

/** OP_REPLY with one document (the answer to a legacy OP_QUERY handshake). */
function reply(responseTo: number, document: Document | undefined): Buffer {
  const body = BSON.serialize(document ?? { ok: 0 })
  const fields = Buffer.alloc(20)
  fields.writeInt32LE(8, 0)
  fields.writeInt32LE(1, 16)
  return Buffer.concat([header(16 + 20 + body.length, responseTo, OP_REPLY), fields, body])
}
