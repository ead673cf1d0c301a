import { Packr } from 'msgpackr'
import { HEADER_BYTES, KIND_BINDINGS, KIND_RECORD, OFFSET_KIND, payloadEnd } from '../../frame.js'
import { STAT_FAILED } from '../../ring.js'
import type { EncryptConfig } from '../../encryption/encrypt-options.js'
import { sealValue } from '../../encryption/field-cipher.js'
import { keyBytes, keyId } from '../../encryption/key-material.js'
import { SubjectKeys } from '../../encryption/subject-keys.js'
import { PlainDecoder } from '../format/plain-decoder.js'
import { plainJson, type Limits, type Plain, type PlainObject } from '../format/values.js'
import { importFunction } from '../plugin-import.js'
import { compilePaths, ends, PathKeyScan, step, type RedactNode } from './redact.js'
import type { FrameSink } from './record-policy.js'
import { WHOLE, type RecordView } from './record-view.js'
import { reencode, reencodeBindings } from './reencode.js'
import { wallClock } from '../../wall-clock.js'


/** Frames held while a key provider answers, at most; past this, records are dropped and counted as failed. */
const MAX_WAITING_BYTES = 8 << 20

interface Key {
  id: string
  bytes: Buffer
}

/**
 * Field encryption, the last stage before the sinks: the values at the paths, in records and in
 * child bindings and request contexts, each replaced by its sealed string (src/encryption/field-cipher.ts).
 * With `perSubject`, a record's values are sealed with its subject's key. Until the key is known
 * (a key provider answers), frames are held in order; records are never written unsealed: without
 * a key they are dropped and counted as failed.
 */
export class Encryptor {
  private readonly root: readonly RedactNode[]
  /** Records whose bytes hold none of the paths' last keys are passed on without decoding. */
  private readonly scan: PathKeyScan | undefined
  private readonly decoder = new PlainDecoder(WHOLE, true)
  private readonly packr = new Packr({ useRecords: false, moreTypes: true })
  private key: Key | undefined
  private subjects: SubjectKeys | undefined
  private waiting: Buffer[] = []
  private waitingBytes = 0
  loading: boolean
  readonly ready: Promise<void>

  /** The sealed values as the sinks' formats would cut them (maxDepth, maxStringLength, maxArrayLength): a value opened is what the log would have shown. */
  private readonly cut: PlainDecoder
  private readonly maxStringLength: number

  /** @param limits the formats' limits (the logger's: every sink has the same). */
  constructor(
    private readonly config: EncryptConfig,
    limits: Limits,
    private readonly view: (src: Buffer, offset: number, length: number) => RecordView,
    private readonly stats: Float64Array,
    private readonly next: FrameSink,
    private readonly report: (error: unknown) => void,
    loaded: () => void,
  ) {
    this.cut = new PlainDecoder(limits)
    this.maxStringLength = limits.maxStringLength
    this.root = [compilePaths(config.paths)]
    this.scan = PathKeyScan.of(config.paths)
    if (config.key !== undefined) {
      this.use({ id: config.keyId, bytes: Buffer.from(config.key, 'base64') })
      this.loading = false
      this.ready = Promise.resolve()
      return
    }
    this.loading = true
    this.ready = this.provide().then((key) => {
      if (key !== undefined) this.use(key)
      this.loading = false
      const waiting = this.waiting
      this.waiting = []
      this.waitingBytes = 0
      for (const frame of waiting) this.pass(frame, 0, frame.length)
      loaded()
    })
  }

  /** A whole frame, past the policy and the processors. */
  readonly frame = (src: Buffer, offset: number, length: number): void => {
    if (!this.loading) {
      this.pass(src, offset, length)
    } else if (this.waitingBytes + length > MAX_WAITING_BYTES) {
      if (src[offset + OFFSET_KIND] === KIND_RECORD) this.fail(new Error(`more than ${MAX_WAITING_BYTES} bytes of records came before the key provider answered`))
    } else {
      this.waiting.push(Buffer.from(src.subarray(offset, offset + length)))
      this.waitingBytes += length
    }
  }

  /** At close: records held for a key provider that never answered are counted as failed. */
  close(): void {
    const lost = this.waiting.filter((frame) => frame[OFFSET_KIND] === KIND_RECORD).length
    this.waiting = []
    if (lost > 0) this.fail(new Error('closed before the key provider answered'), lost)
  }

  private use(key: Key): void {
    this.key = key
    if (this.config.perSubject !== undefined) this.subjects = new SubjectKeys(this.config.keyStore!, key.bytes)
  }

  private async provide(): Promise<Key | undefined> {
    const provider = this.config.provider!
    try {
      const make = (await importFunction(provider.url)) as (options: Record<string, unknown>) => unknown
      const given = (await make(provider.options)) as { keyId?: unknown; key?: unknown } | null
      if (given === null || typeof given !== 'object') throw new TypeError('its default export gave no { keyId, key }')
      const where = `encrypt.keyProvider ${provider.module}:`
      return { id: given.keyId === undefined ? this.config.keyId : keyId(`${where} keyId`, given.keyId), bytes: keyBytes(`${where} key`, given.key) }
    } catch (error) {
      // Records are dropped from now on: this says why, once.
      this.report(Object.assign(new Error(`key provider ${provider.module} gave no key: ${error instanceof Error ? error.message : String(error)}`), { code: 'encrypt' }))
      return undefined
    }
  }

  private pass(src: Buffer, offset: number, length: number): void {
    const kind = src[offset + OFFSET_KIND]
    if (kind !== KIND_RECORD && kind !== KIND_BINDINGS) return this.next(src, offset, length)
    if (this.key === undefined) {
      if (kind === KIND_RECORD) this.fail(undefined)
      return
    }
    if (this.scan !== undefined && !this.scan.mayHold(src, offset + HEADER_BYTES, payloadEnd(src, offset, length))) return this.next(src, offset, length)
    try {
      if (kind === KIND_RECORD) this.record(src, offset, length)
      else this.bindings(src, offset, length)
    } catch (error) {
      // A value that cannot be sealed (a key store that cannot be written) is never written plain.
      if (kind === KIND_RECORD) this.fail(Object.assign(error as Error, { code: 'encrypt' }))
    }
  }

  private record(src: Buffer, offset: number, length: number): void {
    const view = this.view(src, offset, length)
    const fields = view.fields
    if (fields === undefined) return this.next(src, offset, length)
    const subject = this.config.perSubject === undefined ? undefined : view.get(this.config.perSubject)
    const message = view.message
    if (this.seal(fields, this.root, subject, wallClock()) === 0) return this.next(src, offset, length)
    const encoded = reencode(this.packr, src, offset, length, message, fields)
    this.next(encoded, 0, encoded.length)
  }

  private bindings(src: Buffer, offset: number, length: number): void {
    const fields = this.decoder.fields(src, offset + HEADER_BYTES)
    const path = this.config.perSubject
    let subject: Plain | undefined = fields
    if (path !== undefined) for (const part of path.split('.')) subject = subject !== null && typeof subject === 'object' ? (subject as PlainObject)[part] : undefined
    if (this.seal(fields, this.root, path === undefined ? undefined : subject, wallClock()) === 0) return this.next(src, offset, length)
    const frame = reencodeBindings(this.packr, src, offset, fields)
    this.next(frame, 0, frame.length)
  }

  /** Seals, in place, the values of `value` (at nesting level `depth`) at the paths below `nodes`; how many. */
  private seal(value: PlainObject | Plain[], nodes: readonly RedactNode[], subject: unknown, now: number, depth = 1): number {
    let sealed = 0
    const container = value as Record<string, Plain>
    for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
      const next = step(nodes, String(key))
      if (next.length === 0) continue
      const item = container[key as string]
      if (ends(next)) {
        container[key as string] = this.sealed(this.plaintext(item, depth), subject, now)
        sealed++
      } else if (item !== null && typeof item === 'object' && !((item as unknown) instanceof Date)) {
        sealed += this.seal(item, next, subject, now, depth + 1)
      }
    }
    return sealed
  }

  /** The JSON text the formats would write for `value` at nesting level `depth`, cut to the limits: a container or a string is packed again and decoded as a format decodes it. */
  private plaintext(value: Plain, depth: number): string {
    if (value === null || typeof value !== 'object' && (typeof value !== 'string' || value.length <= this.maxStringLength)) return plainJson(value)
    const packed = this.packr.pack(value)
    return plainJson(this.cut.value(packed, 0, depth) ?? null)
  }

  private sealed(plaintext: string, subject: unknown, now: number): string {
    const key = this.key!
    if (this.subjects === undefined || subject === undefined || subject === null || typeof subject === 'object') return sealValue(key.bytes, key.id, plaintext)
    const { ref, key: subjectKey } = this.subjects.of(String(subject), now)
    return sealValue(subjectKey, `${key.id}/${ref}`, plaintext)
  }

  private fail(error: unknown, records = 1): void {
    this.stats[STAT_FAILED] += records
    if (error !== undefined) this.report(error)
  }
}
