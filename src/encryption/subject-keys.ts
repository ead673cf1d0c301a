import { createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SALT_BYTES = 32
/** Keys kept by a running logger, at most; the oldest go first. */
const CACHED = 10_000
/** A cached key is checked against the store again after this long: a subject erased meanwhile gets a new salt. */
const RECHECK_MS = 60_000

/**
 * A subject's reference: what its values and its salt's file are known by, so that neither the
 * log nor the key store names the subject. An HMAC of the subject under the master key.
 */
export function subjectRef(master: Buffer, subject: string): string {
  return createHmac('sha256', master).update(`ringlog subject\0${subject}`).digest().subarray(0, 16).toString('base64url')
}

/** The key a subject's values are sealed with: HKDF of the master key and the subject's salt. */
export function subjectKey(master: Buffer, salt: Buffer, ref: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, `ringlog subject key ${ref}`, 32))
}

function saltPath(store: string, ref: string): string {
  return join(store, `${ref}.salt`)
}

/** The salt of `ref` in the store, or undefined when there is none (never made, or erased). */
export function readSalt(store: string, ref: string): Buffer | undefined {
  try {
    const salt = readFileSync(saltPath(store, ref))
    return salt.length === SALT_BYTES ? salt : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * A salt per subject in a directory, one file each, made on first need. A new salt is written
 * under a temporary name and linked into place, which fails if another process linked one first:
 * then that one is used, so every process derives the same key.
 */
export class SubjectKeys {
  private readonly cache = new Map<string, { key: Buffer; at: number }>()

  constructor(private readonly store: string, private readonly master: Buffer) {
    mkdirSync(store, { recursive: true, mode: 0o700 })
  }

  /** The reference and the key of `subject`, its salt made when it has none. */
  of(subject: string, now: number): { ref: string; key: Buffer } {
    const ref = subjectRef(this.master, subject)
    const cached = this.cache.get(ref)
    if (cached !== undefined && now - cached.at < RECHECK_MS) return { ref, key: cached.key }
    this.cache.delete(ref)
    const key = subjectKey(this.master, readSalt(this.store, ref) ?? this.makeSalt(ref), ref)
    if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(ref, { key, at: now })
    return { ref, key }
  }

  private makeSalt(ref: string): Buffer {
    const temporary = join(this.store, `.${ref}.${process.pid}.${randomBytes(4).toString('hex')}`)
    writeFileSync(temporary, randomBytes(SALT_BYTES), { mode: 0o600 })
    try {
      linkSync(temporary, saltPath(this.store, ref))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      unlinkSync(temporary)
    }
    return readSalt(this.store, ref)!
  }
}

/**
 * Erases a subject: deletes its salt under each master key given, so every value sealed for it is
 * unreadable from now on, without touching a log file. True when a salt was there.
 */
export function deleteSalts(store: string, masters: Iterable<Buffer>, subject: string): boolean {
  let erased = false
  for (const master of masters) {
    try {
      unlinkSync(saltPath(store, subjectRef(master, subject)))
      erased = true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return erased
}
