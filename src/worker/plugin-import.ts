/**
 * `import()` as Node does it, in both builds: TypeScript turns `import()` into `require()` in the
 * CommonJS build, which cannot load an ES module, nor a file URL. (pino's `realImport` does the same.)
 */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>

/**
 * The function a plugin module exports, loaded in the worker from the file URL its options reader
 * resolved: its default export, or the named export `name`. A CommonJS module's `module.exports`,
 * and one transpiled with `exports.default` (a default within the default), are found too.
 */
export async function importFunction(url: string, name?: string): Promise<(...args: never[]) => unknown> {
  const module = await importModule(url)
  let found = module.default
  if (found !== null && typeof found === 'object') found = (found as Record<string, unknown>).default ?? (name === undefined ? undefined : (found as Record<string, unknown>)[name])
  if (typeof found !== 'function' && name !== undefined) found = module[name]
  if (typeof found !== 'function') throw new TypeError(`${url} exports no function (a default export${name === undefined ? '' : ` or ${name}`})`)
  return found as (...args: never[]) => unknown
}
