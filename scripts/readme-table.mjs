// Copies the table of the last full `npm run bench` (bench/results/README-table.md) into README.md
// between its bench-table markers, atomically. Run after a full benchmark: node scripts/readme-table.mjs
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const readme = path.join(root, 'README.md');
const table = fs
  .readFileSync(path.join(root, 'bench/results/README-table.md'), 'utf8')
  .split('\n')
  .filter((l) => !l.startsWith('<!-- written by'))
  .join('\n')
  .trim();
const text = fs.readFileSync(readme, 'utf8');
const start = text.match(/<!-- bench-table:start[^>]*-->\n/);
const end = text.indexOf('<!-- bench-table:end -->');
if (!start || end < 0) throw new Error('README.md: bench-table markers not found');
const out = text.slice(0, start.index + start[0].length) + table + '\n' + text.slice(end);
const tmp = `${readme}.${process.pid}.tmp`;
fs.writeFileSync(tmp, out);
fs.renameSync(tmp, readme);
console.log(`README.md: table of ${table.split('\n').length} lines copied from bench/results/README-table.md`);
