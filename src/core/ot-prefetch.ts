/**
 * The next training step's exact-OT pairing (./ot-pairs.ts), solved on a thread of its own while this
 * thread computes the current step's gradient. The pairing is a large part of an OT-paired step (a
 * 256 × 256 assignment of 2-D Gaussian rows takes as long as the velocity network's whole step), and on
 * two cores the thread that pairs would otherwise wait. The batches are a pure function of the step
 * (./train/batches.ts), so the pairing of step s + 1 can be solved before step s ends; the thread runs
 * the same cost and solver code on the same float32 rows, so the permutations are the ones the training
 * thread would have found: training stays bit-identical with or without this thread.
 *
 * Protocol (shared memory, no messages per step): the training thread writes the step's row indices and
 * bumps SEQ; the pairing thread solves every block, writes σ (each row's partner, as an index into the
 * step's target batch) and stores DONE = SEQ. take() waits for DONE (Atomics.wait) only when the answer
 * is not there yet.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { solveAssignment } from './metrics/assignment';
import { blockPairs, pairingCost, solvePairing } from './ot-pairs';
import { auctionAssignment } from './auction';
import { gatherRows } from './train/batches';
import type { MorphSample } from './objectives/morph';

const SEQ = 0;
const DONE = 1;
const ROWS = 2;
const STOP = 3;
const FAILED = 4;

/** The pairing thread's code (an eval worker: the same text in out/ and in the bundle). */
const THREAD = `
const { workerData } = require('worker_threads');
const { ctrl, src, tgt, srcC, tgtC, si, ti, sigma, D, C, block, w, fw } = workerData;
const pairingCost = ${pairingCost.toString()};
const solveAssignment = ${solveAssignment.toString()};
const auctionAssignment = ${auctionAssignment.toString()};
const solvePairing = ${solvePairing.toString()};
const solve = (cost, n) => solvePairing(cost, n, solveAssignment, auctionAssignment);
const gatherRows = ${gatherRows.toString()};
const blockPairs = ${blockPairs.toString()};
const c = new Int32Array(ctrl);
const S = new Float32Array(src), T = new Float32Array(tgt);
const SC = srcC && new Float32Array(srcC), TC = tgtC && new Float32Array(tgtC);
const I = new Int32Array(si), J = new Int32Array(ti), out = new Int32Array(sigma), W = new Float32Array(fw);
let seen = 0;
for (;;) {
  while (Atomics.load(c, ${SEQ}) === seen) Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (c[${STOP}] === 1) break;
  try {
    const n = c[${ROWS}];
    const rs = I.subarray(0, n), rt = J.subarray(0, n);
    out.set(blockPairs(gatherRows(S, D, rs), gatherRows(T, D, rt), SC && gatherRows(SC, C, rs), TC && gatherRows(TC, C, rt), D, C, block, w, W, pairingCost, solve));
    c[${FAILED}] = 0;
  } catch (err) {
    c[${FAILED}] = 1;
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;

/** Whether a pairing thread pays: another core to run on, and shared memory. */
export function pairingThreadAvailable(): boolean {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores >= 2 && typeof SharedArrayBuffer === 'function';
}

function shared(a: Float32Array): SharedArrayBuffer {
  const s = new SharedArrayBuffer(a.byteLength);
  new Float32Array(s).set(a);
  return s;
}

export interface PrefetchSettings {
  D: number;
  C: number;
  block: number;
  /** The condition term's weight (0: features only). */
  conditionWeight: number;
  featureWeights: Float32Array;
  /** The most rows a request pairs per side (a step's batch, or a pairing round's rows). */
  rows: number;
}

export class PairingPrefetch {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly si: Int32Array;
  private readonly ti: Int32Array;
  private readonly sigma: Int32Array;
  /** The step whose pairing the thread has been asked for, and its row indices (to check take()'s). */
  private pending: { step: number; n: number } | undefined;
  private seq = 0;

  constructor(src: MorphSample, tgt: MorphSample, o: PrefetchSettings) {
    const ctrl = new SharedArrayBuffer(8 * 4);
    const si = new SharedArrayBuffer(o.rows * 4);
    const ti = new SharedArrayBuffer(o.rows * 4);
    const sigma = new SharedArrayBuffer(o.rows * 4);
    const cond = o.C > 0 && o.conditionWeight > 0 && src.c && tgt.c;
    this.worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        ctrl,
        src: shared(src.x),
        tgt: shared(tgt.x),
        srcC: cond ? shared(src.c as Float32Array) : undefined,
        tgtC: cond ? shared(tgt.c as Float32Array) : undefined,
        si,
        ti,
        sigma,
        D: o.D,
        C: o.C,
        block: o.block,
        w: cond ? o.conditionWeight : 0,
        fw: shared(o.featureWeights),
      },
    });
    // A run that ends without close() (a thrown step) must not keep the process alive.
    this.worker.unref();
    this.ctrl = new Int32Array(ctrl);
    this.si = new Int32Array(si);
    this.ti = new Int32Array(ti);
    this.sigma = new Int32Array(sigma);
  }

  /** Ask for step `step`'s pairing of source rows `si` with target rows `ti` (the first min(|si|, |ti|) of each). */
  request(step: number, si: ArrayLike<number>, ti: ArrayLike<number>): void {
    this.settle(); // the thread reads the indices until it is done: never write them under it
    const n = Math.min(si.length, ti.length, this.si.length);
    for (let i = 0; i < n; i++) {
      this.si[i] = si[i];
      this.ti[i] = ti[i];
    }
    this.ctrl[ROWS] = n;
    this.pending = { step, n };
    this.seq++;
    Atomics.store(this.ctrl, SEQ, this.seq);
    Atomics.notify(this.ctrl, SEQ);
  }

  /**
   * σ of step `step` (row i of the source batch ↔ row σ[i] of the target batch), if it was requested
   * for exactly these rows; else undefined (the caller pairs on its own thread).
   */
  take(step: number, si: ArrayLike<number>, ti: ArrayLike<number>): Int32Array | undefined {
    const p = this.pending;
    if (!p || p.step !== step || p.n !== Math.min(si.length, ti.length)) return undefined;
    this.pending = undefined;
    this.settle();
    if (this.ctrl[FAILED] === 1) return undefined;
    for (let i = 0; i < p.n; i++) if (this.si[i] !== si[i] || this.ti[i] !== ti[i]) return undefined;
    return this.sigma.slice(0, p.n);
  }

  /** Waits until the thread has answered the last request. */
  private settle(): void {
    for (let d = Atomics.load(this.ctrl, DONE); d !== this.seq; d = Atomics.load(this.ctrl, DONE)) Atomics.wait(this.ctrl, DONE, d);
  }

  close(): void {
    this.ctrl[STOP] = 1;
    this.seq++;
    Atomics.store(this.ctrl, SEQ, this.seq);
    Atomics.notify(this.ctrl, SEQ);
    void this.worker.terminate();
  }
}
