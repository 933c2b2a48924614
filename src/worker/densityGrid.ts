/**
 * The heat map's numbers: log q(x) of a base flow on an n × n grid over two features, in the data's own
 * units (the preprocessing's Jacobian included), the other features held at `fixed` and the condition (of a
 * conditional flow) at `condition`. Runs in the training worker (a 'density' job), never on the host thread.
 */
import { applyScaler } from '../data/preprocess';
import { matrix } from '../data/matrix';
import { loadModel } from '../jobs/model-io';
import type { DensityGrid } from '../protocol/webview';
import type { DensityJob } from '../protocol/worker';

export function densityGrid(job: DensityJob): DensityGrid {
  const { meta, flow } = loadModel(job.model);
  const d = meta.config.features;
  const { xFeature: xf, yFeature: yf, n } = job;
  if (xf >= d || yf >= d) throw new Error(`density: the model has ${d} features, asked for ${xf} and ${yf}`);
  if (job.fixed.length !== d) throw new Error(`density: ${job.fixed.length} fixed values for ${d} features`);
  const [x0, x1] = job.xRange;
  const [y0, y1] = job.yRange;
  const rows = n * n;
  const x = new Float32Array(rows * d);
  for (let r = 0; r < n; r++) {
    const yv = y0 + ((r + 0.5) * (y1 - y0)) / n;
    for (let c = 0; c < n; c++) {
      const o = (r * n + c) * d;
      for (let k = 0; k < d; k++) x[o + k] = job.fixed[k];
      x[o + xf] = x0 + ((c + 0.5) * (x1 - x0)) / n;
      x[o + yf] = yv;
    }
  }
  const xs = applyScaler(meta.scaler, matrix(rows, d, x, meta.columns.slice(0, d))).data;
  let ctx: Float32Array | undefined;
  let condition: number[] | undefined;
  const k = meta.config.context;
  if (k > 0) {
    const cs = meta.conditionScaler;
    // No value asked for: the middle of the training conditions (the scaler's shift is their mean).
    condition = job.condition && job.condition.length === k ? job.condition : Array.from({ length: k }, (_, i) => cs?.shift[i] ?? 0);
    const c = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) c[r * k + j] = condition[j];
    ctx = cs ? applyScaler(cs, matrix(rows, k, c, meta.conditionColumns.slice(0, k))).data : c;
  }
  const lp = flow.logProb(xs, ctx);
  // x = shift + scale · u: log q_x(x) = log q_u(u) − Σ log scale.
  let logScale = 0;
  for (let j = 0; j < d; j++) logScale += Math.log(meta.scaler.scale[j]);
  const logp = new Float32Array(rows);
  for (let i = 0; i < rows; i++) logp[i] = lp[i] - logScale;
  return { xFeature: xf, yFeature: yf, xMin: x0, xMax: x1, yMin: y0, yMax: y1, nx: n, ny: n, logp, condition };
}
