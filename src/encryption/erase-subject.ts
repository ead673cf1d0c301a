import { invalid } from '../validate.js'
import { keyBytes } from './key-material.js'
import { deleteSalts } from './subject-keys.js'

/** What eraseSubject() needs: the logger's `keyStore`, its master keys (every one that was used), the subject. */
export interface EraseSubjectOptions {
  keyStore: string
  /** One master key, or several (each key id ever used with this key store). */
  keys: string | Uint8Array | (string | Uint8Array)[]
  /** The subject's value, as in the records' `perSubject` field. */
  subject: string
}

/**
 * Crypto-shredding for an erasure request: deletes the subject's salts, so every value sealed for
 * it, in every log file and backup, can no longer be opened. Nothing is rewritten. True when the
 * subject had a salt under one of the keys.
 */
export function eraseSubject(options: EraseSubjectOptions): boolean {
  const { keyStore, keys, subject } = options
  if (typeof keyStore !== 'string' || keyStore === '') invalid('eraseSubject keyStore', keyStore, "the encrypt option's keyStore directory")
  if (typeof subject !== 'string') invalid('eraseSubject subject', subject, 'the subject as a string')
  const list = Array.isArray(keys) ? keys : [keys]
  return deleteSalts(keyStore, list.map((key, i) => keyBytes(`eraseSubject keys[${i}]`, key)), subject)
}
