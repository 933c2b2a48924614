/**
 * What the morph objectives share (flows for flows, arXiv:2211.02487, and the OT-paired methods): the
 * morph, both sides' training rows with their seeded batches, the direction each step trains, and the
 * exact-OT pairing of a step's batches.
 */
import { tf } from '../tf';
import type { MorphConfig } from '../config';
import type { FlowForFlow } from '../f4f';
import { blockPairs, checkPairingSize, pairingCost, pairingSolver } from '../ot-pairs';
import { PairingPrefetch, pairingThreadAvailable } from '../ot-prefetch';
import type { ParamStore, ParamTensors } from '../params';
import { BatchSampler, gatherRows } from '../train/batches';
import type { BatchPart } from '../train/part';
import type { Objective, StepLoss } from '../train/objective';
import { Rng } from '../random';

/** Rows in morph space with their (preprocessed) condition columns. */
export interface MorphSample {
  x: Float32Array;
  c?: Float32Array;
  rows: number;
  /** The rows in their base flow's noise (ot-cfm with ot.space 'latent'): what the field regresses between. */
  z?: Float32Array;
}

/** The seeded rows of each side that pairing round `k` pairs. */
interface RoundRows {
  k: number;
  si: Int32Array;
  ti: Int32Array;
}

/** Which way step `step` trains, per the configured direction. */
export function stepDirection(dir: MorphConfig['direction'], step: number, stepsPerEpoch: number, iterateEpochs: number): 'forward' | 'inverse' | 'both' {
  switch (dir) {
    case 'forward':
    case 'inverse':
    case 'both':
      return dir;
    case 'alternate':
      return step % 2 === 0 ? 'forward' : 'inverse';
    case 'iterate': {
      const block = Math.floor(step / (stepsPerEpoch * Math.max(1, iterateEpochs)));
      return block % 2 === 0 ? 'forward' : 'inverse';
    }
  }
}

/** What both morph objectives share: the morph, both sides' training rows and their seeded batches. */
export abstract class MorphObjective implements Objective {
  readonly stepsPerEpoch: number;
  readonly samplesPerStep: number;
  protected readonly srcSampler: BatchSampler;
  protected readonly tgtSampler: BatchSampler;

  constructor(
    readonly f4f: FlowForFlow,
    readonly src: MorphSample,
    readonly tgt: MorphSample,
    readonly val?: { src: MorphSample; tgt: MorphSample },
  ) {
    const { batch, seed } = f4f.config.train;
    this.srcSampler = new BatchSampler(src.rows, batch, seed);
    this.tgtSampler = new BatchSampler(tgt.rows, batch, seed + 1);
    this.stepsPerEpoch = this.srcSampler.stepsPerEpoch;
    this.samplesPerStep = this.srcSampler.batch;
  }

  /** The parameters trained: the top flow, or ot-cfm's velocity field. */
  get store(): ParamStore {
    return this.f4f.trainable;
  }

  abstract loss(P: ParamTensors, step: number, fraction: number, part?: BatchPart): StepLoss;

  private prefetch: PairingPrefetch | undefined | null;
  /**
   * The pairing round the current steps draw from (rounds: see stepPairs): its pairs, the sampler of its
   * steps' batches, and the rows of the next round (asked of the pairing thread when this one began).
   */
  private round: { k: number; pairs: PairedBatch; pick: BatchSampler; next: RoundRows } | undefined;

  /**
   * Step `step`'s batches paired by OT (exactly up to 256 rows per block, ../ot-pairs.ts solvePairing).
   *
   * With `ot.block` ≤ the batch and `ot.pairingSteps` 1, each step's batch is paired on its own, in blocks
   * of `ot.block` rows. Otherwise steps draw from pairing rounds: round k pairs max(block, batch) seeded
   * rows of each side (in blocks of `ot.block`) and serves the `ot.pairingSteps` steps from k·pairingSteps
   * on, each a seeded batch of the round's pairs. A larger block pairs nearer the global OT coupling, so
   * the partners a field regresses onto are less random (eight-star → rings: 1.54× the fidelity floor with
   * blocks of 256, 1.29× with one 2048 block, at 1 000 steps); the rounds spread the cost of the larger
   * assignment over several steps. Everything is a pure function of seed and step (exact resume).
   *
   * The next pairing (step or round) is asked of a thread of its own (../ot-prefetch.ts) where one is
   * available, so it is solved while this thread computes gradients.
   */
  protected stepPairs(step: number): PairedBatch {
    const f = this.f4f;
    const { block, pairingSteps } = f.config.ot;
    const batch = this.samplesPerStep;
    const perStep = pairingSteps <= 1 && block <= batch;
    const roundRows = Math.min(Math.max(block, batch), this.src.rows, this.tgt.rows);
    if (this.prefetch === undefined) {
      this.prefetch = pairingThreadAvailable()
        ? new PairingPrefetch(this.src, this.tgt, {
            D: f.features,
            C: f.conditions,
            block,
            conditionWeight: f.config.ot.conditionWeight,
            featureWeights: f.pairWeights ?? new Float32Array(f.features).fill(1),
            rows: perStep ? batch : roundRows,
          })
        : null;
    }
    if (perStep) {
      const si = this.srcSampler.indices(step);
      const ti = this.tgtSampler.indices(step);
      const pb = pairedBatch(f, this.src, si, this.tgt, ti, this.prefetch?.take(step, si, ti));
      this.prefetch?.request(step + 1, this.srcSampler.indices(step + 1), this.tgtSampler.indices(step + 1));
      return pb;
    }
    const seed = f.config.train.seed;
    const k = Math.floor(step / pairingSteps);
    if (this.round?.k !== k) {
      const rowsOf = (r: number): RoundRows => ({
        k: r,
        si: new Rng((seed * 7919 + r * 104729 + 11) >>> 0).permutation(this.src.rows).subarray(0, roundRows),
        ti: new Rng((seed * 7919 + r * 104729 + 13) >>> 0).permutation(this.tgt.rows).subarray(0, roundRows),
      });
      const now = this.round?.next.k === k ? this.round.next : rowsOf(k);
      const pairs = pairedBatch(f, this.src, now.si, this.tgt, now.ti, this.prefetch?.take(k, now.si, now.ti));
      const next = rowsOf(k + 1);
      this.prefetch?.request(k + 1, next.si, next.ti);
      this.round = { k, pairs, pick: new BatchSampler(roundRows, batch, (seed * 31 + k * 7 + 5) >>> 0), next };
    }
    return takePairs(this.round.pairs, this.round.pick.indices(step - k * pairingSteps), f.features, f.conditions);
  }

  /** Ends the pairing thread (the trainer calls this when the run ends). */
  close(): void {
    this.prefetch?.close();
    this.prefetch = undefined;
    this.round = undefined;
  }
}

/** A step's source rows with their OT partners among the target rows (row i of x ↔ row i of y). */
export interface PairedBatch {
  n: number;
  x: Float32Array;
  y: Float32Array;
  cx?: Float32Array;
  cy?: Float32Array;
  /** The rows' noise codes, when both samples carry them (MorphSample.z). */
  zx?: Float32Array;
  zy?: Float32Array;
}

/**
 * Pair a source batch with a target batch by exact OT, in blocks of `ot.block` rows (the cost includes
 * the weighted condition distance for conditional pairs). Both sides are cut to the shorter batch.
 */
export function pairedBatch(f: FlowForFlow, src: MorphSample, si: ArrayLike<number>, tgt: MorphSample, ti: ArrayLike<number>, solved?: Int32Array): PairedBatch {
  const D = f.features;
  const C = f.conditions;
  const n = Math.min(si.length, ti.length);
  // Both sides cut to the shorter batch.
  const rs: number[] = Array.prototype.slice.call(si, 0, n);
  const rt: number[] = Array.prototype.slice.call(ti, 0, n);
  const x = gatherRows(src.x, D, rs);
  const yRows = gatherRows(tgt.x, D, rt);
  const cond = C > 0 && src.c && tgt.c;
  const cx = cond ? gatherRows(src.c as Float32Array, C, rs) : undefined;
  const latent = src.z && tgt.z;
  const zx = latent ? gatherRows(src.z as Float32Array, D, rs) : undefined;
  const zRows = latent ? gatherRows(tgt.z as Float32Array, D, rt) : undefined;
  const cyRows = cond ? gatherRows(tgt.c as Float32Array, C, rt) : undefined;
  const B = f.config.ot.block;
  checkPairingSize(Math.min(n, B));
  // σ from the pairing thread (../ot-prefetch.ts) when it solved this step, else solved here, alike.
  const sigma =
    solved ??
    blockPairs(x, yRows, cx, cyRows, D, C, B, cond ? f.config.ot.conditionWeight : 0, f.pairWeights ?? new Float32Array(D).fill(1), pairingCost, pairingSolver);
  const y = new Float32Array(n * D);
  const cy = cyRows ? new Float32Array(n * C) : undefined;
  const zy = zRows ? new Float32Array(n * D) : undefined;
  for (let i = 0; i < n; i++) {
    const k = sigma[i];
    y.set(yRows.subarray(k * D, (k + 1) * D), i * D);
    if (cy && cyRows) cy.set(cyRows.subarray(k * C, (k + 1) * C), i * C);
    if (zy && zRows) zy.set(zRows.subarray(k * D, (k + 1) * D), i * D);
  }
  return { n, x, y, cx, cy, zx, zy };
}

/** Rows `idx` of a paired batch (every array it carries). */
export function takePairs(pb: PairedBatch, idx: ArrayLike<number>, D: number, C: number): PairedBatch {
  const g = (a: Float32Array | undefined, cols: number) => (a ? gatherRows(a, cols, idx) : undefined);
  return { n: idx.length, x: g(pb.x, D) as Float32Array, y: g(pb.y, D) as Float32Array, cx: g(pb.cx, C), cy: g(pb.cy, C), zx: g(pb.zx, D), zy: g(pb.zy, D) };
}

/** Mean distance between the paired rows (the minibatch OT cost), as a scalar for the curves. */
export function pairCost(pb: PairedBatch, D: number): tf.Scalar {
  let s = 0;
  for (let i = 0; i < pb.n; i++) {
    let q = 0;
    for (let j = 0; j < D; j++) q += (pb.y[i * D + j] - pb.x[i * D + j]) ** 2;
    s += Math.sqrt(q);
  }
  return tf.scalar(s / pb.n);
}

