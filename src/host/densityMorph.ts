/**
 * "Train ot-f4f": the default morph (ot-cfm, flow matching) has no density; where the panel needs one it
 * offers this. It sets morph.method to ot-f4f in the experiment file (the designer's own edit, so the
 * file, the designer and the CLI's --experiment agree) and trains the morph: a flow for flows warm-started
 * by regression onto the exact-OT partners, with an exact density and inverse.
 */
import { applyDesignerEdit } from '../config/designer';
import type { Experiment } from '../config/experiment';
import type { Controller } from './controller';
import { l10n } from './l10n';

/** The experiment with morph.method set to ot-f4f (an Error with the rule's message if refused). */
export function withDensityMethod(exp: Experiment): Experiment {
  const r = applyDesignerEdit(exp, 'morph.method', 'ot-f4f');
  if (!r.ok) throw new Error(l10n.t('Cannot set morph.method to ot-f4f: {0}', r.error));
  return r.experiment;
}

/** Writes morph.method = ot-f4f into the experiment file, echoes it to `onDesigner`, and trains the morph. */
export async function trainMorphWithDensity(c: Controller, onDesigner: (exp: Experiment) => void): Promise<void> {
  const next = await c.store.update(withDensityMethod);
  onDesigner(next.experiment);
  await c.trainMorph();
}
