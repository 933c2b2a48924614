#!/usr/bin/env node
// Runs the CLI from the compiled sources (npm run build) — or from the bundle inside a packaged extension.
const fs = require('fs');
const path = require('path');
const candidates = [path.join(__dirname, '..', 'out', 'src', 'cli', 'main.js'), path.join(__dirname, '..', 'dist', 'cli.js')];
const entry = candidates.find((p) => fs.existsSync(p));
if (!entry) {
  process.stderr.write('flowmorph: not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then((code) => process.exit(code));
