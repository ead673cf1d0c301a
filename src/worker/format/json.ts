import { unpack, Packr } from 'msgpackr'
import { levelLabel } from '../../levels.js'
import type { Output } from '../output.js'
import { IsoTime } from './iso-time.js'
import { mapHeader, readKey, skipValue, writeMapEntries, writeValue } from './msgpack-json.js'

/** Child bindings made ready once: their JSON members, and their keys to spot a field that overrides one. */
export interface JsonBindings {
  readonly json: Buffer
  readonly keys: ReadonlySet<string>
  readonly payload: Buffer
}

/**
 * One JSON object per line: time, level, msg, then the child bindings, then the request context,
 * then the fields. A later key replaces an earlier one of the same name in its place, as in
 * `{ ...bindings, ...context, ...fields }`.
 */
export class JsonFormat {
  private readonly time = new IsoTime()
  private readonly levelPrefix: string[] = []
  private readonly merger = new Packr({ useRecords: false })

  constructor(private readonly out: Output) {}

  prepareBindings(payload: Buffer): JsonBindings {
    const keys = new Set<string>()
    const header = mapHeader(payload, 0)
    let json: Buffer = Buffer.alloc(0)
    if (header) {
      let p = header[1]
      for (let i = 0; i < header[0]; i++) {
        keys.add(readKey(payload, p))
        p = skipValue(payload, skipValue(payload, p))
      }
      const start = this.out.pos
      writeMapEntries(this.out, payload, header[1], header[0])
      json = Buffer.from(this.out.buf.subarray(start, this.out.pos))
      this.out.pos = start
    }
    return { json, keys, payload }
  }

  /** Writes the record whose message (msgpack str or nil) starts at p and whose fields run to end. */
  record(
    level: number, time: number, src: Buffer, p: number, end: number,
    bindings: JsonBindings | undefined, context: JsonBindings | undefined,
  ): void {
    const out = this.out
    out.ascii('{"time":"')
    out.ascii(this.time.format(time))
    out.ascii(this.levelPrefix[level] ??= `","level":"${levelLabel(level)}"`)
    if (src[p] === 0xc0) {
      p++
    } else {
      out.ascii(',"msg":')
      p = writeValue(out, src, p)
    }
    if (this.collides(src, p, end, bindings, context)) {
      const merged = this.merger.pack({
        ...(bindings && unpack(bindings.payload)),
        ...(context && unpack(context.payload)),
        ...(p < end ? unpack(src.subarray(p, end)) : undefined),
      })
      this.members(merged, 0)
    } else {
      if (bindings !== undefined) out.bytes(bindings.json, 0, bindings.json.length)
      if (context !== undefined) out.bytes(context.json, 0, context.json.length)
      if (p < end) this.members(src, p)
    }
    out.ascii('}\n')
    out.records++
  }

  dropped(time: number, count: number): void {
    const out = this.out
    out.ascii('{"time":"')
    out.ascii(this.time.format(time))
    out.ascii(`","level":"warn","msg":"ringlog dropped records: the ring was full","dropped":${count}}\n`)
    out.records++
  }

  private members(src: Buffer, p: number): void {
    const header = mapHeader(src, p)
    if (header) {
      writeMapEntries(this.out, src, header[1], header[0])
    } else {
      this.out.ascii(',"value":')
      writeValue(this.out, src, p)
    }
  }

  /** True when a key appears twice among bindings, context and fields: then they are merged as objects. */
  private collides(src: Buffer, p: number, end: number, bindings: JsonBindings | undefined, context: JsonBindings | undefined): boolean {
    if (bindings !== undefined && context !== undefined) {
      for (const key of context.keys) if (bindings.keys.has(key)) return true
    }
    if (p >= end || (bindings === undefined && context === undefined)) return false
    const header = mapHeader(src, p)
    if (!header) return false
    let q = header[1]
    for (let i = 0; i < header[0]; i++) {
      const key = readKey(src, q)
      if (bindings?.keys.has(key) || context?.keys.has(key)) return true
      q = skipValue(src, skipValue(src, q))
    }
    return false
  }
}

