import { addExtension } from 'msgpackr'

/**
 * A string holding a lone surrogate (half of a UTF-16 pair, as in a string cut between the two).
 * UTF-8 cannot carry one: msgpackr writes U+FFFD for it, which would merge it with U+FFFD itself and
 * with every other lone surrogate. So the calling thread packs such a string (a value, a key, the
 * message) as this extension, its UTF-16 code units, and the worker decodes it to the same string,
 * which the formats write escaped (`\ud800`). Registered in msgpackr's table of extensions, which is
 * the module's, so both threads have it once this file is loaded.
 */
export class LoneSurrogates {
  constructor(readonly text: string) {}
}

/** The extension's type byte: one that msgpackr's own types do not use. */
const TYPE = 0x57

addExtension({
  Class: LoneSurrogates,
  type: TYPE,
  pack: (value: LoneSurrogates) => Buffer.from(value.text, 'utf16le'),
  unpack: (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf16le'),
})

/** A string as the calling thread packs it: itself, or the extension when it holds a lone surrogate. */
export function carried(text: string): string | LoneSurrogates {
  return text.isWellFormed() ? text : new LoneSurrogates(text)
}

/** An object whose keys are carried too: a Map when one of them holds a lone surrogate (a plain object's keys are packed as UTF-8). */
export function withCarriedKeys(object: Record<string, unknown>): Record<string, unknown> | Map<unknown, unknown> {
  const keys = Object.keys(object)
  if (keys.every((key) => key.isWellFormed())) return object
  return new Map(keys.map((key) => [carried(key), object[key]]))
}
