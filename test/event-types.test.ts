import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/** test/types/event-fields.ts compiled with the project's compiler options, as given or with its @ts-expect-error lines unmarked. */

const FIXTURE = fileURLToPath(new URL('./types/event-fields.ts', import.meta.url))
const MARK = '// @ts-expect-error'

function diagnostics(source: string): { line: number; text: string }[] {
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true,
  }
  const host = ts.createCompilerHost(options)
  const read = host.readFile.bind(host)
  host.readFile = (file) => (file === FIXTURE ? source : read(file))
  const program = ts.createProgram([FIXTURE], options, host)
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === FIXTURE)
    .map((d) => ({ line: d.file!.getLineAndCharacterOfPosition(d.start!).line, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') }))
}

describe("log.event()'s field types", () => {
  const source = readFileSync(FIXTURE, 'utf8')
  const lines = source.split('\n')
  const marked = lines.flatMap((line, n) => (line.trimStart().startsWith(MARK) ? [n + 1] : []))

  it('compiles the right calls, and every marked call is an error the compiler expected', () => {
    expect(marked.length).toBe(10)
    expect(diagnostics(source)).toEqual([])
  }, 60_000)

  it('reports each marked call as a type error when it is not marked', () => {
    const unmarked = lines.map((line) => (line.trimStart().startsWith(MARK) ? '' : line)).join('\n')
    const errors = diagnostics(unmarked)
    expect([...new Set(errors.map((error) => error.line))]).toEqual(marked)
    const at = (n: number): string => errors.filter((error) => error.line === marked[n]).map((error) => error.text).join('\n')
    expect(at(0)).toMatch(/userID/)
    expect(at(5)).toMatch(/extra/)
    expect(at(8)).toMatch(/u64/)
  }, 60_000)
})
