// The logfmt package ships no types; the one function the tests use.
declare module 'logfmt' {
  const logfmt: {
    /** One line's pairs: a bare word is `true`, an empty bare value `null`, the rest strings. */
    parse(line: string): Record<string, string | boolean | null>
  }
  export default logfmt
}
