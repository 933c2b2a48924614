/**
 * The rational-quadratic spline (Durkan et al. 2019, arXiv:1906.04049) as ONE tfjs kernel with its own
 * gradient kernel, so a spline layer costs 1 dispatch forward and 1 backward instead of ~2 000 small ops
 * (dispatch, not arithmetic, dominates the naive version).
 *
 * Why a registered kernel rather than `tf.customGrad`: customGrad returns one tensor, so y and log-det
 * would have to be packed and split by two slices, whose gradients are two pads and an add. A kernel
 * registered with `registerKernel` may have two outputs, and `registerGradient` receives both upstream
 * gradients: forward = 1 kernel, backward = 1 kernel (+ the Identity clones the engine makes of the
 * saved inputs). The kernel body reads its inputs with `backend.readSync` and writes its outputs with
 * `backend.write`, which every tfjs backend implements (cheap on cpu and wasm, where data live in host
 * memory), so it is registered lazily for whichever backend is active when it is first used. The
 * arithmetic is the compiled port in src/core/wasm/dense.c (src/core/spline/kernel.ts beyond 64 bins).
 */
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { numberAttrs, readFloats, writeFloats } from './kernel-io';
import { denseKernels, type DenseKernels } from '../wasm/dense';
import { splineBackward, splineForward, splineParamCount, splineSpec, SplineSpec } from '../spline/kernel';

export { splineParamCount };

export interface RqSplineOptions {
  bins: number;
  /** Spline on [−bound, bound]; identity (linear tails) outside. */
  bound: number;
  /** Defaults 1e-3 (nflows' defaults). */
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

const FORWARD = 'FlowmorphRQSpline';
const BACKWARD = 'FlowmorphRQSplineGrad';

const specOf = (attrs: NamedAttrMap): SplineSpec => numberAttrs(attrs, ['bins', 'bound', 'minBinWidth', 'minBinHeight', 'minDerivative']);

const read = (backend: KernelBackend, t: TensorInfo): Float32Array => readFloats(backend, t, 'rqSpline');
const output = writeFloats;

/** The compiled kernels (src/core/wasm/dense.c) take up to this many bins; beyond, the JS kernel runs. */
const WASM_MAX_BINS = 64;

/** Runs the compiled port of ./kernel.ts (the same formulas in double) over the dense kernels' memory. */
const inWasm: DenseKernels['withBuffers'] = (inputs, outputSizes, call) => denseKernels().withBuffers(inputs, outputSizes, call);

/** Inputs {x: N×D, params: N×(D·P)} → [y: N×D, logDet: N]. */
function forwardKernel(args: { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const attrs = args.attrs as NamedAttrMap;
  const spec = specOf(attrs);
  const inverse = attrs.inverse as boolean;
  const { x, params } = args.inputs as { x: TensorInfo; params: TensorInfo };
  const [n, d] = x.shape;
  let y: Float32Array, ld: Float32Array;
  if (spec.bins <= WASM_MAX_BINS) {
    [y, ld] = inWasm([read(backend, x), read(backend, params)], [n * d, n], ([px, pp, py, pl]) =>
      denseKernels().splineForward(n, d, spec, inverse, px, pp, py, pl),
    );
  } else {
    y = new Float32Array(n * d);
    ld = new Float32Array(n);
    splineForward(spec, read(backend, x), read(backend, params), n, d, inverse, y, ld);
  }
  return [output(backend, y, [n, d]), output(backend, ld, [n])];
}

/** Inputs {x, params, dy?, dLogDet?} → [dx: N×D, dParams: N×(D·P)]. */
function backwardKernel(args: { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const attrs = args.attrs as NamedAttrMap;
  const spec = specOf(attrs);
  const inverse = attrs.inverse as boolean;
  const { x, params, dy, dLogDet } = args.inputs;
  const [n, d] = x!.shape;
  const np = params!.shape[0] * params!.shape[1];
  let dx: Float32Array, dp: Float32Array;
  if (spec.bins <= WASM_MAX_BINS) {
    const ins = [read(backend, x!), read(backend, params!), dy ? read(backend, dy) : null, dLogDet ? read(backend, dLogDet) : null];
    [dx, dp] = inWasm(ins, [n * d, np], ([px, pp, pdy, pdl, pdx, pdp]) =>
      denseKernels().splineBackward(n, d, spec, inverse, px, pp, pdy, pdl, pdx, pdp),
    );
  } else {
    dx = new Float32Array(n * d);
    dp = new Float32Array(np);
    splineBackward(spec, read(backend, x!), read(backend, params!), n, d, inverse, dy ? read(backend, dy) : null, dLogDet ? read(backend, dLogDet) : null, dx, dp);
  }
  return [output(backend, dx, [n, d]), output(backend, dp, params!.shape.slice())];
}

function ensureRegistered(): void {
  const be = tf.getBackend();
  if (!tf.getKernel(FORWARD, be)) tf.registerKernel({ kernelName: FORWARD, backendName: be, kernelFunc: forwardKernel });
  if (!tf.getKernel(BACKWARD, be)) tf.registerKernel({ kernelName: BACKWARD, backendName: be, kernelFunc: backwardKernel });
  if (!tf.getGradient(FORWARD)) {
    tf.registerGradient({
      kernelName: FORWARD,
      inputsToSave: ['x', 'params'],
      gradFunc: (dys, saved, attrs) => {
        // The engine substitutes zeros for an output outside the backprop graph, so both are present.
        const [dy, dLogDet] = dys as tf.Tensor[];
        const [x, params] = saved;
        ensureRegistered(); // the backend may have changed since the forward pass
        const [dx, dp] = tf.engine().runKernel(BACKWARD, { x, params, dy, dLogDet }, attrs) as tf.Tensor[];
        return { x: () => dx, params: () => dp };
      },
    });
  }
}

/**
 * Monotonic rational-quadratic spline with linear tails, applied element-wise with per-element
 * parameters. x: N×D; params: N×(D·P), P = 3·bins − 1 raw values per (row, dim) laid out as
 * [K widths, K heights, K−1 interior derivatives] (see ./kernel.ts for the parametrisation; all-zero
 * params give the identity). inverse = false maps x → y; inverse = true maps y → x.
 * Returns y (N×D) and the per-row log|det J| of the map applied (N), both differentiable w.r.t. x and
 * params under tf.grads / valueAndGrads / variableGrads / optimizer.minimize.
 */
export function rqSpline(
  x: tf.Tensor2D,
  params: tf.Tensor2D,
  opts: RqSplineOptions,
  inverse = false,
): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
  const spec = splineSpec(opts);
  const P = splineParamCount(spec.bins);
  if (x.rank !== 2 || params.rank !== 2) throw new Error(`rqSpline: x and params must be 2-D`);
  const [n, d] = x.shape;
  if (params.shape[0] !== n || params.shape[1] !== d * P) {
    throw new Error(`rqSpline: params must be ${n}×${d * P} (D·(3K−1)) for x ${n}×${d}, got ${params.shape.join('×')}`);
  }
  ensureRegistered();
  const attrs: NamedAttrMap = { ...spec, inverse };
  const [y, logDet] = tf.engine().runKernel(FORWARD, { x, params }, attrs) as tf.Tensor[];
  return { y: y as tf.Tensor2D, logDet: logDet as tf.Tensor1D };
}
