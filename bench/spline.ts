/**
 * Micro-benchmark of the fused rational-quadratic spline op (src/core/ops/spline.ts): kernels dispatched
 * and milliseconds per call for forward and forward+backward, plus the bare JS kernel time.
 * Usage: node out/bench/spline.js [--backend wasm|cpu] [--n 512] [--d 2] [--bins 8] [--iters 200] [--out file.json]
 * Prints one JSON object; with --out also writes it (atomically: temp file + rename).
 */
import '@tensorflow/tfjs'; // registers the gradients of the core ops used by the loss (Sum, Add)
import * as fs from 'fs';
import * as path from 'path';
import { initBackend, tf, BackendName } from '../src/core/tf';
import { Rng } from '../src/core/random';
import { splineBackward, splineForward, splineSpec } from '../src/core/spline/kernel';
import { rqSpline, splineParamCount } from '../src/core/ops/spline';
import { applyEnvironment } from '../src/env';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `iters` calls, each timed alone, after `iters / 10` warm-up calls. */
function time(iters: number, f: () => void): number {
  for (let i = 0; i < Math.max(5, iters / 10); i++) f();
  const ts: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

async function main(): Promise<void> {
  applyEnvironment(); // FLOWMORPH_* settings (src/env.ts), as the CLI reads them
  const backend = arg('backend', 'wasm') as BackendName;
  const n = Number(arg('n', '512'));
  const d = Number(arg('d', '2'));
  const bins = Number(arg('bins', '8'));
  const iters = Number(arg('iters', '200'));
  const out = arg('out', '');
  const info = await initBackend(backend);
  const P = splineParamCount(bins);
  const opts = { bins, bound: 4 };
  const rng = new Rng(1);
  const x = rng.fillUniform(new Float32Array(n * d), -4.5, 4.5) as Float32Array;
  const params = rng.fillNormal(new Float32Array(n * d * P), 1.5) as Float32Array;
  const xt = tf.tensor2d(x, [n, d]);
  const pt = tf.tensor2d(params, [n, d * P]);
  const lossOf = (y: tf.Tensor, l: tf.Tensor) => tf.add(tf.sum(y), tf.sum(l));
  const fwdBwd = () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const r = rqSpline(a as tf.Tensor2D, b as tf.Tensor2D, opts);
      return lossOf(r.y, r.logDet);
    })([xt, pt]);
  const yt = tf.zeros([n, d]);
  const lt = tf.zeros([n]);
  const lossOnly = () => tf.grads(lossOf)([yt, lt]);

  const prof = async (f: () => tf.Tensor[]) => {
    const p = await tf.profile(f);
    tf.dispose(p.result as tf.Tensor[]);
    return p.kernels.map((k) => k.name);
  };
  const kAll = await prof(fwdBwd);
  const kLoss = await prof(lossOnly);
  const kFwd = await prof(() => {
    const r = rqSpline(xt, pt, opts);
    return [r.y, r.logDet];
  });

  const tensorsBefore = tf.memory().numTensors;
  const msForward = time(iters, () => {
    const r = rqSpline(xt, pt, opts);
    tf.dispose([r.y, r.logDet]);
  });
  const msInverse = time(iters, () => {
    const r = rqSpline(xt, pt, opts, true);
    tf.dispose([r.y, r.logDet]);
  });
  const msFwdBwd = time(iters, () => tf.dispose(fwdBwd()));
  const msLossOnly = time(iters, () => tf.dispose(lossOnly()));
  if (tf.memory().numTensors !== tensorsBefore) throw new Error('bench leaked tensors');

  // The bare JS kernels on the same data (what the dispatches wrap).
  const spec = splineSpec(opts);
  const y = new Float32Array(n * d);
  const ld = new Float32Array(n);
  const gy = new Float32Array(n * d).fill(1);
  const gl = new Float32Array(n).fill(1);
  const gx = new Float32Array(n * d);
  const gp = new Float32Array(n * d * P);
  const msJsForward = time(iters, () => splineForward(spec, x, params, n, d, false, y, ld));
  const msJsBackward = time(iters, () => splineBackward(spec, x, params, n, d, false, gy, gl, gx, gp));

  const result = {
    bench: 'spline',
    backend: info.tfName,
    n,
    d,
    bins,
    iters,
    kernels: {
      forward: kFwd.length,
      forwardBackwardWithLoss: kAll.length,
      lossAlone: kLoss.length,
      splineForwardBackward: kAll.length - kLoss.length,
      list: kAll,
    },
    ms: {
      forward: msForward,
      inverse: msInverse,
      forwardBackwardWithLoss: msFwdBwd,
      lossAlone: msLossOnly,
      jsKernelForward: msJsForward,
      jsKernelBackward: msJsBackward,
    },
    date: new Date().toISOString(),
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  if (out) {
    const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text + '\n');
    fs.renameSync(tmp, out);
  }
  tf.dispose([xt, pt, yt, lt]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
