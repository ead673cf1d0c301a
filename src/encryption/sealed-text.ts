import { openSealed, parseSealed, SealedValueError } from './field-cipher.js'
import { readSalt, subjectKey } from './subject-keys.js'

/** A sealed value in a JSON line (a whole string) or in any other line (a token). */
const IN_JSON = /"enc:v1:[^"\\]*"/g
const IN_TEXT = /enc:v1:[^\s"',;]*/g

/**
 * Opens the sealed values of log lines with the keys by id, and the subjects' salts in `store`:
 * each value becomes its JSON text again, in place, so the rest of the line keeps every byte.
 */
export class SealedText {
  /** Values of erased subjects met so far: left sealed. */
  erased = 0

  /** @param names what holds the keys and names the store, for messages: 'the key file', '--key-store'. */
  constructor(private readonly keys: ReadonlyMap<string, Buffer>, private readonly store: string | undefined, private readonly names: { keys: string; store: string }) {}

  /** `line` with its sealed values opened; `failed` is told of each one that cannot be, which stays as it is. */
  line(line: string, failed: (sealed: string, error: SealedValueError) => void): string {
    const json = line.trimStart().startsWith('{')
    return line.replace(json ? IN_JSON : IN_TEXT, (found) => {
      const sealed = json ? found.slice(1, -1) : found
      try {
        return this.open(sealed) ?? found
      } catch (error) {
        if (!(error instanceof SealedValueError)) throw error
        failed(sealed, error)
        return found
      }
    })
  }

  /** The plaintext of one sealed value; undefined for an erased subject's. */
  private open(text: string): string | undefined {
    const sealed = parseSealed(text)
    const master = this.keys.get(sealed.keyId)
    if (master === undefined) throw new SealedValueError(`${this.names.keys} has no key '${sealed.keyId}'`)
    if (sealed.subject === undefined) return openSealed(sealed, master)
    if (this.store === undefined) throw new SealedValueError(`it is sealed for a subject: ${this.names.store} is needed`)
    const salt = readSalt(this.store, sealed.subject)
    if (salt === undefined) {
      this.erased++
      return undefined
    }
    return openSealed(sealed, subjectKey(master, salt, sealed.subject))
  }
}
