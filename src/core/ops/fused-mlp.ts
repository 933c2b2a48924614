/**
 * The residual MLP of the conditioners (nflows' ResidualNet / ResidualMADE body) as ONE tfjs kernel with
 * ONE gradient kernel, computed by our own SIMD dense kernels (src/core/wasm/dense.c).
 *
 *   h₀ = x·W₀ + b₀ [+ c·C₀];  per block: t = relu(h)·W₁ + b₁ [+ c·C];  h ← h + relu(t)·W₂ + b₂;  y = h·W_out + b_out
 *
 * Why: through tfjs ops one conditioner costs ~60 kernel dispatches forward and backward (~25 µs each),
 * wasm's weight-gradient matMuls re-pack their right-hand operand on every call (~11 GFLOP/s), and every
 * relu, bias and residual add is a separate pass. Here the forward pass is 1 dispatch, the backward pass 1,
 * and the products run at ~30 GFLOP/s on one core. MADE masks need nothing special: masked weights are
 * stored as zeros and their gradients are masked by the ParamStore.
 *
 * The activations the backward pass needs stay in the kernels' own memory ("slots"); the kernel's second
 * output is a 1-element handle naming the slot, so nothing large crosses into tfjs and back. A slot is
 * released by its backward pass, or, if backprop never reaches it, when the next gradient scope starts
 * recording (tfjs gives every `tf.grads` / `valueAndGrads` call a fresh tape).
 *
 * On the native backend (tfjs-node, multi-threaded BLAS) the same network runs as tfjs ops over slices
 * of θ (`viaOps`); the engine setting fusedMlp (FLOWMORPH_FUSED_MLP=0 / 1) forces either path. Both are tested against each other.
 */
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { dense, isConstant, markConstant, matmul } from './linear';
import { numberAttrs, readFloats, writeFloats } from './kernel-io';
import { engineSettings } from '../settings';
import { denseKernels, DenseKernels } from '../wasm/dense';
import type { MlpLayout, MlpShape } from '../nn/mlp-layout';
import { mlpLayout } from '../nn/mlp-layout';

const FORWARD = 'FlowmorphResidualMlp';
const FORWARD_CTX = 'FlowmorphResidualMlpCtx';
const BACKWARD = 'FlowmorphResidualMlpGrad';

/* ---------------- the computation over the dense kernels ---------------- */

interface Operands {
  n: number;
  x: number;
  /** Context pointer (0: none). */
  c: number;
  theta: number;
  /** 2·blocks + 1 activations of n × hidden: h₀, then u = relu(t) and h of each block. */
  tape: number;
}

function forwardPass(K: DenseKernels, L: MlpLayout, o: Operands, y: number): void {
  const { inputs: I, context: C, hidden: H, outputs: O } = L.shape;
  const k = K.k;
  const n = o.n;
  const w = (off: number) => o.theta + 4 * off;
  const act = (i: number) => o.tape + 4 * i * n * H;
  const h0 = act(0);
  K.gemmNN(n, H, I, o.x, I, w(L.w0), H, h0, H, 0);
  if (C > 0) K.gemmNN(n, H, C, o.c, C, w(L.wc0), H, h0, H, 1);
  k.add_bias(n, H, h0, w(L.b0), 0);
  // The products take rectified operands (dense.c says why): relu(h) goes to scratch, and each block's
  // inner activation is stored rectified, u = relu(t) (its backward gate u > 0 equals t > 0).
  const r = K.alloc(n * H);
  L.blocks.forEach((b, i) => {
    const hp = act(2 * i), u = act(2 * i + 1), hn = act(2 * i + 2);
    k.relu_copy(n * H, hp, r);
    K.gemmNN(n, H, H, r, H, w(b.w1), H, u, H, 0);
    if (C > 0) K.gemmNN(n, H, C, o.c, C, w(b.wc), H, u, H, 1);
    k.add_bias(n, H, u, w(b.b1), 1);
    K.gemmNN(n, H, H, u, H, w(b.w2), H, hn, H, 0);
    k.add_bias(n, H, hn, w(b.b2), 0);
    k.add_into(n * H, hn, hp);
  });
  K.release(r, n * H);
  K.gemmNN(n, O, H, act(2 * L.blocks.length), H, w(L.wOut), O, y, O, 0);
  k.add_bias(n, O, y, w(L.bOut), 0);
}

/** dθ = 0 (pointer 0) for frozen weights: only the input gradients are computed. */
function backwardPass(K: DenseKernels, L: MlpLayout, o: Operands, dy: number, dx: number, dc: number, dTheta: number): void {
  const { inputs: I, context: C, hidden: H, outputs: O } = L.shape;
  const k = K.k;
  const n = o.n;
  const act = (i: number) => o.tape + 4 * i * n * H;
  const B = L.blocks.length;
  const dh = K.alloc(n * H), dt = K.alloc(n * H), tmp = K.alloc(n * H);
  const wt = K.alloc(Math.max(H, O) * Math.max(H, I, C, 1));
  /**
   * Backward of one layer Y = op(A)·W [+ b] (A: n × inDim, W at θ[wOff], b at θ[bOff] unless bOff < 0):
   * dW = op(A)ᵀ·dY and db = Σ dY into dθ (unless frozen), and dA = dY·Wᵀ into `dA` (added to it when acc).
   */
  const layer = (A: number, inDim: number, relu: number, dY: number, outDim: number, wOff: number, bOff: number, dA: number, acc: number) => {
    if (dTheta) {
      K.gemmTN(n, outDim, inDim, A, inDim, relu, dY, outDim, dTheta + 4 * wOff, outDim, 0);
      if (bOff >= 0) k.col_sum(n, outDim, dY, dTheta + 4 * bOff, 0);
    }
    k.transpose(inDim, outDim, o.theta + 4 * wOff, wt);
    K.gemmNN(n, inDim, outDim, dY, outDim, wt, inDim, dA, inDim, acc);
  };
  try {
    layer(act(2 * B), H, 0, dy, O, L.wOut, L.bOut, dh, 0);
    if (C > 0) K.zero(dc, n * C);
    for (let i = B - 1; i >= 0; i--) {
      const b = L.blocks[i];
      const hp = act(2 * i), u = act(2 * i + 1);
      // h ← h + relu(t)·W₂ + b₂ with u = relu(t) stored; t = relu(h)·W₁ + b₁ [+ c·C]
      layer(u, H, 0, dh, H, b.w2, b.b2, dt, 0);
      k.relu_gate(n * H, dt, u);
      layer(hp, H, 1, dt, H, b.w1, b.b1, tmp, 0);
      if (C > 0) layer(o.c, C, 0, dt, H, b.wc, -1, dc, 1);
      k.add_gated(n * H, dh, tmp, hp);
    }
    layer(o.x, I, 0, dh, H, L.w0, L.b0, dx, 0);
    if (C > 0) layer(o.c, C, 0, dh, H, L.wc0, -1, dc, 1);
  } finally {
    K.release(dh, n * H);
    K.release(dt, n * H);
    K.release(tmp, n * H);
    K.release(wt, Math.max(H, O) * Math.max(H, I, C, 1));
  }
}

/* ---------------- slots: activations kept for the backward pass ---------------- */

interface Slot {
  ops: Operands;
  sizes: { x: number; c: number; theta: number; tape: number };
}

const slots = new Map<number, Slot>();
let nextSlot = 1;
let slotScope: unknown;

function releaseOperands(K: DenseKernels, { ops, sizes }: Slot): void {
  K.release(ops.x, sizes.x);
  if (ops.c) K.release(ops.c, sizes.c);
  K.release(ops.theta, sizes.theta);
  K.release(ops.tape, sizes.tape);
}

function releaseSlot(K: DenseKernels, id: number): void {
  const s = slots.get(id);
  if (!s) return;
  slots.delete(id);
  releaseOperands(K, s);
}

/** Slots alive (for tests: 0 once every recorded forward pass has been back-propagated). */
export function liveSlots(): number {
  return slots.size;
}

function tapeScope(): unknown {
  return (tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape;
}

function tapeIsOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/* ---------------- tfjs kernels ---------------- */

const shapeOf = (attrs: NamedAttrMap): MlpShape => numberAttrs(attrs, ['inputs', 'context', 'hidden', 'blocks', 'outputs']);

const read = (backend: KernelBackend, t: TensorInfo): Float32Array => readFloats(backend, t, 'residual MLP');
const output = writeFloats;

function forwardKernel(args: { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const attrs = args.attrs as NamedAttrMap;
  const L = mlpLayout(shapeOf(attrs));
  const { inputs: I, context: C, hidden: H, outputs: O } = L.shape;
  const K = denseKernels();
  const { x, theta, ctx } = args.inputs as { x: TensorInfo; theta: TensorInfo; ctx?: TensorInfo };
  const n = x.shape[0];
  const sizes = { x: n * I, c: n * C, theta: L.size, tape: (2 * L.blocks.length + 1) * n * H };
  const ops: Operands = { n, x: K.alloc(sizes.x), c: C > 0 ? K.alloc(sizes.c) : 0, theta: K.alloc(sizes.theta), tape: K.alloc(sizes.tape) };
  K.put(ops.x, read(backend, x));
  if (C > 0) K.put(ops.c, read(backend, ctx as TensorInfo));
  K.put(ops.theta, read(backend, theta));
  const yPtr = K.alloc(n * O);
  forwardPass(K, L, ops, yPtr);
  const y = K.take(yPtr, n * O);
  K.release(yPtr, n * O);
  let id = -1;
  if (attrs.record) {
    id = nextSlot++;
    slots.set(id, { ops, sizes });
  } else releaseOperands(K, { ops, sizes });
  return [output(backend, y, [n, O]), output(backend, new Float32Array([id]), [1])];
}

/** Inputs {dy, handle} → [dx, dθ (unless frozen), dctx (with context)]. */
function backwardKernel(args: { inputs: NamedTensorInfoMap; backend: {}; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const attrs = args.attrs as NamedAttrMap;
  const L = mlpLayout(shapeOf(attrs));
  const { inputs: I, context: C } = L.shape;
  const K = denseKernels();
  const { dy, handle } = args.inputs as { dy: TensorInfo; handle: TensorInfo };
  const id = read(backend, handle)[0];
  const slot = slots.get(id);
  if (!slot) throw new Error('residual MLP: the activations of this forward pass were released before its backward pass (nested gradient scopes are not supported)');
  const n = slot.ops.n;
  const frozen = attrs.frozen as boolean;
  try {
    const [dx, dTheta, dc] = K.withBuffers([read(backend, dy)], [n * I, frozen ? 0 : L.size, n * C], ([pdy, pdx, pdt, pdc]) =>
      backwardPass(K, L, slot.ops, pdy, pdx, pdc, pdt),
    );
    const outs = [output(backend, dx, [n, I])];
    if (!frozen) outs.push(output(backend, dTheta, [L.size]));
    if (C > 0) outs.push(output(backend, dc, [n, C]));
    return outs;
  } finally {
    releaseSlot(K, id);
  }
}

function ensureRegistered(): void {
  const be = tf.getBackend();
  for (const name of [FORWARD, FORWARD_CTX]) if (!tf.getKernel(name, be)) tf.registerKernel({ kernelName: name, backendName: be, kernelFunc: forwardKernel });
  if (!tf.getKernel(BACKWARD, be)) tf.registerKernel({ kernelName: BACKWARD, backendName: be, kernelFunc: backwardKernel });
  for (const name of [FORWARD, FORWARD_CTX]) {
    if (tf.getGradient(name)) continue;
    tf.registerGradient({
      kernelName: name,
      inputsToSave: [],
      outputsToSave: [false, true],
      gradFunc: (dys, saved, attrs) => {
        const dy = (dys as tf.Tensor[])[0];
        const [handle] = saved;
        ensureRegistered();
        // Run now, not inside the closures: the engine calls each closure in its own tidy, which would
        // dispose the outputs the other closures return.
        const outs = tf.engine().runKernel(BACKWARD, { dy, handle }, attrs) as tf.Tensor[];
        const frozen = (attrs as NamedAttrMap).frozen as boolean;
        const grads: Record<string, () => tf.Tensor> = {
          x: () => outs[0],
          theta: () => {
            if (frozen) throw new Error('residual MLP: gradient requested for weights marked constant');
            return outs[1];
          },
        };
        if (name === FORWARD_CTX) grads.ctx = () => outs[frozen ? 1 : 2];
        return grads;
      },
    });
  }
}

/* ---------------- the same network as tfjs ops (native backend, and the reference in tests) ---------------- */

function viaOps(x: tf.Tensor2D, ctx: tf.Tensor2D | null, theta: tf.Tensor1D, L: MlpLayout): tf.Tensor2D {
  const { inputs: I, hidden: H } = L.shape;
  const frozen = isConstant(theta);
  const part = (off: number, shape: number[]): tf.Tensor => {
    const t = tf.reshape(tf.slice(theta, off, shape.reduce((a, b) => a * b, 1)), shape);
    if (frozen) markConstant(t);
    return t;
  };
  const byOffset = new Map(L.parts.map((p) => [p.offset, p.shape]));
  const p = (off: number) => part(off, byOffset.get(off) as number[]);
  const n = x.shape[0];
  let h: tf.Tensor2D = I > 0 ? dense(x, p(L.w0), p(L.b0)) : (tf.add(tf.zeros([n, H]), p(L.b0)) as tf.Tensor2D);
  if (ctx && L.wc0 >= 0) h = tf.add(h, matmul(ctx, p(L.wc0)));
  for (const b of L.blocks) {
    let t = dense(tf.relu(h), p(b.w1), p(b.b1));
    if (ctx && b.wc >= 0) t = tf.add(t, matmul(ctx, p(b.wc)));
    h = tf.add(h, dense(tf.relu(t), p(b.w2), p(b.b2)));
  }
  return dense(h, p(L.wOut), p(L.bOut));
}

/* ---------------- entry point ---------------- */

/** Which path runs: the engine setting fusedMlp forces it; by default fused except on the native backend. */
export function fusedMlpEnabled(): boolean {
  const forced = engineSettings().fusedMlp;
  if (forced !== undefined) return forced;
  return tf.getBackend() !== 'tensorflow';
}

/**
 * x: [N, inputs], ctx: [N, context] or null, theta: the flat weights laid out by `mlpLayout` → [N, outputs].
 * Differentiable w.r.t. x, ctx and theta (theta's gradient is skipped when it is marked constant).
 */
export function residualMlp(x: tf.Tensor2D, ctx: tf.Tensor2D | null, theta: tf.Tensor, L: MlpLayout, fused = fusedMlpEnabled()): tf.Tensor2D {
  const { inputs: I, context: C } = L.shape;
  if (theta.size !== L.size) throw new Error(`residual MLP: ${theta.size} weights for a layout of ${L.size}`);
  if (x.shape[1] !== I) throw new Error(`residual MLP: input has ${x.shape[1]} columns, expected ${I}`);
  if (C > 0 && (!ctx || ctx.shape[1] !== C)) throw new Error(`residual MLP: expected a context of ${C} columns`);
  if (!fused || I === 0) return viaOps(x, C > 0 ? ctx : null, tf.reshape(theta, [L.size]) as tf.Tensor1D, L);
  ensureRegistered();
  const record = tapeIsOn();
  if (record && tapeScope() !== slotScope) {
    // A new gradient scope: slots of earlier scopes can no longer be back-propagated.
    const K = denseKernels();
    for (const id of [...slots.keys()]) releaseSlot(K, id);
    slotScope = tapeScope();
  }
  const attrs: NamedAttrMap = { ...L.shape, frozen: isConstant(theta), record };
  const inputs: tf.NamedTensorMap = C > 0 ? { x, theta, ctx: ctx as tf.Tensor2D } : { x, theta };
  const [y, handle] = tf.engine().runKernel(C > 0 ? FORWARD_CTX : FORWARD, inputs, attrs) as tf.Tensor[];
  handle.dispose(); // the tape keeps its own clone
  return y as tf.Tensor2D;
}
