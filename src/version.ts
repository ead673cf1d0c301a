/** ringlog's version, as in package.json (test/commonjs.test.ts keeps them equal). */
export const VERSION = '0.1.0'
