/**
 * How far a morph moves each point: x is the input, y = g(x) the morphed row in the same position. The
 * flows-for-flows papers report the mean L2 distance moved (Klein et al. 2022, tab. 1; Golling et al.
 * 2023): a good morph moves little, ideally close to the exact optimal-transport cost (see ./ot.ts).
 */
import type { Matrix } from '../../data/matrix';

export interface Displacement {
  /** Mean over rows of ‖y − x‖₂. */
  meanL2: number;
  /** Standard deviation over rows of ‖y − x‖₂ (population, divides by n). */
  stdL2: number;
  /** Mean over rows of ‖y − x‖₁. */
  meanL1: number;
  /** Per feature, the mean over rows of |y_j − x_j|. */
  perFeature: number[];
}

export function displacement(x: Matrix, y: Matrix): Displacement {
  if (x.rows !== y.rows || x.cols !== y.cols) {
    throw new Error(`displacement: shapes differ (${x.rows}×${x.cols} vs ${y.rows}×${y.cols}); rows must be paired`);
  }
  const n = x.rows;
  const d = x.cols;
  if (n === 0) throw new Error('displacement: no rows');
  const per = new Float64Array(d);
  let sumL2 = 0;
  let sumL2sq = 0;
  let sumL1 = 0;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    let l1 = 0;
    for (let j = 0; j < d; j++) {
      const a = Math.abs(y.data[i * d + j] - x.data[i * d + j]);
      per[j] += a;
      l1 += a;
      sq += a * a;
    }
    const l2 = Math.sqrt(sq);
    sumL2 += l2;
    sumL2sq += sq;
    sumL1 += l1;
  }
  const meanL2 = sumL2 / n;
  return {
    meanL2,
    stdL2: Math.sqrt(Math.max(0, sumL2sq / n - meanL2 * meanL2)),
    meanL1: sumL1 / n,
    perFeature: Array.from(per, (s) => s / n),
  };
}
