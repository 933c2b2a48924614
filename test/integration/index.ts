/**
 * Mocha runner loaded by the VS Code extension host (the workbench's `extensionTestsPath`, see
 * scripts/integration.mjs). Runs every *.test.js beside it; writes a JSON summary to
 * $FLOWMORPH_TEST_RESULT (code-server's environment reaches the extension host), because the host's
 * exit code says only "some failed".
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface TestSummary {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
}

export function run(): Promise<void> {
  const grep = process.env.FLOWMORPH_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, ...(grep ? { grep } : {}) });
  // tsc never deletes outputs: skip compiled tests whose source is gone (out/test/integration → test/integration).
  const sources = path.resolve(__dirname, '..', '..', '..', 'test', 'integration');
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js') && fs.existsSync(path.join(sources, f.replace(/\.js$/, '.ts')))) mocha.addFile(path.join(__dirname, f));
  }
  const summary: TestSummary = { passed: 0, failed: 0, pending: 0, failures: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeSummary(summary);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
    runner.on('pass', () => summary.passed++);
    runner.on('pending', () => summary.pending++);
    runner.on('fail', (t, err: Error) => {
      summary.failed++;
      summary.failures.push({ title: t.fullTitle(), error: String(err?.stack || err).split('\n').slice(0, 6).join('\n') });
    });
  });
}

function writeSummary(s: TestSummary): void {
  const file = process.env.FLOWMORPH_TEST_RESULT;
  if (!file) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2));
  fs.renameSync(tmp, file);
}
