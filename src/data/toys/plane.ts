/**
 * The 2-D toy densities of the flows-for-flows paper (Klein, Raine, Golling 2022, arXiv:2211.02487): the
 * plane datasets of the neural spline flow authors (Durkan et al. 2019, bayesiains/nsf `data/plane.py`)
 * plus the rings, anulus and stars the flows4flows authors added (jraine/flows4flows). Written afresh from
 * their published definitions (nsf's data/plane.py, flows4flows' toy datasets); every generator draws from one
 * seeded `Rng` and fills a row-major Float64Array of n × 2.
 *
 * Mixtures with equal weights (circles, rings, bars, spiral arms) give row i to component i mod K rather
 * than concatenating blocks: counts stay equal for any n (the reference demanded multiples of 4) and any
 * prefix of the rows is as balanced as the whole.
 *
 * Where the density has a closed form (or a 1-D integral), `logDensity` gives it, so held-out NLLs can be
 * compared with the true entropy and the generators can be checked against their own densities.
 */
import type { Rng } from '../../core/random';
import { gaussLegendre, LOG_2PI, logNoisyCircle, logNormal, logSumExp, normalInterval } from './special';

export interface PlaneToy {
  name: string;
  description: string;
  /** The density in words. */
  density: string;
  sample(n: number, rng: Rng): Float64Array;
  /** Exact log density at (x, y) in nats, when it has a closed form (or a 1-D quadrature). */
  logDensity?(x: number, y: number): number;
  /**
   * Differential entropy in nats, when known; `entropyMethod` says how: 'closed form', or 'quadrature' of
   * the exact density (src/data/toys/entropy.ts; rounded to 1e-6, the accuracy of the Bessel and erfc
   * approximations). Undefined where the density has no tractable form.
   */
  entropy?: number;
  entropyMethod?: 'closed form' | 'quadrature';
  /**
   * Half-width of a square around the origin: for the bounded toys it holds all but < 1e-6 of the mass
   * (quadrature box); for the Gaussian-tailed curve toys it is only a sensible plot range.
   */
  extent: number;
}

const TWO_PI = 2 * Math.PI;
/** Per-component log terms of one density evaluation (reused: densities run once per row). */
const scratch = new Float64Array(64);
/** Entropy of a standard normal pair: log(2πe). */
const LOG_2PIE = LOG_2PI + 1;

/**
 * Uniform in [0, 1) with 23 random bits. The checkerboard uses it so that 4u − 2 and the x2 offsets are
 * exact in float32: with 32-bit uniforms, 2·x rounds onto a cell edge now and then and a point lands in an
 * empty square.
 */
function uniform23(rng: Rng): number {
  return (rng.nextU32() >>> 9) / 8388608;
}

/** n rows of two columns, row i written by `row(out, i)`, in order (the draws are the generator's sequence). */
function rows(n: number, row: (out: Float64Array, i: number) => void): Float64Array {
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) row(out, i);
  return out;
}

const checkerboard: PlaneToy = {
  name: 'checkerboard',
  description:
    'Checkerboard: x1 ~ U(−2, 2), x2 = U(0, 1) − 2·Bernoulli(½) + (⌊x1⌋ mod 2), output 2·(x1, x2). Eight of the sixteen 2×2 squares of [−4, 4]² are filled.',
  density:
    'Uniform on the 8 squares [2i, 2i+2) × [2j, 2j+2) with i, j ∈ {−2, …, 1} and i + j even: 1/32 there, 0 elsewhere (total area 32).',
  sample(n, rng) {
    return rows(n, (out, i) => {
      const x1 = 4 * uniform23(rng) - 2;
      const flip = rng.uniform() < 0.5 ? 2 : 0;
      const x2 = uniform23(rng) - flip + mod2(Math.floor(x1));
      out[2 * i] = 2 * x1;
      out[2 * i + 1] = 2 * x2;
    });
  },
  logDensity(x, y) {
    const i = Math.floor(x / 2);
    const j = Math.floor(y / 2);
    if (i < -2 || i > 1 || j < -2 || j > 1 || mod2(i + j) !== 0) return -Infinity;
    return -Math.log(32);
  },
  entropy: Math.log(32),
  entropyMethod: 'closed form',
  extent: 4,
};

function mod2(k: number): number {
  return ((k % 2) + 2) % 2;
}

const FOUR_CENTRES = [
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
];

const fourcircles: PlaneToy = {
  name: 'fourcircles',
  description: 'Four circles of radius 2 centred at (±1, ±1), isotropic Gaussian noise σ = 0.1; equal weights.',
  density:
    'Equal mixture of four noisy circles: each is a point uniform on a circle of radius 2 about (±1, ±1) plus N(0, 0.1²·I). The circles cross one another; density exp(−(ρ² + 4)/2σ²)·I0(2ρ/σ²)/(2πσ²) per circle, ρ the distance to its centre.',
  sample(n, rng) {
    return rows(n, (out, i) => {
      const c = FOUR_CENTRES[i % 4];
      const phi = TWO_PI * rng.uniform();
      out[2 * i] = c[0] + 2 * Math.cos(phi) + 0.1 * rng.normal();
      out[2 * i + 1] = c[1] + 2 * Math.sin(phi) + 0.1 * rng.normal();
    });
  },
  logDensity(x, y) {
    const v = scratch;
    for (let k = 0; k < 4; k++) v[k] = logNoisyCircle(Math.hypot(x - FOUR_CENTRES[k][0], y - FOUR_CENTRES[k][1]), 2, 0.1);
    return logSumExp(v, 4) - Math.log(4);
  },
  entropy: 2.870819,
  entropyMethod: 'quadrature',
  extent: 4.5,
};

/**
 * Row i of out: scale·(2·(cos φ, sin φ) + noise·N(0, I)), φ uniform: the reference's noisy circle of radius
 * 2, scaled (the rings, the anulus and the ring draw φ, then the two normals, in this order).
 */
function noisyCircleRow(out: Float64Array, i: number, rng: Rng, scale: number, noise: number): void {
  const phi = TWO_PI * rng.uniform();
  out[2 * i] = scale * (2 * Math.cos(phi) + noise * rng.normal());
  out[2 * i + 1] = scale * (2 * Math.sin(phi) + noise * rng.normal());
}

const concentricrings: PlaneToy = {
  name: 'concentricrings',
  description:
    'Four concentric rings about the origin of radii 0.8, 1.6, 2.4, 3.2; ring k (k = 1…4) has Gaussian noise σ = 0.04·k (the reference scales a noisy circle 2·(cos, sin) + N(0, 0.1²) by 0.4·k); equal weights.',
  density: 'Equal mixture of four noisy circles of radius 0.8·k and noise σ = 0.04·k, k = 1…4, all centred at the origin.',
  sample(n, rng) {
    return rows(n, (out, i) => {
      const k = (i % 4) + 1;
      noisyCircleRow(out, i, rng, 0.4 * k, 0.1);
    });
  },
  logDensity(x, y) {
    const rho = Math.hypot(x, y);
    const v = scratch;
    for (let k = 1; k <= 4; k++) v[k - 1] = logNoisyCircle(rho, 0.8 * k, 0.04 * k);
    return logSumExp(v, 4) - Math.log(4);
  },
  entropy: 2.786439,
  entropyMethod: 'quadrature',
  extent: 4.5,
};

const ANULUS_QUAD = gaussLegendre(48, 1, 2);

const anulus: PlaneToy = {
  name: 'anulus',
  description:
    'Anulus: r ~ U(1, 2), point = 0.5·r·(2·(cos φ, sin φ) + N(0, 0.3²·I)), φ uniform: a circle of random radius r with noise σ = 0.15·r.',
  density: 'The noisy-circle density averaged over radii r ∈ [1, 2] with noise 0.15·r; a smooth band between radius ≈ 1 and ≈ 2.',
  sample(n, rng) {
    return rows(n, (out, i) => {
      const r = 1 + rng.uniform();
      noisyCircleRow(out, i, rng, 0.5 * r, 0.3);
    });
  },
  logDensity(x, y) {
    // ∫₁² p_circle(ρ; r, 0.15 r) dr by 48-point Gauss–Legendre (the integrand is smooth on the scale 0.15).
    const rho = Math.hypot(x, y);
    const { x: r, w } = ANULUS_QUAD;
    const v = scratch;
    for (let k = 0; k < r.length; k++) v[k] = Math.log(w[k]) + logNoisyCircle(rho, r[k], 0.15 * r[k]);
    return logSumExp(v, r.length);
  },
  entropy: 2.625975,
  entropyMethod: 'quadrature',
  extent: 4,
};

const ring: PlaneToy = {
  name: 'ring',
  description: 'Ring: the anulus with r fixed at 2.25, i.e. a circle of radius 2.25 with Gaussian noise σ = 0.5·2.25·0.3 = 0.3375.',
  density: 'A noisy circle: uniform angle at radius 2.25 plus N(0, 0.3375²·I).',
  sample(n, rng) {
    return rows(n, (out, i) => noisyCircleRow(out, i, rng, 1.125, 0.3));
  },
  logDensity(x, y) {
    return logNoisyCircle(Math.hypot(x, y), 2.25, 0.3375);
  },
  entropy: 2.975761,
  entropyMethod: 'quadrature',
  extent: 4.5,
};

/** Star with `bars` bars: 2·(U + 0.3, 0) + N(0, 0.1²·I) rotated counter-clockwise by 2πk/bars. */
function star(name: string, bars: number, entropy: number, note: string): PlaneToy {
  const sigma = 0.1;
  const cos = Array.from({ length: bars }, (_, k) => Math.cos((TWO_PI * k) / bars));
  const sin = Array.from({ length: bars }, (_, k) => Math.sin((TWO_PI * k) / bars));
  return {
    name,
    description: `Star of ${bars} bars: each bar is 2·(U + 0.3, 0) + N(0, 0.1²·I) (a segment from radius 0.6 to 2.6, noise σ = 0.1) rotated by 2πk/${bars}; equal weights.${note}`,
    density: `Equal mixture of ${bars} blurred segments: along a bar, ½·P(s − 2.6 < σZ < s − 0.6); across it, N(0, 0.1²).`,
    sample(n, rng) {
      return rows(n, (out, i) => {
        const k = i % bars;
        const s = 2 * (rng.uniform() + 0.3) + sigma * rng.normal();
        const t = sigma * rng.normal();
        out[2 * i] = s * cos[k] - t * sin[k];
        out[2 * i + 1] = s * sin[k] + t * cos[k];
      });
    },
    logDensity(x, y) {
      const v = scratch;
      for (let k = 0; k < bars; k++) {
        const s = x * cos[k] + y * sin[k];
        const t = -x * sin[k] + y * cos[k];
        v[k] = Math.log(0.5 * normalInterval((s - 2.6) / sigma, (s - 0.6) / sigma)) + logNormal(t, 0, sigma);
      }
      return logSumExp(v, bars) - Math.log(bars);
    },
    entropy,
    entropyMethod: 'quadrature',
    extent: 3.5,
  };
}

const twospirals: PlaneToy = {
  name: 'twospirals',
  description:
    'Two spirals: t = √U·540°; arm 1 is (−t·cos t + U₁/2, t·sin t + U₂/2), arm 2 its mirror through the origin; all divided by 3, plus N(0, 0.1²·I).',
  density: 'Two interleaved spiral arms of 1.5 turns, thickened by uniform and Gaussian noise; no closed form (entropy not given).',
  sample(n, rng) {
    const turn = (540 * TWO_PI) / 360;
    return rows(n, (out, i) => {
      const t = Math.sqrt(rng.uniform()) * turn;
      let x = -Math.cos(t) * t + 0.5 * rng.uniform();
      let y = Math.sin(t) * t + 0.5 * rng.uniform();
      if (i % 2 === 1) {
        x = -x;
        y = -y;
      }
      out[2 * i] = x / 3 + 0.1 * rng.normal();
      out[2 * i + 1] = y / 3 + 0.1 * rng.normal();
    });
  },
  extent: 4,
};

/** Toys of the form x1 ~ N(0, 1), x2 | x1 ~ N(f(x1), s²), with the columns optionally swapped. */
function curve(
  name: string,
  description: string,
  f: (x1: number) => number,
  std: number,
  swap: boolean,
): PlaneToy {
  return {
    name,
    description,
    density: `t ~ N(0, 1) and, given t, a second coordinate ~ N(f(t), ${std === 1 ? '1' : std.toPrecision(4) + '²'}); a Gaussian tube around a curve. Exact log density: log N(t; 0, 1) + log N(u; f(t), s²).`,
    sample(n, rng) {
      return rows(n, (out, i) => {
        const t = rng.normal();
        const u = f(t) + std * rng.normal();
        out[2 * i] = swap ? u : t;
        out[2 * i + 1] = swap ? t : u;
      });
    },
    logDensity(x, y) {
      const t = swap ? y : x;
      const u = swap ? x : y;
      return logNormal(t, 0, 1) + logNormal(u, f(t), std);
    },
    // H(t) + H(u | t) = ½ log(2πe) + ½ log(2πe s²).
    entropy: LOG_2PIE + Math.log(std),
    entropyMethod: 'closed form',
    extent: 8,
  };
}

const gaussian: PlaneToy = {
  name: 'gaussian',
  description: 'Axis-aligned Gaussian: x1 ~ N(0, 1), x2 ~ N(0, 0.5²).',
  density: 'N(0, diag(1, 0.25)).',
  sample(n, rng) {
    return rows(n, (out, i) => {
      out[2 * i] = rng.normal();
      out[2 * i + 1] = 0.5 * rng.normal();
    });
  },
  logDensity(x, y) {
    return logNormal(x, 0, 1) + logNormal(y, 0, 0.5);
  },
  entropy: LOG_2PIE + Math.log(0.5),
  entropyMethod: 'closed form',
  extent: 7,
};

const crescent = curve(
  'crescent',
  'Crescent: t ~ N(0, 1), x1 = ½t² − 1 + e⁻¹·N(0, 1), x2 = t (a parabola opening to the right).',
  (t) => 0.5 * t * t - 1,
  Math.exp(-1),
  true,
);
const crescentcubed = curve(
  'crescentcubed',
  'Cubed crescent: t ~ N(0, 1), x1 = 0.2·t³ + N(0, 1), x2 = t.',
  (t) => 0.2 * t * t * t,
  1,
  true,
);
const sinewave = curve('sinewave', 'Sine wave: x1 ~ N(0, 1), x2 = sin(5·x1) + e⁻¹·N(0, 1).', (t) => Math.sin(5 * t), Math.exp(-1), false);
const abs = curve('abs', 'Absolute value: x1 ~ N(0, 1), x2 = |x1| − 1 + e^{−3/2}·N(0, 1).', (t) => Math.abs(t) - 1, Math.exp(-1.5), false);
const sign = curve('sign', 'Sign: x1 ~ N(0, 1), x2 = sign(x1) + x1 + e^{−3/2}·N(0, 1).', (t) => Math.sign(t) + t, Math.exp(-1.5), false);

const DIAMOND_WIDTH = 20;
const DIAMOND_BOUND = 2.5;
const DIAMOND_STD = 0.04;
const DIAMOND_STEP = (2 * DIAMOND_BOUND) / (DIAMOND_WIDTH - 1);

const diamond: PlaneToy = {
  name: 'diamond',
  description:
    'Diamond: a 20 × 20 grid of Gaussians (σ = 0.04) with means on linspace(−2.5, 2.5, 20)², rotated by 45° (x′ = (x + y)/√2, y′ = (y − x)/√2). The reference also jitters each mean by U(0, 10⁻³), redrawn per call; it is left out here (2.5 % of σ) so the density is exact.',
  density: 'Equal mixture of 400 isotropic Gaussians, σ = 0.04, centred on a rotated square grid of spacing 5/19 ≈ 0.263 (6.6 σ apart).',
  sample(n, rng) {
    const a = Math.SQRT1_2;
    return rows(n, (out, i) => {
      const cell = rng.int(DIAMOND_WIDTH * DIAMOND_WIDTH);
      const x = -DIAMOND_BOUND + DIAMOND_STEP * Math.floor(cell / DIAMOND_WIDTH) + DIAMOND_STD * rng.normal();
      const y = -DIAMOND_BOUND + DIAMOND_STEP * (cell % DIAMOND_WIDTH) + DIAMOND_STD * rng.normal();
      out[2 * i] = a * (x + y);
      out[2 * i + 1] = a * (y - x);
    });
  },
  logDensity(xr, yr) {
    // Undo the rotation (isotropic noise is unchanged by it), then sum the 5 × 5 nearest components:
    // the next ring of means is ≥ 2.5 spacings = 16 σ away, e^{−128} relative.
    const a = Math.SQRT1_2;
    const x = a * (xr - yr);
    const y = a * (xr + yr);
    const ci = Math.round((x + DIAMOND_BOUND) / DIAMOND_STEP);
    const cj = Math.round((y + DIAMOND_BOUND) / DIAMOND_STEP);
    const v = scratch;
    let nv = 0;
    for (let i = Math.max(0, ci - 2); i <= Math.min(DIAMOND_WIDTH - 1, ci + 2); i++) {
      for (let j = Math.max(0, cj - 2); j <= Math.min(DIAMOND_WIDTH - 1, cj + 2); j++) {
        const mx = -DIAMOND_BOUND + DIAMOND_STEP * i;
        const my = -DIAMOND_BOUND + DIAMOND_STEP * j;
        v[nv++] = logNormal(x, mx, DIAMOND_STD) + logNormal(y, my, DIAMOND_STD);
      }
    }
    if (nv === 0) {
      // Far outside the grid: the nearest corner component dominates.
      const mx = Math.min(Math.max(x, -DIAMOND_BOUND), DIAMOND_BOUND);
      const my = Math.min(Math.max(y, -DIAMOND_BOUND), DIAMOND_BOUND);
      v[nv++] = logNormal(x, mx, DIAMOND_STD) + logNormal(y, my, DIAMOND_STD);
    }
    return logSumExp(v, nv) - Math.log(DIAMOND_WIDTH * DIAMOND_WIDTH);
  },
  entropy: 2.386083,
  entropyMethod: 'quadrature',
  extent: 4,
};

export const PLANE_TOYS: PlaneToy[] = [
  checkerboard,
  fourcircles,
  concentricrings,
  anulus,
  ring,
  star('star', 4, 1.286114, ''),
  star('eightstar', 8, 1.976548, ' (The reference configuration named "eighstar" silently built the default 4 bars; this one has 8.)'),
  twospirals,
  gaussian,
  crescent,
  crescentcubed,
  sinewave,
  abs,
  sign,
  diamond,
];
