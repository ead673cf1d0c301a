import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { invalid, type Where } from '../validate.js'

/**
 * A module the drain worker loads (a pino transport's `target`, a plugin sink's or processor's
 * `module`), resolved here, on the calling thread, so that one that cannot be found throws from
 * createLogger() naming the option. As pino resolves a transport's target: a file URL or an
 * absolute path as it is, a relative path from `process.cwd()`, a package name with
 * `require.resolve` from the application's directory (`process.cwd()`). The worker imports the
 * file URL this returns.
 */
export function resolveModule(where: Where, value: unknown): string {
  if (typeof value !== 'string' || value === '') return invalid(where, value, 'a package name, a path or a file URL')
  const cwd = process.cwd()
  if (value.startsWith('file:') || isAbsolute(value) || value.startsWith('./') || value.startsWith('../')) {
    const path = value.startsWith('file:') ? fileURLToPath(value) : resolve(cwd, value)
    if (!existsSync(path)) return invalid(where, value, `a module that exists (${path} does not)`)
    return pathToFileURL(path).href
  }
  try {
    return pathToFileURL(createRequire(cwd + sep).resolve(value)).href
  } catch (error) {
    const code = (error as { code?: string }).code
    return invalid(where, value, `a package installed where the application runs (${cwd}): ${code ?? 'not found'}`)
  }
}

/**
 * A plugin's `options`, handed to it in the worker: plain data (no functions, no class instances
 * other than structured clone's), because they are posted there. `{}` when not given.
 */
export function pluginOptions(where: Where, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(where, value, 'an object')
  try {
    return structuredClone(value) as Record<string, unknown>
  } catch {
    return invalid(where, value, 'plain data, without functions: it is posted to the drain worker')
  }
}
