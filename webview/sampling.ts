/**
 * Pure helpers behind the plots: the point budget, subsampling, axis ranges, the colour map and density
 * grids. No DOM here, so the unit tests run them in Node.
 */
import type { DensityGrid } from '../src/protocol/webview';

export interface Point {
  x: number;
  y: number;
}

/** Most points all scatter plots together draw: chart.js stays responsive well below this. */
export const POINT_BUDGET = 20_000;
/** Most displacement arrows drawn. */
export const ARROW_BUDGET = 200;

/**
 * Splits `budget` points among series of the given sizes: an equal share each, and what a small series does
 * not use goes to the others (water filling). Result[i] ≤ counts[i] and the sum ≤ budget.
 */
export function allocate(counts: readonly number[], budget: number): number[] {
  const out = counts.map(() => 0);
  let left = Math.max(0, Math.floor(budget));
  let open = counts.map((_, i) => i).filter((i) => counts[i] > 0);
  while (open.length > 0 && left > 0) {
    const share = Math.floor(left / open.length);
    if (share === 0) {
      // Fewer points left than series: one each to the first ones.
      for (const i of open.slice(0, left)) out[i] += 1;
      break;
    }
    const still: number[] = [];
    for (const i of open) {
      const take = Math.min(share, counts[i] - out[i]);
      out[i] += take;
      left -= take;
      if (out[i] < counts[i]) still.push(i);
    }
    open = still;
  }
  return out;
}

/** `m` row indices spread evenly over `n` rows (all rows when m ≥ n). Deterministic, so plots don't flicker. */
export function strideIndices(n: number, m: number): number[] {
  const k = Math.max(0, Math.min(n, Math.floor(m)));
  const out = new Array<number>(k);
  for (let i = 0; i < k; i++) out[i] = Math.floor((i * n) / k);
  return out;
}

/** Points (feature xf, feature yf) of at most `maxRows` rows of a row-major matrix; non-finite rows skipped. */
export function project(data: Float32Array, cols: number, xf: number, yf: number, maxRows: number): Point[] {
  const n = cols > 0 ? Math.floor(data.length / cols) : 0;
  const out: Point[] = [];
  if (xf >= cols || yf >= cols) return out;
  for (const r of strideIndices(n, maxRows)) {
    const x = data[r * cols + xf];
    const y = data[r * cols + yf];
    if (Number.isFinite(x) && Number.isFinite(y)) out.push({ x, y });
  }
  return out;
}

/**
 * An axis range for feature `f` over several clouds: the [lo, hi] quantiles padded by `pad` of the width,
 * so a few outliers (an untrained flow's tails) do not squeeze the bulk into a corner.
 */
export function robustRange(clouds: readonly Float32Array[], cols: number, f: number, lo = 0.002, hi = 0.998, pad = 0.06): [number, number] {
  const values: number[] = [];
  for (const c of clouds) {
    const n = Math.floor(c.length / cols);
    for (const r of strideIndices(n, 20_000)) {
      const v = c[r * cols + f];
      if (Number.isFinite(v)) values.push(v);
    }
  }
  if (values.length === 0) return [-1, 1];
  values.sort((a, b) => a - b);
  const q = (p: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))))];
  let a = q(lo);
  let b = q(hi);
  if (!(b > a)) {
    a -= 1;
    b += 1;
  }
  const w = (b - a) * pad;
  return [a - w, b + w];
}

// Viridis (matplotlib's perceptually uniform map), 9 stops; linear interpolation between them.
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/**
 * RGBA pixels (nx × ny, top row = yMax) of a density grid on a linear scale: p / max p through viridis.
 * Cells with a non-finite log-density are transparent. Returns the number of finite cells too.
 */
export function densityPixels(grid: Pick<DensityGrid, 'nx' | 'ny' | 'logp'>): { rgba: Uint8ClampedArray; cells: number } {
  const { nx, ny, logp } = grid;
  const rgba = new Uint8ClampedArray(nx * ny * 4);
  let max = -Infinity;
  for (let i = 0; i < nx * ny; i++) if (Number.isFinite(logp[i]) && logp[i] > max) max = logp[i];
  let cells = 0;
  for (let row = 0; row < ny; row++) {
    for (let col = 0; col < nx; col++) {
      const v = logp[row * nx + col];
      if (!Number.isFinite(v)) continue;
      const [r, g, b] = viridis(Math.exp(v - max));
      const o = ((ny - 1 - row) * nx + col) * 4; // grid row 0 is yMin: the image's bottom row
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
      cells++;
    }
  }
  return { rgba, cells };
}

/**
 * A stand-in density grid when the host sent none: the log of a normalised 2-D histogram of a flow's
 * samples (empty cells get log 0 = −∞ and stay transparent).
 */
export function histogramGrid(
  data: Float32Array,
  cols: number,
  xf: number,
  yf: number,
  xRange: [number, number],
  yRange: [number, number],
  n: number,
): DensityGrid {
  const counts = new Float64Array(n * n);
  const rows = cols > 0 ? Math.floor(data.length / cols) : 0;
  const [x0, x1] = xRange;
  const [y0, y1] = yRange;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const x = data[r * cols + xf];
    const y = data[r * cols + yf];
    const i = Math.floor(((x - x0) / (x1 - x0)) * n);
    const j = Math.floor(((y - y0) / (y1 - y0)) * n);
    if (!(i >= 0 && i < n && j >= 0 && j < n)) continue; // written so that NaN fails too
    counts[j * n + i]++;
    total++;
  }
  const cellArea = ((x1 - x0) / n) * ((y1 - y0) / n);
  const logp = new Float32Array(n * n);
  for (let k = 0; k < n * n; k++) logp[k] = Math.log(counts[k] / (Math.max(total, 1) * cellArea));
  return { xFeature: xf, yFeature: yf, xMin: x0, xMax: x1, yMin: y0, yMax: y1, nx: n, ny: n, logp };
}

/** The median of every column of a row-major matrix (non-finite values left out; 0 for an empty column). */
export function medians(data: Float32Array, cols: number): number[] {
  const n = cols > 0 ? Math.floor(data.length / cols) : 0;
  return Array.from({ length: cols }, (_, f) => {
    const v: number[] = [];
    for (const r of strideIndices(n, 5000)) if (Number.isFinite(data[r * cols + f])) v.push(data[r * cols + f]);
    if (v.length === 0) return 0;
    v.sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  });
}

/** Short number for tables and status lines: 4 significant digits, exponent outside [1e-3, 1e5). */
export function fmt(v: number | undefined, digits = 4): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(digits - 2);
  return Number(v.toPrecision(digits)).toString();
}
