// The compiled spline (src/core/wasm/dense.c, what the tfjs op runs) against the reference JS kernel
// (src/core/spline/kernel.ts, itself tested against float64 finite differences): values, log-dets and
// both backward passes, forward and inverse, inside and outside the tails, with absent upstream gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splineBackward, splineForward, splineParamCount, splineSpec } from '../../../src/core/spline/kernel';
import { Rng } from '../../../src/core/random';
import { DenseKernels } from '../../../src/core/wasm/dense';

function maxRel(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

// Two threads share the rows (src/core/wasm/dense.ts); the results must be the same.
let helped: DenseKernels;
test('setup: kernels with a helper thread', async () => {
  helped = new DenseKernels(2);
  for (let i = 0; i < 200 && !helped.helperReady; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(helped.helperReady);
});

for (const bins of [8, 3]) {
  for (const inverse of [false, true]) {
    test(`compiled spline = JS spline (${bins} bins, ${inverse ? 'inverse' : 'forward'}), 1 and 2 threads: values, log-det and gradients within 2e-5`, () => {
      const spec = splineSpec({ bins, bound: 3 });
      const P = splineParamCount(bins);
      const n = 301;
      const d = 2;
      const rng = new Rng(bins * 10 + (inverse ? 1 : 0));
      const x = rng.fillUniform(new Float32Array(n * d), -4.5, 4.5) as Float32Array; // ~1/3 in the tails
      const params = rng.fillUniform(new Float32Array(n * d * P), -2, 2) as Float32Array;
      const gOut = rng.fillUniform(new Float32Array(n * d), -1, 1) as Float32Array;
      const gLd = rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
      for (const threads of [1, 2] as const) check(threads);
      function check(threads: 1 | 2) {
      const K = threads === 1 ? new DenseKernels(1) : helped;
      const buf = (a: Float32Array | number) => {
        const p = K.alloc(typeof a === 'number' ? a : a.length);
        if (typeof a !== 'number') K.put(p, a);
        return p;
      };
      const [px, pp, py, pl] = [buf(x), buf(params), buf(n * d), buf(n)];
      K.splineForward(n, d, spec, inverse, px, pp, py, pl);
      const y = new Float32Array(n * d);
      const ld = new Float32Array(n);
      splineForward(spec, x, params, n, d, inverse, y, ld);
      assert.ok(maxRel(K.take(py, n * d), y) < 2e-5, `values ${maxRel(K.take(py, n * d), y)}`);
      assert.ok(maxRel(K.take(pl, n), ld) < 2e-5, `log-det ${maxRel(K.take(pl, n), ld)}`);
      for (const [go, gl] of [
        [gOut, gLd],
        [gOut, null],
        [null, gLd],
      ] as const) {
        const [pgo, pgl, pgi, pgp] = [go ? buf(go) : 0, gl ? buf(gl) : 0, buf(n * d), buf(n * d * P)];
        K.splineBackward(n, d, spec, inverse, px, pp, pgo, pgl, pgi, pgp);
        const gi = new Float32Array(n * d);
        const gp = new Float32Array(n * d * P);
        splineBackward(spec, x, params, n, d, inverse, go, gl, gi, gp);
        assert.ok(maxRel(K.take(pgi, n * d), gi) < 2e-5, `d/dx ${maxRel(K.take(pgi, n * d), gi)}`);
        assert.ok(maxRel(K.take(pgp, n * d * P), gp) < 2e-5, `d/dparams ${maxRel(K.take(pgp, n * d * P), gp)}`);
      }
      }
    });
  }
}

test('teardown: stop the helper thread', () => {
  helped.close();
});
