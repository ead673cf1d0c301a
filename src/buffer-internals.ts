/**
 * Node's Buffer has undocumented-but-stable fast paths that skip the encoding-name dispatch of
 * write(); pino's destinations use them too. Declared here so strict TypeScript sees them.
 */
declare global {
  interface Buffer {
    latin1Write(string: string, offset?: number, length?: number): number
    utf8Write(string: string, offset?: number, length?: number): number
    utf8Slice(start?: number, end?: number): string
    latin1Slice(start?: number, end?: number): string
  }
}

export {}
