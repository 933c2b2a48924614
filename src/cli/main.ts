/** flowmorph — the headless CLI on the same engine and jobs as the extension (usage: USAGE below). */
import { parseArgs, UsageError, type Parsed } from './args';
import { exitCodeFor, interruptedBy, trapSignals } from './signals';
import { DATASET_EXTENSIONS } from '../data/formats';
import { findNonFinite } from '../jobs/checks';
import { runCommand } from './commands';
import { applyEnvironment } from '../env';

/** What `flowmorph --help` prints. */
export const USAGE = `flowmorph — the headless CLI on the same engine and jobs as the extension.

  flowmorph generate <toy> --n N [--seed S] [--condition rotation|radial|ellipse] --out FILE
  flowmorph fit DATA --out MODEL_DIR [--experiment FILE] [--columns a,b] [--condition-columns c] [--dataset NAME]
                [--preset reference|fast] [--steps N | --epochs E | --seconds S] [--batch B] [--lr L] [--seed S]
                [--transform maf|coupling] [--stacks N] [--blocks N] [--hidden N] [--bins K] [--bound B]
                [--permutation reverse|random|lu] [--resume]
  flowmorph morph --source DATA --target DATA --out RUN_DIR [--experiment FILE] [--source-model DIR] [--target-model DIR]
                [--method ot-cfm|cfm-f4f|ot-f4f|f4f] [--ot-block N] [--ot-pairing-steps N] [--condition-weight W] [--ot-space data|latent]
                [--ot-fourier F]
                [--mode none|delta|concat|two-bases|two-bases-shared] [--direction forward|inverse|both|alternate|iterate]
                [--iterate-epochs E]
                [--penalty l1:W|l2:W] [--anneal] [--identity-init | --no-identity-init]
                [--steps N | --epochs E | --seconds S] [--batch B] [--lr L] [--seed S]
                [--stacks N --hidden N ...: the top flow] [--base-preset P] [--base-steps N | --base-seconds S]
                [--base-stacks N --base-hidden N ...: base flows trained here]
  flowmorph score MODEL_DIR DATA [--out FILE]
  flowmorph transport RUN_DIR DATA --out FILE [--inverse] [--target-condition V[,V..]]
  flowmorph evaluate RUN_DIR --source DATA --target DATA [--n N]
  flowmorph backend
--experiment FILE (a *.flowmorph.json): its settings and datasets, which the flags override (fit trains
on its base settings and, without DATA, on its source). Limits are the experiment schema's, for flags too.
Every command takes --json (one JSON object on stdout) and --backend native|wasm|cpu.
DATA is a dataset file (${DATASET_EXTENSIONS.join(' ')}) or toy:NAME[:ROWS[:SEED]].
`;

export async function main(argv: string[]): Promise<number> {
  const env = applyEnvironment();
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`flowmorph: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.command === 'help' || parsed.flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const untrap = trapSignals((s) => process.stderr.write(`flowmorph ${parsed.command}: ${s}: stopping after this step, saving a checkpoint (again to stop at once)\n`));
  try {
    const result = await runCommand(parsed);
    const signal = interruptedBy();
    if (signal !== undefined) {
      const r = (result ?? {}) as { out?: string; steps?: number; sourceModel?: string; targetModel?: string };
      const bases = [r.sourceModel, r.targetModel].filter((d) => d);
      const saved =
        parsed.command === 'fit'
          ? `the partial model and a checkpoint are saved in ${r.out} (continue with --resume)`
          : parsed.command === 'morph' && !r.steps
            ? bases.length
              ? `no run yet; the base model(s) so far are saved in ${bases.join(' and ')}`
              : 'nothing was saved'
            : `the partial run and a checkpoint are saved in ${r.out}`;
      const msg = `interrupted by ${signal}; ${saved}`;
      if (parsed.flags.json) process.stdout.write(JSON.stringify({ ...(result as object), interrupted: signal, error: msg }) + '\n');
      process.stderr.write(`flowmorph ${parsed.command}: ${msg}\n`);
      return exitCodeFor(signal);
    }
    const bad = findNonFinite(result);
    if (bad !== undefined) {
      const about = parsed.positional[0] ?? parsed.flags.out ?? parsed.flags.source;
      throw new Error(`${about}: the result holds a non-finite number (${bad}); the model or the data gives NaN or ±Inf`);
    }
    if (parsed.flags.json) process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    if (parsed.flags.json) process.stdout.write(JSON.stringify({ error: msg }) + '\n');
    process.stderr.write(`flowmorph ${parsed.command}: ${msg}\n`);
    if (env.debug) process.stderr.write(`${(e as Error).stack}\n`);
    const signal = interruptedBy();
    return signal !== undefined ? exitCodeFor(signal) : e instanceof UsageError ? 2 : 1;
  } finally {
    untrap();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
