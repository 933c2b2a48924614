/**
 * The builders of every objective that describes itself with a recipe (src/core/train/objective.ts), so a
 * worker thread can rebuild the very objective the main thread trains (src/core/train/parallel.ts).
 *
 * What a rebuilt objective must reproduce: its parameter layout (flow config + seed: the seed also draws
 * random permutations), its batches (batch size + batch seed: batches are a function of seed and step),
 * and any frozen parts (the base flows' weights and affine maps in flows for flows). The trained
 * parameters themselves are not part of the recipe: they are sent every step.
 */
import { FlowForFlow } from '../f4f';
import { FrozenDensity } from '../density/frozen-flow';
import { Flow } from '../flow';
import { shareRecipe, type Objective } from '../train/objective';
import type { DensityRecipe, F4fRecipe } from './f4f';
import { NllObjective, type NllRecipe } from './nll';

export type { DensityRecipe } from './f4f';

/** The recipes this module can build. */
export type ObjectiveSpec = NllRecipe | F4fRecipe;

/** The recipe of an objective that has one, or undefined. */
export function describeObjective(obj: Objective): ObjectiveSpec | undefined {
  return obj.recipe?.() as ObjectiveSpec | undefined;
}

/** The same recipe with every array in shared memory (src/core/train/objective.ts, shareRecipe). */
export function shareSpec(spec: ObjectiveSpec): ObjectiveSpec {
  return shareRecipe(spec);
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
