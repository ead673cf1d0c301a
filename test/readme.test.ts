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

// Times differ from run to run: ISO times, epoch milliseconds, and pretty's time of day.
const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g
const EPOCH = /"time":\d{13}/g
const CLOCK = /^\d\d:\d\d:\d\d\.\d{3} /gm
// csv ends its lines with CRLF, which a Markdown block cannot show.
const normalize = (text: string): string => text.replaceAll('\r\n', '\n').replace(ISO_TIME, '<time>').replace(EPOCH, '"time":<epoch>').replace(CLOCK, '<clock> ')

describe('README examples', () => {
  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5)
  })

  it.each(examples)('prints what README says: $title', ({ code, expected }) => {
    const file = join(tempDir(), 'example.mjs')
    writeFileSync(file, code.replaceAll("from 'ringlog'", `from '${entry}'`))
    // The examples decide colors and levels themselves, not the environment the tests run in.
    const env = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, LOG_LEVEL: undefined, LOG_FORMAT: undefined }
    const stdout = execFileSync(process.execPath, [file], { encoding: 'utf8', env })
    expect(normalize(stdout)).toBe(normalize(expected))
  })
})
