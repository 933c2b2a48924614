/**
 * flowmorph — the headless CLI on the same engine and jobs as the extension.
 *
 *   flowmorph generate <toy> --n N [--seed S] [--condition rotation|radial|ellipse] --out FILE
 *   flowmorph fit DATA --out MODEL_DIR [--columns a,b] [--condition-columns c] [--dataset NAME]
 *                 [--preset reference|fast] [--steps N | --epochs E | --seconds S] [--batch B] [--lr L] [--seed S]
 *                 [--transform maf|coupling] [--stacks N] [--blocks N] [--hidden N] [--bins K] [--bound B]
 *                 [--permutation reverse|random|lu] [--resume]
 *   flowmorph morph --source DATA --target DATA --out RUN_DIR [--source-model DIR] [--target-model DIR]
 *                 [--method f4f|ot-f4f|ot-cfm] [--ot-block N] [--condition-weight W]
 *                 [--mode none|delta|concat|two-bases|two-bases-shared] [--direction forward|inverse|both|alternate|iterate]
 *                 [--iterate-epochs E]
 *                 [--penalty l1:W|l2:W] [--anneal] [--identity-init | --no-identity-init]
 *                 [--steps N | --epochs E | --seconds S] [--batch B] [--lr L] [--seed S]
 *                 [--stacks N --hidden N ...: the top flow] [--base-preset P] [--base-steps N | --base-seconds S]
 *                 [--base-stacks N --base-hidden N ...: base flows trained here]
 *   flowmorph score MODEL_DIR DATA [--out FILE]
 *   flowmorph transport RUN_DIR DATA --out FILE [--inverse] [--target-condition V[,V..]]
 *   flowmorph evaluate RUN_DIR --source DATA --target DATA [--n N]
 *   flowmorph backend
 * Every command takes --json (one JSON object on stdout) and --backend native|wasm|cpu.
 * DATA is a dataset file (.csv .tsv .npy .npz .json .h5 .hdf5 .parquet) or toy:NAME[:ROWS[:SEED]].
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, UsageError, type Parsed } from './cli/args';
import { runCommand } from './cli/commands';

export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`flowmorph: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.command === 'help' || parsed.flags.help) {
    process.stdout.write(usage());
    return 0;
  }
  try {
    const result = await runCommand(parsed);
    if (parsed.flags.json) process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    if (parsed.flags.json) process.stdout.write(JSON.stringify({ error: msg }) + '\n');
    process.stderr.write(`flowmorph ${parsed.command}: ${msg}\n`);
    if (process.env.FLOWMORPH_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function usage(): string {
  const src = fs.readFileSync(path.join(__dirname, 'cli.js'), 'utf8');
  const m = /\/\*\*\n([\s\S]*?)\*\//.exec(src);
  return m ? m[1].replace(/^ \* ?/gm, '') : 'flowmorph: see README.md\n';
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
