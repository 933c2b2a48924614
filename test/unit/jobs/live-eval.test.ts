// The panel's live curves (issue #10): while a morph trains, snapshots carry a held-out evaluation
// (displacement, fidelity with its floor, the OT cost) on LIVE_EVAL_ROWS rows, for the default method
// (ot-cfm) as for the flows; reading the morph changes nothing it trains: the weights and the final
// evaluation equal those of a run without snapshots (the CLI's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveWith } from '../../../src/config/experiment';
import { initBackend } from '../../../src/core/tf';
import { writeCsv } from '../../../src/data/write';
import { generateToy } from '../../../src/data/toys';
import { LIVE_EVAL_ROWS, runMorph } from '../../../src/jobs/morph';
import type { Snapshot } from '../../../src/jobs/types';

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-live-'));
const at = (p: string) => path.join(ws, p);
const TINY = { stacks: 1, blocks: 1, hidden: 8, bins: 4 };

test('live evaluations ride on the morph snapshots and leave the trained morph unchanged', async () => {
  await initBackend('wasm');
  fs.mkdirSync(at('data'));
  // 12 000 rows: 1 200 held out on each side, more than LIVE_EVAL_ROWS.
  writeCsv(at('data/fc.csv'), generateToy('fourcircles', 12000, 1).features);
  writeCsv(at('data/cb.csv'), generateToy('checkerboard', 12000, 2).features);
  for (const method of ['ot-cfm', 'f4f'] as const) {
    const r = resolveWith({
      base: { flow: TINY, train: { steps: 4, batch: 128, seed: 3 } },
      morph: { method, top: TINY, ot: { hidden: 16, rk4Steps: 4 }, train: { steps: 3, batch: 128, seed: 4 } },
    });
    const job = (out: string) => ({ source: { path: at('data/fc.csv'), workspaceRoot: ws }, target: { path: at('data/cb.csv'), workspaceRoot: ws }, out, ...r, backend: 'wasm' as const });
    const snaps: Snapshot[] = [];
    const panel = await runMorph(job(at(`${method}/panel`)), { plotPoints: 64, snapshotEveryMs: 0, evaluateEveryMs: 0, onSnapshot: (s) => snaps.push(s) });
    const cli = await runMorph(job(at(`${method}/cli`)), {});
    assert.equal(panel.method, method);
    const live = snaps.filter((s) => s.evaluation);
    // Every step's snapshot but the first (step 0, the untrained morph) and the last (the final evaluation follows).
    assert.deepEqual(live.map((s) => s.step), [1, 2, 3], method);
    for (const s of live) {
      const e = s.evaluation!;
      assert.equal(e.n, LIVE_EVAL_ROWS);
      assert.equal(e.method, method);
      for (const v of [e.morph.displacement.meanL2, e.morph.fidelity.slicedW1, e.morph.fidelity.slicedW1Floor, e.ot.w1, e.baseTransfer.fidelity.slicedW1]) assert.ok(Number.isFinite(v) && v > 0, `${method} step ${s.step}: ${v}`);
    }
    // The morph moves: the live displacement changes as it trains.
    assert.notEqual(live[0].evaluation!.morph.displacement.meanL2, live[live.length - 1].evaluation!.morph.displacement.meanL2);
    assert.ok(fs.readFileSync(at(`${method}/panel/top.bin`)).equals(fs.readFileSync(at(`${method}/cli/top.bin`))), `${method}: top.bin differs`);
    assert.deepEqual(panel.evaluation, cli.evaluation);
    assert.equal(panel.evaluation!.n, 1200);
    assert.equal(panel.evaluation!.noisy, undefined, 'over 1 000 rows: not flagged noisy');
    assert.equal(live[0].evaluation!.noisy, undefined, 'the live evaluation: 1 000 rows');
  }
  fs.rmSync(ws, { recursive: true, force: true });
});
