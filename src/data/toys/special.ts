/**
 * Special functions the toy densities need, in plain Float64 JS: the exponentially scaled Bessel I0
 * (density of a noisy circle), the normal tail (density of a noisy segment), log-sum-exp, and
 * Gauss–Legendre nodes (the anulus's integral over radii).
 */

/**
 * e^{−x}·I0(x) for x ≥ 0, relative error < 2e-7 (Abramowitz & Stegun 9.8.1–9.8.2). Scaled so that a
 * noisy circle's log density stays finite far from the origin, where I0 alone overflows.
 */
export function besselI0e(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 3.75) {
    const t = (ax / 3.75) ** 2;
    const i0 = 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
    return i0 * Math.exp(-ax);
  }
  const t = 3.75 / ax;
  const p =
    0.39894228 +
    t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (0.00916281 + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))));
  return p / Math.sqrt(ax);
}

/**
 * Log density at radius `rho` of R·(cos φ, sin φ) + σ·ε with φ uniform and ε ~ N(0, I₂):
 * p = exp(−(ρ² + R²)/2σ²)·I0(ρR/σ²) / (2πσ²).
 */
export function logNoisyCircle(rho: number, radius: number, sigma: number): number {
  const s2 = sigma * sigma;
  const d = rho - radius;
  return -Math.log(2 * Math.PI * s2) - (d * d) / (2 * s2) + Math.log(besselI0e((rho * radius) / s2));
}

/** erfc(x), fractional error < 1.2e-7 everywhere (Chebyshev fit, Press et al., Numerical Recipes §6.2). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper normal tail Q(x) = P(Z > x), accurate in both tails (no 1 − small cancellation). */
export function normalTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** P(lo < Z < hi) for Z ~ N(0, 1), computed from the tail that avoids cancellation. */
export function normalInterval(lo: number, hi: number): number {
  if (lo >= 0) return normalTail(lo) - normalTail(hi);
  if (hi <= 0) return normalTail(-hi) - normalTail(-lo);
  return 1 - normalTail(-lo) - normalTail(hi);
}

export const LOG_2PI = Math.log(2 * Math.PI);

/** log N(x; mean, std²). */
export function logNormal(x: number, mean: number, std: number): number {
  const z = (x - mean) / std;
  return -0.5 * z * z - Math.log(std) - 0.5 * LOG_2PI;
}

/** log Σ exp(v_i) over the first n entries, stable. */
export function logSumExp(v: ArrayLike<number>, n = v.length): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/** Gauss–Legendre nodes and weights on [a, b] (Newton on P_n, Golub–Welsch-free; exact for degree 2n − 1). */
export function gaussLegendre(n: number, a: number, b: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const mid = 0.5 * (a + b);
  const half = 0.5 * (b - a);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = 0;
      for (let k = 1; k <= n; k++) {
        const p2 = p1;
        p1 = p0;
        p0 = ((2 * k - 1) * z * p1 - (k - 1) * p2) / k;
      }
      dp = (n * (z * p0 - p1)) / (z * z - 1);
      const dz = p0 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    const wi = (2 * half) / ((1 - z * z) * dp * dp);
    x[i] = mid - half * z;
    x[n - 1 - i] = mid + half * z;
    w[i] = wi;
    w[n - 1 - i] = wi;
  }
  return { x, w };
}
