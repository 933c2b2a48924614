// The budget rule end to end (issue #12, "one configuration, one truth"): an experiment with the
// reference preset (32 epochs) and `base.train.seconds: 1` trains for one second, built into jobs the way
// the extension builds them. The preset used to be merged again by a spread inside the jobs, so its
// `epochs: 32` came back and won over the file's seconds (the CLI honoured the seconds; the panel did not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../../src/core/tf';
import { resolveWith, validateExperiment, type Experiment } from '../../../src/config/experiment';
import { runFit } from '../../../src/jobs/fit';
import { runMorph } from '../../../src/jobs/morph';
import type { JobHooks } from '../../../src/jobs/types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-budget-'));
const TINY = { stacks: 1, blocks: 1, hidden: 8, bins: 4 };
// 20 000 rows at batch 128: 32 epochs would be ~4 500 steps, far more than one second of a tiny flow
// would allow on a loaded machine; a wall-clock guard stops the wrong budget after 8 s.
const DATA = 'toy:checkerboard:20000:1';

function experiment(): Experiment {
  const check = validateExperiment({
    version: 1,
    base: { preset: 'reference', flow: TINY, train: { seconds: 1 } },
    morph: { top: TINY, train: { steps: 2, batch: 128 } },
  });
  assert.ok(check.ok, check.errors.join('; '));
  return check.experiment!;
}

function guard(): JobHooks {
  const t0 = performance.now();
  return { cancelled: () => performance.now() - t0 > 8000 };
}

test('setup backend', async () => {
  await initBackend('wasm');
});

test('fit: the reference preset with base.train.seconds 1 trains for one second, as the extension builds the job', async () => {
  // As src/host/controller.ts builds a fit job: the experiment resolved once, with the caller's overrides.
  const r = resolveWith({}, experiment());
  assert.equal(r.base.train.seconds, 1);
  assert.equal(r.base.train.epochs, undefined);
  const s = await runFit({ data: { path: DATA }, out: path.join(dir, 'fit'), flow: r.base.flow, train: r.base.train, backend: 'wasm' }, guard());
  assert.equal(s.cancelled, false, `trained ${s.steps} steps in ${s.seconds.toFixed(1)} s: not the 1 s budget`);
  assert.ok(s.seconds >= 1 && s.seconds < 4, `trained ${s.seconds} s`);
});

test('morph: its base flows keep base.train.seconds 1 over the reference preset', async () => {
  const r = resolveWith({}, experiment());
  const out = path.join(dir, 'morph');
  const s = await runMorph(
    {
      source: { path: 'toy:fourcircles:20000:2' },
      target: { path: DATA },
      out,
      base: r.base,
      morph: r.morph,
      backend: 'wasm',
    },
    guard(),
  );
  assert.equal(s.cancelled, false, 'the base flows did not stop at 1 s');
  for (const side of ['source', 'target']) {
    const meta = JSON.parse(fs.readFileSync(path.join(out, side, 'model.json'), 'utf8'));
    assert.ok(meta.training.seconds >= 1 && meta.training.seconds < 4, `${side}: trained ${meta.training.seconds} s`);
  }
  assert.equal(s.steps, 2);
});
