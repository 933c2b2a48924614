/**
 * Reading inputs and writing outputs of the kernels Flowmorph registers with tfjs (the fused spline and
 * the fused residual MLP). `readSync` and `write` exist on every tfjs backend and are cheap on cpu and
 * wasm, where tensor data live in host memory.
 */
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** The numeric attributes `keys` of a kernel call, as one object. */
export function numberAttrs<K extends string>(attrs: NamedAttrMap, keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = attrs[k] as number;
  return out;
}

export function readFloats(backend: KernelBackend, t: TensorInfo, who: string): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`${who}: expected float32, got ${t.dtype}`);
  return backend.readSync(t.dataId) as Float32Array;
}

export function writeFloats(backend: KernelBackend, values: Float32Array, shape: number[]): TensorInfo {
  return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
}
