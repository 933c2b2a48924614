/**
 * Exact optimal-transport pairing of two minibatches (the coupling the OT morph methods regress onto):
 * row i of `a` is paired with row σ(i) of `b`, σ minimising Σ_i ‖a_i − b_σ(i)‖² (+ w·‖c_i − c'_σ(i)‖² for
 * conditional pairs, the condition-aware cost of Cheng & Schwing, arXiv:2503.10636, so partners share
 * their condition). Blocks of up to 256 rows are solved exactly by the project's assignment solver
 * (src/core/metrics/assignment.ts), larger ones by the ε-scaling auction (src/core/auction.ts), within
 * max(cost)/1000 of the optimum and ~10–30× faster at 2 048 rows (solvePairing).
 */
import { MAX_OT_PAIRING } from './config';
import { solveAssignment } from './metrics/assignment';
import { auctionAssignment } from './auction';

/** Bytes of the Float64 cost matrix of an n × n pairing. */
export function pairingBytes(n: number): number {
  return 8 * n * n;
}

/** Refuse a pairing too large for memory, naming its size. */
export function checkPairingSize(n: number, limit = MAX_OT_PAIRING): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`OT pairing: batch must be a positive integer, got ${n}`);
  if (n > limit) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    throw new Error(
      `OT pairing of ${n} × ${n} rows needs a ${mib(pairingBytes(n))} MiB cost matrix (and cubic time); ` +
        `the limit is ${limit} rows (${mib(pairingBytes(limit))} MiB): lower the OT batch`,
    );
  }
}

export interface PairingInput {
  /** Row-major n × D. */
  a: Float32Array;
  b: Float32Array;
  D: number;
  /** Condition columns of each side (row-major n × C), both or neither. */
  ca?: Float32Array;
  cb?: Float32Array;
  C?: number;
  conditionWeight?: number;
  /** Per-feature weights of the squared distance (e.g. to measure it in the data's units); default 1. */
  featureWeights?: Float32Array;
}

/** σ with row i of a ↔ row σ[i] of b (both sides have n = a.length / D rows). */
export function otPairs(p: PairingInput): Int32Array {
  const { a, b, D } = p;
  const n = a.length / D;
  if (b.length !== n * D) throw new Error(`OT pairing: ${n} rows against ${b.length / D}; both sides need the same count`);
  checkPairingSize(n);
  const C = p.C ?? 0;
  const w = C > 0 && p.ca && p.cb ? (p.conditionWeight ?? 0) : 0;
  const fw = p.featureWeights ?? new Float32Array(D).fill(1);
  if (fw.length !== D) throw new Error(`OT pairing: ${fw.length} feature weights for ${D} features`);
  return blockPairs(a, b, p.ca, p.cb, D, C, n, w, fw, pairingCost, pairingSolver); // one block: the whole batch
}

/**
 * The solver of one pairing block: exact (Jonker–Volgenant, ./metrics/assignment.ts) up to 256 rows, the
 * ε-scaling auction (./auction.ts, within max(cost)/1000 of the optimum) above, where the exact search
 * can take seconds. Self-contained, with both solvers passed in: the pairing thread runs its text.
 */
export function solvePairing(
  cost: Float64Array,
  n: number,
  exact: (cost: Float64Array, n: number) => { rowToCol: Int32Array },
  auction: (cost: Float64Array, n: number) => { rowToCol: Int32Array },
): { rowToCol: Int32Array } {
  return n <= 256 ? exact(cost, n) : auction(cost, n);
}

/** solvePairing with the project's two solvers (this thread's). */
export const pairingSolver = (cost: Float64Array, n: number) => solvePairing(cost, n, solveAssignment, auctionAssignment);

/**
 * The n × n cost matrix (Float64, row-major) of pairing rows of `a` with rows of `b`: Σ_j fw_j (a_ij − b_kj)²,
 * plus w · ‖ca_i − cb_k‖² when w > 0. Self-contained (no outer names): the pairing thread
 * (./ot-prefetch.ts) runs this very function's text, so both threads compute the same costs.
 */
export function pairingCost(a: Float32Array, b: Float32Array, D: number, ca: Float32Array | undefined, cb: Float32Array | undefined, C: number, w: number, fw: Float32Array): Float64Array {
  const n = a.length / D;
  const cost = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ai = i * D;
    const row = i * n;
    for (let k = 0; k < n; k++) {
      const bk = k * D;
      let q = 0;
      for (let j = 0; j < D; j++) {
        const t = a[ai + j] - b[bk + j];
        q += fw[j] * t * t;
      }
      if (w > 0 && ca && cb) {
        let r = 0;
        for (let j = 0; j < C; j++) {
          const t = ca[i * C + j] - cb[k * C + j];
          r += t * t;
        }
        q += w * r;
      }
      cost[row + k] = q;
    }
  }
  return cost;
}

/**
 * σ for the rows of `a` against the rows of `b` (both n × D), paired in blocks of `block` rows by `solve`:
 * row i of a ↔ row σ[i] of b, σ[i] in i's block. Self-contained, with the cost and the solver passed in:
 * the pairing thread (./ot-prefetch.ts) runs this very function's text, so both threads pair alike.
 */
export function blockPairs(
  a: Float32Array,
  b: Float32Array,
  ca: Float32Array | undefined,
  cb: Float32Array | undefined,
  D: number,
  C: number,
  block: number,
  w: number,
  fw: Float32Array,
  cost: typeof pairingCost,
  solve: (cost: Float64Array, n: number) => { rowToCol: Int32Array },
): Int32Array {
  const n = a.length / D;
  const sigma = new Int32Array(n);
  for (let s = 0; s < n; s += block) {
    const e = Math.min(n, s + block);
    const r = solve(cost(a.subarray(s * D, e * D), b.subarray(s * D, e * D), D, ca?.subarray(s * C, e * C), cb?.subarray(s * C, e * C), C, w, fw), e - s).rowToCol;
    for (let i = 0; i < e - s; i++) sigma[s + i] = s + r[i];
  }
  return sigma;
}
