/**
 * The last step of `npm run build`: dist/cjs/package.json, which makes the CommonJS build's .js
 * files CommonJS (the package itself is "type": "module") and maps its `#build` to the CommonJS
 * build's own module (src/builds/cjs.ts), as package.json maps the ES module build's.
 */
import { writeFileSync } from 'node:fs'

const scope = { type: 'commonjs', imports: { '#build': './src/builds/cjs.js' } }
writeFileSync(new URL('../cjs/package.json', import.meta.url), `${JSON.stringify(scope, null, 2)}\n`)
