/**
 * Monotonic rational-quadratic spline (Durkan, Bekasov, Murray, Papamakarios 2019, "Neural Spline Flows",
 * arXiv:1906.04049, eq. 4–8 and app. A) over flat typed arrays: forward, inverse and both analytic
 * backward passes. Pure JS, no tfjs, so the tests can run it in Float64Array: it is the reference for the
 * compiled port in src/core/wasm/dense.c that the tfjs op (src/core/ops/spline.ts) runs (this one beyond 64 bins).
 *
 * Layout: N rows × D dims; each (row, dim) owns P = 3K − 1 consecutive raw (unconstrained) parameters:
 *   K raw widths, K raw heights, K − 1 raw interior derivatives
 * (the order nflows' autoregressive spline transform reshapes its conditioner output into).
 *
 * Parametrisation (as nflows' `unconstrained_rational_quadratic_spline`, tails = 'linear'):
 *   widths  w = minW + (1 − K·minW)·softmax(rawW), knots x_k = −B + 2B·Σ_{i<k} w_i, x_0 = −B, x_K = B;
 *   heights likewise with minH; derivatives at the interior knots d = minD + softplus(rawD + c0) with
 *   c0 = log(exp(1 − minD) − 1), and d_0 = d_K = 1 so the spline meets the identity tails with slope 1.
 * The shift c0 (which nflows applies only to the boundary padding) makes all-zero raw parameters give
 * uniform bins and unit slopes: the spline is then exactly the identity (identity initialisation).
 * Outside [−B, B] the map is the identity and contributes 0 to the log-determinant.
 *
 * All arithmetic is done in JS doubles whatever the array type; results are stored in the output arrays.
 */

/** Typed arrays the kernels read and write; Float64Array for tests, Float32Array for tfjs. */
export type Floats = Float32Array | Float64Array;

export interface SplineSpec {
  /** Number of bins K. */
  bins: number;
  /** Half-width B of the spline interval [−B, B]. */
  bound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

export const DEFAULT_MIN_BIN_WIDTH = 1e-3;
export const DEFAULT_MIN_BIN_HEIGHT = 1e-3;
export const DEFAULT_MIN_DERIVATIVE = 1e-3;

/** Raw parameters per (row, dim): K widths, K heights, K − 1 interior derivatives. */
export function splineParamCount(bins: number): number {
  return 3 * bins - 1;
}

/** Fill in defaults and reject settings under which the bins cannot fit the interval. */
export function splineSpec(o: {
  bins: number;
  bound: number;
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}): SplineSpec {
  const s: SplineSpec = {
    bins: o.bins,
    bound: o.bound,
    minBinWidth: o.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH,
    minBinHeight: o.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT,
    minDerivative: o.minDerivative ?? DEFAULT_MIN_DERIVATIVE,
  };
  if (!Number.isInteger(s.bins) || s.bins < 1) throw new Error(`spline: bins must be a positive integer, got ${s.bins}`);
  if (!(s.bound > 0)) throw new Error(`spline: bound must be > 0, got ${s.bound}`);
  if (!(s.minBinWidth >= 0 && s.minBinWidth * s.bins < 1)) throw new Error(`spline: minBinWidth·bins must be in [0, 1)`);
  if (!(s.minBinHeight >= 0 && s.minBinHeight * s.bins < 1)) throw new Error(`spline: minBinHeight·bins must be in [0, 1)`);
  if (!(s.minDerivative >= 0 && s.minDerivative < 1)) throw new Error(`spline: minDerivative must be in [0, 1)`);
  return s;
}

/**
 * Per-call scratch for one (row, dim) at a time: the constrained parameters of the current element.
 * Allocated once per kernel call, never inside the element loop.
 */
class Scratch {
  /** softmax(rawW), softmax(rawH): K each. */
  readonly sw: Float64Array;
  readonly sh: Float64Array;
  /** Knots: K + 1 each. */
  readonly cw: Float64Array;
  readonly ch: Float64Array;
  /** Derivatives at the knots (K + 1) and d(derivative)/d(raw) there; only the current bin's two are set. */
  readonly dv: Float64Array;
  readonly dg: Float64Array;
  /** The located bin of the current element (see `enterBin`): index, width, height, slope h/w, the
   * derivatives at its two knots, and the relative position ξ ∈ [0, 1] in it. */
  b = 0;
  w = 0;
  h = 0;
  sl = 0;
  d0 = 0;
  d1 = 0;
  xi = 0;
  constructor(k: number) {
    this.sw = new Float64Array(k);
    this.sh = new Float64Array(k);
    this.cw = new Float64Array(k + 1);
    this.ch = new Float64Array(k + 1);
    this.dv = new Float64Array(k + 1);
    this.dg = new Float64Array(k + 1);
  }
}

/** softmax of raw[off .. off+k) into out (max-shifted). */
function softmax(raw: Floats, off: number, k: number, out: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (raw[off + i] > m) m = raw[off + i];
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const e = Math.exp(raw[off + i] - m);
    out[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < k; i++) out[i] *= inv;
}

/** Knots at −B + 2B·Σ_{i<k}(minBin + (1 − K·minBin)·soft_i), ends pinned to ±B exactly. */
function knots(soft: Float64Array, k: number, minBin: number, bound: number, out: Float64Array): void {
  const scale = 1 - k * minBin;
  const span = 2 * bound;
  let acc = 0;
  out[0] = -bound;
  for (let i = 1; i < k; i++) {
    acc += minBin + scale * soft[i - 1];
    out[i] = span * acc - bound;
  }
  out[k] = bound;
}

/**
 * Constrain the widths and heights of one element starting at params[off] (softmax and knots). The
 * derivatives are left to `slopes`, which computes only the two the located bin needs.
 */
function prepare(spec: SplineSpec, params: Floats, off: number, s: Scratch): void {
  const k = spec.bins;
  softmax(params, off, k, s.sw);
  softmax(params, off + k, k, s.sh);
  knots(s.sw, k, spec.minBinWidth, spec.bound, s.cw);
  knots(s.sh, k, spec.minBinHeight, spec.bound, s.ch);
}

/**
 * Derivatives at knots b and b+1 into s.dv, and d(derivative)/d(raw) into s.dg (0 at the fixed ends).
 * Interior knot j (1 ≤ j ≤ K−1) reads rawD at params[off + 2K − 1 + j].
 */
function slopes(spec: SplineSpec, c0: number, params: Floats, off: number, b: number, s: Scratch): void {
  const k = spec.bins;
  const dOff = off + 2 * k - 1;
  for (let j = b; j <= b + 1; j++) {
    if (j === 0 || j === k) {
      s.dv[j] = 1;
      s.dg[j] = 0;
      continue;
    }
    const z = params[dOff + j] + c0;
    // Stable softplus and its derivative (the logistic sigmoid) from one exp.
    if (z > 0) {
      const e = Math.exp(-z);
      s.dv[j] = spec.minDerivative + z + Math.log1p(e);
      s.dg[j] = 1 / (1 + e);
    } else {
      const e = Math.exp(z);
      s.dv[j] = spec.minDerivative + Math.log1p(e);
      s.dg[j] = e / (1 + e);
    }
  }
}

/** Bin index k with knots[k] ≤ v < knots[k+1]; v = B falls in the last bin. Linear: K is small. */
function locate(kn: Float64Array, k: number, v: number): number {
  let b = 0;
  while (b < k - 1 && v >= kn[b + 1]) b++;
  return b;
}

/** c0 = log(exp(1 − minD) − 1): softplus(c0) = 1 − minD, so zero raw derivatives give slope 1. */
function derivativeShift(minDerivative: number): number {
  return Math.log(Math.expm1(1 - minDerivative));
}

/** Relative position in the bin of the inverse: the root of the quadratic in the stable 2c/(−b − √Δ) form. */
function solveXi(h: number, s: number, d0: number, d1: number, dy: number): number {
  const e = d0 + d1 - 2 * s;
  const a = h * (s - d0) + dy * e;
  const b = h * d0 - dy * e;
  const c = -s * dy;
  let disc = b * b - 4 * a * c;
  if (disc < 0) disc = 0;
  const den = -b - Math.sqrt(disc);
  const xi = den !== 0 ? (2 * c) / den : 0;
  return xi < 0 ? 0 : xi > 1 ? 1 : xi;
}

/**
 * Constrains the element at params[off], locates v (an input x, or for the inverse an output y) in its bin
 * and sets the bin's quantities and ξ in s: what the forward and backward passes share.
 */
function enterBin(spec: SplineSpec, c0: number, params: Floats, off: number, s: Scratch, v: number, inverse: boolean): void {
  const { cw, ch, dv } = s;
  prepare(spec, params, off, s);
  const b = locate(inverse ? ch : cw, spec.bins, v);
  slopes(spec, c0, params, off, b, s);
  const w = cw[b + 1] - cw[b];
  const h = ch[b + 1] - ch[b];
  const sl = h / w;
  const d0 = dv[b];
  const d1 = dv[b + 1];
  let xi: number;
  if (inverse) {
    xi = solveXi(h, sl, d0, d1, v - ch[b]);
  } else {
    xi = (v - cw[b]) / w;
    xi = xi < 0 ? 0 : xi > 1 ? 1 : xi;
  }
  s.b = b;
  s.w = w;
  s.h = h;
  s.sl = sl;
  s.d0 = d0;
  s.d1 = d1;
  s.xi = xi;
}

/**
 * The gradient of one softmax-constrained set (widths or heights) through its knots: the located bin b has
 * gradient gBin on its size and gBelow on its left knot. Knots x_i = −B + 2B Σ_{l<i} w_l (ends fixed):
 * ∂L/∂w_l = 2B(gBin·[l = b] + gBelow·[l < b]) up to a constant vector, which the softmax Jacobian
 * annihilates (Σ w is fixed). Then through softmax: ∂L/∂raw_l = scale · soft_l · (g_l − Σ_m soft_m g_m).
 */
function softmaxBackward(soft: Float64Array, k: number, b: number, span: number, scale: number, gBin: number, gBelow: number, gParams: Floats, off: number): void {
  let below = 0;
  for (let l = 0; l < b; l++) below += soft[l];
  const mean = span * (gBin * soft[b] + gBelow * below);
  for (let l = 0; l < k; l++) {
    const g = span * (l < b ? gBelow : l === b ? gBin : 0);
    gParams[off + l] = scale * soft[l] * (g - mean);
  }
}

/**
 * y = f(x) (inverse = false) or x = f⁻¹(y) (inverse = true) for all N·D elements, and the per-row
 * log|det| of the map applied (for the inverse: of f⁻¹, i.e. −Σ log f′).
 * x: N·D; params: N·D·P; out: N·D; logDet: N.
 */
export function splineForward(
  spec: SplineSpec,
  x: Floats,
  params: Floats,
  n: number,
  d: number,
  inverse: boolean,
  out: Floats,
  logDet: Floats,
): void {
  const k = spec.bins;
  const p = splineParamCount(k);
  const bound = spec.bound;
  const c0 = derivativeShift(spec.minDerivative);
  const s = new Scratch(k);
  for (let r = 0; r < n; r++) {
    let ld = 0;
    for (let j = 0; j < d; j++) {
      const idx = r * d + j;
      const v = x[idx];
      if (!(v >= -bound && v <= bound)) {
        out[idx] = v; // linear tails (and NaN passes through)
        continue;
      }
      enterBin(spec, c0, params, idx * p, s, v, inverse);
      const { b, w, h, sl, d0, d1, xi } = s;
      if (inverse) out[idx] = s.cw[b] + w * xi;
      const omx = 1 - xi;
      const t = xi * omx;
      const den = sl + (d0 + d1 - 2 * sl) * t;
      if (!inverse) out[idx] = s.ch[b] + (h * (sl * xi * xi + d0 * t)) / den;
      const q = d1 * xi * xi + 2 * sl * t + d0 * omx * omx;
      // log f′ = log(s²·q / den²), one log (all factors are positive and far from over/underflow)
      const lf = Math.log((sl * sl * q) / (den * den));
      ld += inverse ? -lf : lf;
    }
    logDet[r] = ld;
  }
}

/**
 * Backward pass of splineForward (same `inverse` flag): given the upstream gradients gOut (N·D, on the
 * output) and gLogDet (N, on the per-row log-determinant), either of which may be null (= zero), write
 * the gradients w.r.t. the input (gIn, N·D) and the raw parameters (gParams, N·D·P, fully overwritten).
 *
 * Derivation. In bin k with ξ = (x − x_k)/w_k, s = h_k/w_k, t = ξ(1 − ξ), e = d_k + d_{k+1} − 2s:
 *   y = y_k + h_k·R,  R = (sξ² + d_k t)/den,  den = s + e t,
 *   log f′ = 2 log s + log q − 2 log den,  q = d_{k+1}ξ² + 2s t + d_k(1 − ξ)²,  ∂R/∂ξ = s q / den².
 * Partials w.r.t. (ξ, s, d_k, d_{k+1}) are chained to the local bin quantities (x_k, w_k, y_k, h_k), then
 * through the knots' cumulative sums, the softmax and the softplus to the raw parameters. The inverse
 * differentiates the root ξ(y, θ) implicitly: ∂ξ/∂θ = −F_θ/F_ξ with F = y_k + h_k R(ξ) − y, F_ξ = h_k ∂R/∂ξ.
 */
export function splineBackward(
  spec: SplineSpec,
  x: Floats,
  params: Floats,
  n: number,
  d: number,
  inverse: boolean,
  gOut: Floats | null,
  gLogDet: Floats | null,
  gIn: Floats,
  gParams: Floats,
): void {
  const k = spec.bins;
  const p = splineParamCount(k);
  const bound = spec.bound;
  const span = 2 * bound;
  const scaleW = 1 - k * spec.minBinWidth;
  const scaleH = 1 - k * spec.minBinHeight;
  const c0 = derivativeShift(spec.minDerivative);
  const s = new Scratch(k);
  const { sw, sh, dg } = s;
  gParams.fill(0);
  for (let r = 0; r < n; r++) {
    const gl = gLogDet ? gLogDet[r] : 0;
    for (let j = 0; j < d; j++) {
      const idx = r * d + j;
      const v = x[idx];
      const go = gOut ? gOut[idx] : 0;
      if (!(v >= -bound && v <= bound)) {
        gIn[idx] = go; // identity tail: zero parameter gradient (already filled)
        continue;
      }
      const off = idx * p;
      enterBin(spec, c0, params, off, s, v, inverse);
      const { b, w, h, sl, d0, d1, xi } = s;
      const omx = 1 - xi;
      const t = xi * omx;
      const e = d0 + d1 - 2 * sl;
      const den = sl + e * t;
      const den2 = den * den;
      const rn = sl * xi * xi + d0 * t;
      const rr = rn / den;
      const q = d1 * xi * xi + 2 * sl * t + d0 * omx * omx;
      const oneM2xi = 1 - 2 * xi;
      const oneM2t = 1 - 2 * t;
      // Partials of R and of log f′.
      const rXi = (sl * q) / den2;
      const rS = (xi * xi * den - rn * oneM2t) / den2;
      const rD0 = (t * (den - rn)) / den2;
      const rD1 = (-rn * t) / den2;
      const lXi = (2 * d1 * xi + 2 * sl * oneM2xi - 2 * d0 * omx) / q - (2 * e * oneM2xi) / den;
      const lS = 2 / sl + (2 * t) / q - (2 * oneM2t) / den;
      const lD0 = (omx * omx) / q - (2 * t) / den;
      const lD1 = (xi * xi) / q - (2 * t) / den;
      // Gradients w.r.t. the local bin quantities.
      let gCw: number, gW: number, gCh: number, gH: number, gD0: number, gD1: number;
      if (!inverse) {
        const gXi = go * h * rXi + gl * lXi;
        const gS = go * h * rS + gl * lS;
        gIn[idx] = gXi / w;
        gCw = -gXi / w;
        gW = -(gXi * xi + gS * sl) / w;
        gCh = go;
        gH = go * rr + gS / w;
        gD0 = go * h * rD0 + gl * lD0;
        gD1 = go * h * rD1 + gl * lD1;
      } else {
        // Output x = x_k + w ξ, log-det = −log f′(ξ); λ = (∂L/∂ξ)/F_ξ carries the implicit dependence.
        const lam = (go * w - gl * lXi) / (h * rXi);
        gIn[idx] = lam;
        gCw = go;
        gW = go * xi + (sl / w) * (gl * lS + lam * h * rS);
        gCh = -lam;
        gH = -(gl * lS) / w - lam * (rr + (h * rS) / w);
        gD0 = -gl * lD0 - lam * h * rD0;
        gD1 = -gl * lD1 - lam * h * rD1;
      }
      softmaxBackward(sw, k, b, span, scaleW, gW, gCw, gParams, off);
      softmaxBackward(sh, k, b, span, scaleH, gH, gCh, gParams, off + k);
      // Interior derivatives only (knots 1..K−1); rawD for knot i sits at off + 2K − 1 + i.
      const dOff = off + 2 * k - 1;
      if (b >= 1) gParams[dOff + b] += gD0 * dg[b];
      if (b + 1 <= k - 1) gParams[dOff + b + 1] += gD1 * dg[b + 1];
    }
  }
}
