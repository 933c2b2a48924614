// Runs the CLI as a user does, in a child process (FLOWMORPH_BACKEND=wasm), for the unit tests that drive
// it: the exit code, stdout, stderr, the last stdout line parsed as JSON (for --json), and the wall time.
import { spawnSync } from 'child_process';
import * as path from 'path';

/** The tsc build of the CLI (out/src/cli/main.js). */
export const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');
/** The CLI as it ships: the esbuild bundle (npm test builds it before the unit layer). */
export const BUNDLED_CLI = path.join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

export interface CliResult {
  code: number;
  json: any;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], o: { entry?: string; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [o.entry ?? CLI, ...args], {
    cwd: o.cwd,
    encoding: 'utf8',
    env: { ...process.env, FLOWMORPH_BACKEND: 'wasm' },
    timeout: o.timeoutMs ?? 120_000,
  });
  let json: any;
  try {
    json = JSON.parse(r.stdout.trim().split('\n').pop() || 'null');
  } catch {
    json = undefined;
  }
  return { code: r.status ?? -1, json, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}
