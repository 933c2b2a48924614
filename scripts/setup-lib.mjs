// Installs what is missing on a fresh machine of this kind, shared by `npm start` and `npm test`, so each
// is one command: Debian packages (.ci/install-apt.sh, needs root or sudo), npm packages
// (`npm ci --omit=optional`: @tensorflow/tfjs-node's install downloads libtensorflow with no timeout and can
// hang offline), and the pinned code-server (.ci/install-vscode-host.sh). Each step is skipped when done.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const CODE_SERVER_BIN = path.join(ROOT, 'tools', 'vscode-host', 'node_modules', '.bin', 'code-server');

function run(tag, cmd, args, what) {
  console.log(`${tag}: ${what}…`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${tag}: ${what} failed (exit ${r.status}).`);
    process.exit(1);
  }
}

/**
 * @param {{ tag: string, apt: string[], host: boolean }} o  apt: Debian packages this command needs;
 *   host: whether it needs code-server.
 */
export function ensureSetup(o) {
  const missingApt = o.apt.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
  if (missingApt.length) {
    const root = process.getuid?.() === 0;
    const sudo = spawnSync('sh', ['-c', 'command -v sudo'], { stdio: 'ignore' }).status === 0;
    if (!root && !sudo) {
      console.error(`${o.tag}: missing system packages: ${missingApt.join(' ')}. Install them (apt-get install …) and run again.`);
      process.exit(1);
    }
    run(o.tag, 'bash', ['.ci/install-apt.sh'], `installing system packages (${missingApt.join(' ')})`);
  }
  const lock = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(lock) || fs.statSync(lock).mtimeMs < fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs)
    run(o.tag, 'npm', ['ci', '--omit=optional', '--no-audit', '--no-fund'], 'installing npm packages');
  if (o.host && !fs.existsSync(CODE_SERVER_BIN))
    run(o.tag, 'bash', ['.ci/install-vscode-host.sh'], 'installing code-server 4.100.3 (VS Code 1.100.3), about 1-2 min');
}
