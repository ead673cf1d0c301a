import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers/files.js'

const root = new URL('..', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')
const entry = pathToFileURL(join(root.pathname, 'dist/src/index.js')).href

/** Each ```js block that is followed directly by a ```text block: the example and its output. */
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g)].map((match) => ({
  code: match[1],
  expected: match[2],
  title: match[1].split('\n').find((line) => /log\.|console\.log/.test(line))?.trim() ?? 'example',
}))

const ISO_TIME = /"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/g
const normalize = (text: string): string => text.replace(ISO_TIME, '"time":"<time>"')

describe('README examples', () => {
  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5)
  })

  it.each(examples)('prints what README says: $title', ({ code, expected }) => {
    const file = join(tempDir(), 'example.mjs')
    writeFileSync(file, code.replaceAll("from 'ringlog'", `from '${entry}'`))
    const stdout = execFileSync(process.execPath, [file], { encoding: 'utf8' })
    expect(normalize(stdout)).toBe(normalize(expected))
  })
})
