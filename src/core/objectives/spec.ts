/**
 * Serialisable recipes of training objectives, so a worker thread can rebuild the very objective the main
 * thread trains (src/core/train/parallel.ts). Tensors cannot cross threads; a recipe holds only configs,
 * seeds and typed arrays. `shareSpec` moves the arrays into SharedArrayBuffers once, so every worker reads
 * the same memory and nothing is copied per step.
 *
 * What a rebuilt objective must reproduce: its parameter layout (flow config + seed: the seed also draws
 * random permutations), its batches (batch size + batch seed: batches are a function of seed and step),
 * and any frozen parts (the base flows' weights and affine maps in flows for flows). The trained
 * parameters themselves are not part of the recipe: they are sent every step.
 */
import type { FlowConfig, MorphConfig } from '../config';
import { FlowForFlow, FlowForFlowObjective, FrozenDensity, type DensityAffine, type MorphSample } from '../f4f';
import { Flow } from '../flow';
import type { Objective } from '../train/trainer';
import { NllObjective, type Sample } from './nll';

export interface FlowRecipe {
  config: FlowConfig;
  seed: number;
}

/** A frozen base flow of a flow for flows: its recipe, its weights, and the map from morph space. */
export interface DensityRecipe {
  /** Index into `bases` (two densities may share one flow, as in mode two-bases-shared). */
  base: number;
  affine: DensityAffine;
}

export type ObjectiveSpec =
  | { kind: 'nll'; flow: FlowRecipe; batch: number; seed: number; train: Sample }
  | {
      kind: 'f4f';
      morph: MorphConfig;
      /** Condition columns of the data. */
      conditions: number;
      /** Seed of the top flow. */
      seed: number;
      bases: (FlowRecipe & { weights: Float32Array })[];
      source: DensityRecipe;
      target: DensityRecipe;
      src: MorphSample;
      tgt: MorphSample;
    };

/** The recipe of an objective this module knows how to rebuild, or undefined. */
export function describeObjective(obj: Objective): ObjectiveSpec | undefined {
  if (obj instanceof NllObjective) {
    const { x, c, rows } = obj.trainSet;
    return { kind: 'nll', flow: { config: obj.flow.config, seed: obj.flow.seed }, batch: obj.batch, seed: obj.seed, train: { x, c, rows } };
  }
  // The OT-paired methods pair whole batches, so they are never split into parts.
  if (obj instanceof FlowForFlowObjective && (obj.f4f.config.method ?? 'f4f') === 'f4f') {
    const f = obj.f4f;
    const flows: Flow[] = [];
    const density = (d: FrozenDensity): DensityRecipe => {
      let i = flows.indexOf(d.flow);
      if (i < 0) i = flows.push(d.flow) - 1;
      return { base: i, affine: d.affine };
    };
    const source = density(f.source);
    const target = density(f.target);
    return {
      kind: 'f4f',
      morph: f.config,
      conditions: f.conditions,
      seed: f.seed,
      bases: flows.map((b) => ({ config: b.config, seed: b.seed, weights: b.store.values })),
      source,
      target,
      src: { x: obj.src.x, c: obj.src.c, rows: obj.src.rows },
      tgt: { x: obj.tgt.x, c: obj.tgt.c, rows: obj.tgt.rows },
    };
  }
  return undefined;
}

/** A Float32Array over shared memory with the same values (the array itself when already shared). */
export function shared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

function sharedOpt(a: Float32Array | undefined): Float32Array | undefined {
  return a ? shared(a) : undefined;
}

function sharedAffine(a: DensityAffine): DensityAffine {
  return { scale: sharedOpt(a.scale), shift: sharedOpt(a.shift), cScale: sharedOpt(a.cScale), cShift: sharedOpt(a.cShift) };
}

/**
 * The same recipe with every array in shared memory (copied once). Posting it to a worker then shares the
 * arrays instead of copying them. Frozen weights are snapshots: the main thread never changes them.
 */
export function shareSpec(spec: ObjectiveSpec): ObjectiveSpec {
  if (spec.kind === 'nll') return { ...spec, train: { x: shared(spec.train.x), c: sharedOpt(spec.train.c), rows: spec.train.rows } };
  return {
    ...spec,
    bases: spec.bases.map((b) => ({ ...b, weights: shared(b.weights) })),
    source: { ...spec.source, affine: sharedAffine(spec.source.affine) },
    target: { ...spec.target, affine: sharedAffine(spec.target.affine) },
    src: { x: shared(spec.src.x), c: sharedOpt(spec.src.c), rows: spec.src.rows },
    tgt: { x: shared(spec.tgt.x), c: sharedOpt(spec.tgt.c), rows: spec.tgt.rows },
  };
}

/** Rebuild the objective of a recipe (with freshly initialised trainable parameters). */
export function buildObjective(spec: ObjectiveSpec): Objective & { dispose(): void } {
  switch (spec.kind) {
    case 'nll': {
      const flow = new Flow(spec.flow.config, spec.flow.seed);
      const obj = new NllObjective(flow, spec.train, undefined, spec.batch, spec.seed);
      return Object.assign(obj, { dispose: () => flow.dispose() });
    }
    case 'f4f': {
      const flows = spec.bases.map((b) => {
        const flow = new Flow(b.config, b.seed);
        flow.store.setValues(b.weights);
        return flow;
      });
      const density = (d: DensityRecipe) => new FrozenDensity(flows[d.base], d.affine);
      const f4f = new FlowForFlow(spec.morph, density(spec.source), density(spec.target), spec.conditions, spec.seed);
      const obj = f4f.objective(spec.src, spec.tgt);
      return Object.assign(obj, {
        dispose: () => {
          f4f.dispose();
          for (const f of flows) f.dispose();
        },
      });
    }
    default:
      throw new Error(`unknown objective recipe '${(spec as { kind: string }).kind}'`);
  }
}
