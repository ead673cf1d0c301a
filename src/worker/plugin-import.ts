/** Node's own `import()`, which a Function's body keeps as it is (pino's `realImport` is the same). */
const nodeImport = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>

/**
 * The module at a file URL, in both builds. TypeScript turns `import()` into `require()` in the
 * CommonJS build, which takes no file URL (nor an ES module): there, Node's own import is used. The
 * ES module build imports as it is written, which also works where modules run in a vm context (a
 * test runner), where a Function's import has no loader to call.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error
    return nodeImport(url)
  }
}

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
