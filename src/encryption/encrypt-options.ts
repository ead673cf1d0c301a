import { moduleOptions, type ModuleOptions } from '../shipping/module-options.js'
import { invalid, optionFields, type Where } from '../validate.js'
import { compilePaths, ends, step, type RedactNode } from '../worker/policy/redact.js'
import { keyBytes, keyId } from './key-material.js'

/** The variable a key is read from when `encrypt` gives neither `key` nor `keyProvider`: `<key id>:<key>`, or a key alone (id 'k1'). */
export const KEY_VARIABLE = 'RINGLOG_ENCRYPTION_KEY'
const DEFAULT_KEY_ID = 'k1'

/**
 * Field encryption: the values at `paths` sealed with AES-256-GCM in the drain worker (see
 * docs/security.md). The key comes from `key`, a key provider module, or `RINGLOG_ENCRYPTION_KEY`.
 */
export interface EncryptOption {
  /** Paths as `redact` takes them: 'user.ssn', 'card.*', 'items[*].iban'. */
  paths: string[]
  /** 32 bytes: a Uint8Array, base64 or hex. */
  key?: string | Uint8Array
  /** The id written with each value, so that a key file with several keys opens each value with its own. @default 'k1' */
  keyId?: string
  /**
   * A module (a package name, a path or a file URL) whose default export, given `options`, returns
   * (or resolves to) `{ keyId, key }`: a key from a KMS. Called once in the drain worker; records wait for it.
   */
  keyProvider?: string | { module: string; options?: Record<string, unknown> }
  /** A field path naming each record's subject (a user id): its values get a key of their own, which erasing the subject destroys. */
  perSubject?: string
  /** The directory of the subjects' salts; needed with `perSubject`. */
  keyStore?: string
}

/** Field encryption as plain data for the worker. */
export interface EncryptConfig {
  paths: string[]
  /** The key as base64, when given by option or variable; undefined with a provider. */
  key: string | undefined
  keyId: string
  provider: ModuleOptions | undefined
  perSubject: string | undefined
  keyStore: string | undefined
}

const KEYS = ['paths', 'key', 'keyId', 'keyProvider', 'perSubject', 'keyStore']

/** The `encrypt` option, checked; the key read from the environment when the option has none. */
export function encryptOption(where: Where, value: unknown, env: NodeJS.ProcessEnv): EncryptConfig | undefined {
  if (value === undefined) return undefined
  // An unknown option's value is not shown: a misspelt `key` (`keys`, `Key`, `secretKey`) holds the key.
  const fields = optionFields(where, value, KEYS, "{ paths: ['user.ssn', ...], key, keyId } (or keyProvider, or the key in RINGLOG_ENCRYPTION_KEY)", true)
  const { paths, perSubject, keyStore } = fields
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((path) => typeof path !== 'string')) {
    return invalid(`${where}.paths`, paths, "a non-empty array of paths like ['user.ssn', 'card.*']")
  }
  paths.forEach((path: string, i) => {
    try {
      compilePaths([path])
    } catch (error) {
      invalid(`${where}.paths[${i}]`, path, (error as Error).message.replace(/^.*expected /, ''))
    }
  })
  if (perSubject !== undefined && (typeof perSubject !== 'string' || perSubject === '')) invalid(`${where}.perSubject`, perSubject, "a field path naming the subject, like 'userId'")
  if (keyStore !== undefined && (typeof keyStore !== 'string' || keyStore === '')) invalid(`${where}.keyStore`, keyStore, 'a directory for the subjects\' salts')
  if (perSubject !== undefined && keyStore === undefined) invalid(`${where}.keyStore`, keyStore, "a directory for the subjects' salts (perSubject needs one)")
  if (keyStore !== undefined && perSubject === undefined) invalid(`${where}.perSubject`, perSubject, 'a field path naming the subject (keyStore is only for perSubject)')
  const config = { paths: paths as string[], perSubject: perSubject as string | undefined, keyStore: keyStore as string | undefined }
  if (fields.keyProvider !== undefined) {
    if (fields.key !== undefined) invalid(`${where}.key`, '(hidden)', 'no key when keyProvider gives it')
    if (fields.keyId !== undefined) invalid(`${where}.keyId`, fields.keyId, 'no keyId when keyProvider gives it')
    const provider = typeof fields.keyProvider === 'string' ? { module: fields.keyProvider } : fields.keyProvider
    if (provider === null || typeof provider !== 'object' || Array.isArray(provider)) return invalid(`${where}.keyProvider`, provider, 'a module, or { module, options }')
    const given = provider as Record<string, unknown>
    for (const key of Object.keys(given)) if (!moduleOptions.keys.includes(key)) invalid(`${where}.keyProvider.${key}`, '(hidden)', 'one of module, options')
    return { ...config, key: undefined, keyId: DEFAULT_KEY_ID, provider: moduleOptions.read(given, (name) => `${where}.keyProvider.${name}`) }
  }
  if (fields.key !== undefined) {
    const id = fields.keyId === undefined ? DEFAULT_KEY_ID : keyId(`${where}.keyId`, fields.keyId)
    return { ...config, key: keyBytes(`${where}.key`, fields.key).toString('base64'), keyId: id, provider: undefined }
  }
  const variable = env[KEY_VARIABLE]
  if (variable === undefined || variable === '') return invalid(`${where}.key`, undefined, `a key: the key option, a keyProvider, or the variable ${KEY_VARIABLE}`)
  const colon = variable.indexOf(':')
  const id = fields.keyId !== undefined ? keyId(`${where}.keyId`, fields.keyId) : colon < 0 ? DEFAULT_KEY_ID : keyId(`variable ${KEY_VARIABLE} (its key id)`, variable.slice(0, colon))
  return { ...config, key: keyBytes(`variable ${KEY_VARIABLE}`, colon < 0 ? variable : variable.slice(colon + 1)).toString('base64'), keyId: id, provider: undefined }
}

/** Whether the value at a dotted field path is sealed, itself or inside a value that is. */
export function sealsPath(config: EncryptConfig, path: string): boolean {
  let nodes: readonly RedactNode[] = [compilePaths(config.paths)]
  for (const key of path.split('.')) {
    nodes = step(nodes, key)
    if (nodes.length === 0) return false
    if (ends(nodes)) return true
  }
  return false
}

