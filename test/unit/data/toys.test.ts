import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateToy, toyInfo, toyLogDensity, toyNames } from '../../../src/data/toys';
import { expectedLogScale } from '../../../src/data/toys/conditional';
import { gridEntropy, radialEntropy } from '../../../src/data/toys/entropy';
import { PLANE_TOYS } from '../../../src/data/toys/plane';
import { gaussLegendre } from '../../../src/data/toys/special';

const ALL = [
  'checkerboard', 'fourcircles', 'concentricrings', 'anulus', 'ring', 'star', 'eightstar', 'twospirals',
  'gaussian', 'crescent', 'crescentcubed', 'sinewave', 'abs', 'sign', 'diamond',
];

/** |count − n·p| within k binomial standard deviations. */
function assertBinomial(count: number, n: number, p: number, k = 3, what = ''): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) <= k * sd, `${what}: ${count} vs ${n * p} ± ${k}·${sd.toFixed(1)}`);
}

test('toyNames lists every toy; unknown names throw with the list', () => {
  assert.deepEqual(toyNames(), ALL);
  assert.throws(() => generateToy('moons', 10, 0), (e: Error) => /unknown toy "moons"/.test(e.message) && /checkerboard/.test(e.message) && /diamond/.test(e.message));
  assert.throws(() => toyInfo('nope'), /available: checkerboard, fourcircles/);
  assert.throws(() => generateToy('ring', 10, 0, { condition: 'shear' as never }), /rotation, radial, ellipse/);
  // Aliases of the reference's names.
  assert.equal(toyInfo('spirals').name, 'twospirals');
  assert.equal(toyInfo('EighStar').name, 'eightstar');
});

test('every toy: n × 2 Float32 with columns x0, x1, finite values, a description and a density text', () => {
  for (const name of ALL) {
    const { features, condition } = generateToy(name, 1001, 5);
    assert.equal(features.rows, 1001);
    assert.equal(features.cols, 2);
    assert.ok(features.data instanceof Float32Array);
    assert.deepEqual(features.columns, ['x0', 'x1']);
    assert.equal(condition, undefined);
    assert.ok(features.data.every(Number.isFinite), name);
    const info = toyInfo(name);
    assert.ok(info.description.length > 20 && info.density.length > 10, name);
  }
});

test('seeds: same seed gives identical data, different seeds differ', () => {
  for (const name of ALL) {
    const a = generateToy(name, 500, 42).features.data;
    const b = generateToy(name, 500, 42).features.data;
    const c = generateToy(name, 500, 43).features.data;
    assert.deepEqual(a, b, name);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differ++;
    assert.ok(differ > 0.9 * a.length, `${name}: only ${differ} of ${a.length} values differ`);
  }
});

test('checkerboard: each of the 8 occupied 2×2 squares holds 1/8 (3σ), empty squares hold nothing', () => {
  const n = 80000;
  const m = generateToy('checkerboard', n, 3).features;
  const counts = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const i = Math.floor(m.data[2 * r] / 2);
    const j = Math.floor(m.data[2 * r + 1] / 2);
    counts.set(`${i},${j}`, (counts.get(`${i},${j}`) ?? 0) + 1);
  }
  let occupied = 0;
  for (let i = -2; i <= 1; i++) {
    for (let j = -2; j <= 1; j++) {
      const c = counts.get(`${i},${j}`) ?? 0;
      if ((((i + j) % 2) + 2) % 2 === 0) {
        occupied++;
        assertBinomial(c, n, 1 / 8, 3, `square ${i},${j}`);
      } else {
        assert.equal(c, 0, `empty square ${i},${j}`);
      }
    }
  }
  assert.equal(occupied, 8);
  // Nothing outside [−4, 4)².
  let total = 0;
  for (const c of counts.values()) total += c;
  const inside = [...counts.entries()].filter(([k]) => k.split(',').every((v) => +v >= -2 && +v <= 1));
  assert.equal(inside.reduce((s, [, c]) => s + c, 0), total);
  // Uniform inside a square: x0 mod 2 has mean 1 and variance 1/3.
  let s = 0;
  let s2 = 0;
  for (let r = 0; r < n; r++) {
    const f = m.data[2 * r] - 2 * Math.floor(m.data[2 * r] / 2);
    s += f;
    s2 += f * f;
  }
  const mean = s / n;
  assert.ok(Math.abs(mean - 1) < 4 * Math.sqrt(1 / 3 / n), `mean in square ${mean}`);
  assert.ok(Math.abs(s2 / n - mean * mean - 1 / 3) < 0.01);
});

/** Counts per 22.5° sector centred on k·22.5°, for points farther than rMin from the origin. */
function sectors(name: string, n: number, rMin: number): { counts: number[]; total: number } {
  const m = generateToy(name, n, 11).features;
  const counts = new Array(16).fill(0);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const x = m.data[2 * r];
    const y = m.data[2 * r + 1];
    if (Math.hypot(x, y) <= rMin) continue;
    const k = ((Math.round(Math.atan2(y, x) / (Math.PI / 8)) % 16) + 16) % 16;
    counts[k]++;
    total++;
  }
  return { counts, total };
}

test('eightstar has 8 bars (45° apart), star 4 (90° apart): angular histogram', () => {
  const e = sectors('eightstar', 40000, 1);
  for (let k = 0; k < 16; k++) {
    if (k % 2 === 0) assertBinomial(e.counts[k], e.total, 1 / 8, 3, `eightstar bar ${k / 2}`);
    else assert.ok(e.counts[k] < 0.002 * e.total, `eightstar gap ${k}: ${e.counts[k]}`);
  }
  const s = sectors('star', 40000, 1);
  for (let k = 0; k < 16; k++) {
    if (k % 4 === 0) assertBinomial(s.counts[k], s.total, 1 / 4, 3, `star bar ${k / 4}`);
    else assert.ok(s.counts[k] < 0.002 * s.total, `star gap ${k}: ${s.counts[k]}`);
  }
  // Bars run from radius 0.6 to 2.6 (noise σ 0.1): radii of the star lie in (0.2, 3.0).
  const m = generateToy('star', 20000, 2).features;
  let lo = Infinity;
  let hi = 0;
  for (let r = 0; r < m.rows; r++) {
    const rho = Math.hypot(m.data[2 * r], m.data[2 * r + 1]);
    lo = Math.min(lo, rho);
    hi = Math.max(hi, rho);
  }
  assert.ok(lo > 0.15 && lo < 0.5 && hi > 2.6 && hi < 3.1, `radii ${lo}..${hi}`);
});

/** Mean and std of distance to `centre` over rows r ≡ k (mod K). */
function radiusStats(m: { data: Float32Array; rows: number }, k: number, K: number, cx = 0, cy = 0): { mean: number; sd: number; cmx: number; cmy: number } {
  let s = 0;
  let s2 = 0;
  let sx = 0;
  let sy = 0;
  let c = 0;
  for (let r = k; r < m.rows; r += K) {
    const rho = Math.hypot(m.data[2 * r] - cx, m.data[2 * r + 1] - cy);
    s += rho;
    s2 += rho * rho;
    sx += m.data[2 * r];
    sy += m.data[2 * r + 1];
    c++;
  }
  return { mean: s / c, sd: Math.sqrt(s2 / c - (s / c) ** 2), cmx: sx / c, cmy: sy / c };
}

test('fourcircles: four circles of radius 2 (σ 0.1) centred at (±1, ±1)', () => {
  const m = generateToy('fourcircles', 40000, 7).features;
  const centres = [[1, 1], [1, -1], [-1, 1], [-1, -1]];
  for (let k = 0; k < 4; k++) {
    const [cx, cy] = centres[k];
    const st = radiusStats(m, k, 4, cx, cy);
    // E‖R u + σε‖ ≈ R + σ²/(2R) = 2.0025; radial spread ≈ σ.
    assert.ok(Math.abs(st.mean - 2.0025) < 0.005, `circle ${k} radius ${st.mean}`);
    assert.ok(Math.abs(st.sd - 0.1) < 0.005, `circle ${k} width ${st.sd}`);
    // A uniform angle puts the mean of each circle's points at its centre.
    assert.ok(Math.abs(st.cmx - cx) < 0.05 && Math.abs(st.cmy - cy) < 0.05, `centre ${st.cmx}, ${st.cmy}`);
  }
});

test('concentric rings at radii 0.8, 1.6, 2.4, 3.2 (σ 0.04·k); ring at 2.25; anulus between 1 and 2', () => {
  const m = generateToy('concentricrings', 40000, 8).features;
  for (let k = 1; k <= 4; k++) {
    const st = radiusStats(m, k - 1, 4);
    const R = 0.8 * k;
    const sig = 0.04 * k;
    assert.ok(Math.abs(st.mean - (R + (sig * sig) / (2 * R))) < 0.004, `ring ${k}: ${st.mean}`);
    assert.ok(Math.abs(st.sd / sig - 1) < 0.05, `ring ${k} width ${st.sd}`);
  }
  const ring = radiusStats(generateToy('ring', 20000, 9).features, 0, 1);
  assert.ok(Math.abs(ring.mean - (2.25 + 0.3375 ** 2 / 4.5)) < 0.01, `ring ${ring.mean}`);
  assert.ok(Math.abs(ring.sd / 0.3375 - 1) < 0.03, `ring width ${ring.sd}`);
  // Anulus: radius r(1 + noise), r ~ U(1, 2): mean ≈ 1.5·(1 + 0.15²/2) = 1.517.
  const an = radiusStats(generateToy('anulus', 20000, 9).features, 0, 1);
  assert.ok(Math.abs(an.mean - 1.5169) < 0.01, `anulus ${an.mean}`);
});

test('twospirals: the two arms are mirror images through the origin', () => {
  const m = generateToy('twospirals', 20000, 4).features;
  const a0 = radiusStats(m, 0, 2);
  const a1 = radiusStats(m, 1, 2);
  assert.ok(Math.abs(a0.cmx + a1.cmx) < 0.05 && Math.abs(a0.cmy + a1.cmy) < 0.05);
  assert.ok(Math.abs(a0.mean - a1.mean) < 0.03);
  // Arm 0's centroid, E[(−t cos t + U/2, t sin t + U/2)]/3 with t = √U·3π, is (0.2248, 0.7200) by
  // quadrature; the sample's (10 000 points, coordinate s.d. ≈ 1.5) is within 4 s.e. = 0.06.
  assert.ok(Math.abs(a0.cmx - 0.2248) < 0.06 && Math.abs(a0.cmy - 0.72) < 0.06, `arm centroid ${a0.cmx}, ${a0.cmy}`);
});

test('entropies: checkerboard log 32 exactly, four circles matches the anchors figure 2.8707', () => {
  assert.ok(Math.abs((toyInfo('checkerboard').entropy as number) - 3.4657359) < 1e-6);
  assert.ok(Math.abs((toyInfo('fourcircles').entropy as number) - 2.8707) < 2e-4);
  assert.equal(toyInfo('twospirals').entropy, undefined);
  assert.equal(toyInfo('twospirals').hasDensity, false);
  assert.throws(() => toyLogDensity('twospirals', generateToy('twospirals', 3, 0).features), /no closed-form density/);
});

test('stored quadrature entropies are reproduced by quadrature of the densities (1e-5), mass 1', () => {
  for (const t of PLANE_TOYS) {
    if (t.entropyMethod !== 'quadrature' || !t.logDensity) continue;
    const ld = t.logDensity.bind(t);
    const radial = ['concentricrings', 'anulus', 'ring'].includes(t.name);
    const q = radial ? radialEntropy((rho) => ld(rho, 0), 1.5 * t.extent, 0.005) : gridEntropy(ld, t.extent, 0.02);
    assert.ok(Math.abs(q.entropy - (t.entropy as number)) < 1e-5, `${t.name}: ${q.entropy} vs ${t.entropy}`);
    assert.ok(Math.abs(q.mass - 1) < 1e-6, `${t.name} mass ${q.mass}`);
  }
  // Closed-form toys: their densities integrate to 1 on a box where the tails are negligible.
  for (const name of ['gaussian', 'sinewave', 'abs', 'sign']) {
    const t = PLANE_TOYS.find((x) => x.name === name)!;
    const q = gridEntropy(t.logDensity!.bind(t), 7, 0.02);
    assert.ok(Math.abs(q.mass - 1) < 1e-6 && Math.abs(q.entropy - t.entropy!) < 1e-4, `${name}: ${q.mass}, ${q.entropy}`);
  }
});

test('generators agree with their densities: −mean log p of 20 000 samples = entropy within 4.5 s.e.', () => {
  for (const name of ALL) {
    const info = toyInfo(name);
    if (!info.hasDensity) continue;
    const m = generateToy(name, 20000, 21).features;
    const lp = toyLogDensity(name, m);
    let s = 0;
    let s2 = 0;
    for (const v of lp) {
      assert.ok(Number.isFinite(v), `${name}: a sample outside the support`);
      s += v;
      s2 += v * v;
    }
    const n = lp.length;
    const mean = -s / n;
    const se = Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2) / n);
    const tol = Math.max(4.5 * se, 1e-9);
    assert.ok(Math.abs(mean - (info.entropy as number)) <= tol, `${name}: ${mean} vs ${info.entropy} ± ${tol}`);
  }
});

test('rotation: condition θ/45 in [0, 1), points are the plain toy turned clockwise by θ and scaled 1/√2', () => {
  const n = 20000;
  const plain = generateToy('checkerboard', n, 5).features;
  const { features, condition } = generateToy('checkerboard', n, 5, { condition: 'rotation' });
  assert.ok(condition);
  assert.deepEqual(condition.columns, ['c0']);
  assert.equal(condition.cols, 1);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = condition.data[i];
    assert.ok(c >= 0 && c < 1);
    s += c;
    const x = plain.data[2 * i];
    const y = plain.data[2 * i + 1];
    const X = features.data[2 * i];
    const Y = features.data[2 * i + 1];
    assert.ok(Math.abs(Math.hypot(X, Y) - Math.hypot(x, y) / Math.SQRT2) < 1e-5);
    // Clockwise: angle(out) = angle(in) − θ (mod 2π).
    let dth = Math.atan2(y, x) - Math.atan2(Y, X) - (c * 45 * Math.PI) / 180;
    dth = Math.atan2(Math.sin(dth), Math.cos(dth));
    if (Math.hypot(x, y) > 0.1) assert.ok(Math.abs(dth) < 1e-4, `row ${i}: angle off by ${dth}`);
  }
  assert.ok(Math.abs(s / n - 0.5) < 4 * Math.sqrt(1 / 12 / n));
  // Everything stays inside [−4, 4]² after at most 45°.
  assert.ok(features.data.every((v) => Math.abs(v) <= 4 + 1e-6));
  const info = toyInfo('checkerboard', { condition: 'rotation' });
  assert.ok(Math.abs((info.conditional!.entropy as number) - (Math.log(32) - Math.log(2))) < 1e-12);
});

test('rotation at a fixed condition: every row turned by the same angle', () => {
  const { features, condition } = generateToy('fourcircles', 100, 1, { condition: 'rotation', at: 0.5 });
  const plain = generateToy('fourcircles', 100, 1).features;
  assert.ok(condition!.data.every((c) => c === 0.5));
  const cs = Math.cos(Math.PI / 8);
  const sn = Math.sin(Math.PI / 8);
  for (let i = 0; i < 100; i++) {
    const x = plain.data[2 * i];
    const y = plain.data[2 * i + 1];
    assert.ok(Math.abs(features.data[2 * i] - (x * cs + y * sn) * Math.SQRT1_2) < 1e-5);
    assert.ok(Math.abs(features.data[2 * i + 1] - (-x * sn + y * cs) * Math.SQRT1_2) < 1e-5);
  }
});

test('radial: scale s = √U·(max − min) + min is the condition and multiplies the points', () => {
  const n = 40000;
  const plain = generateToy('ring', n, 6).features;
  const { features, condition } = generateToy('ring', n, 6, { condition: 'radial', minScale: 0.5, maxScale: 1.5 });
  let below = 0;
  const median = 0.5 + 1 / Math.SQRT2; // P(s ≤ t) = ((t − min)/(max − min))²
  for (let i = 0; i < n; i++) {
    const s = condition!.data[i];
    assert.ok(s >= 0.5 && s <= 1.5);
    if (s <= median) below++;
    assert.ok(Math.abs(features.data[2 * i] - s * plain.data[2 * i]) < 1e-5);
    assert.ok(Math.abs(features.data[2 * i + 1] - s * plain.data[2 * i + 1]) < 1e-5);
  }
  assertBinomial(below, n, 0.5, 3, 'median of the scale');
  // Reference defaults: [0, 1].
  const d = generateToy('ring', 1000, 1, { condition: 'radial' }).condition!;
  assert.ok(d.data.every((s) => s >= 0 && s <= 1));
  // H(x | s) = H + 2·E[log s]; for s = √U, E[log s] = −½.
  assert.ok(Math.abs(expectedLogScale(0, 1) + 0.5) < 1e-12);
  const gl = gaussLegendre(64, 0, 1);
  let el = 0;
  for (let k = 0; k < 64; k++) el += gl.w[k] * 2 * gl.x[k] * Math.log(0.5 + gl.x[k]);
  assert.ok(Math.abs(expectedLogScale(0.5, 1) - el) < 1e-10);
  const info = toyInfo('ring', { condition: 'radial', minScale: 0.5, maxScale: 1.5 });
  assert.ok(Math.abs(info.conditional!.entropy! - (toyInfo('ring').entropy! + 2 * el)) < 1e-9);
});

test('ellipse: two condition columns, one scale per axis', () => {
  const plain = generateToy('fourcircles', 5000, 2).features;
  const { features, condition } = generateToy('fourcircles', 5000, 2, { condition: 'ellipse', maxScale: 2 });
  assert.deepEqual(condition!.columns, ['c0', 'c1']);
  let corr = 0;
  for (let i = 0; i < 5000; i++) {
    const sx = condition!.data[2 * i];
    const sy = condition!.data[2 * i + 1];
    assert.ok(sx >= 0 && sx <= 2 && sy >= 0 && sy <= 2);
    assert.ok(Math.abs(features.data[2 * i] - sx * plain.data[2 * i]) < 1e-5);
    assert.ok(Math.abs(features.data[2 * i + 1] - sy * plain.data[2 * i + 1]) < 1e-5);
    corr += (sx - 4 / 3) * (sy - 4 / 3); // E[s] = 2·max/3
  }
  // Independent scales: covariance ≈ 0 (var of s is max²/18 = 0.222; 5 s.e. of the mean product).
  assert.ok(Math.abs(corr / 5000) < 5 * (2 * 2 / 18) / Math.sqrt(5000));
  const info = toyInfo('fourcircles', { condition: 'ellipse' });
  assert.deepEqual(info.conditional!.columns, ['c0', 'c1']);
});
