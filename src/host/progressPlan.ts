/**
 * How far a run is, as one bar over all its phases: a morph run may fit the source base flow, then the
 * target base flow, then the morph, each a third of the bar (a phase the run skips because its model
 * already exists is passed over: the bar jumps to the next third). A fit run is one phase.
 */
import type { Progress } from '../jobs/types';

const MORPH_PHASES: Progress['phase'][] = ['source', 'target', 'morph'];
const PHASE_NAMES: Record<Progress['phase'], string> = { source: 'source base flow', target: 'target base flow', fit: 'base flow', morph: 'morph' };

export interface OverallProgress {
  /** 0–100 over the whole run. */
  percent: number;
  /** "phase 2 of 3: target base flow", or the phase's name when the run has one phase. */
  label: string;
}

export function overallProgress(kind: string, p: Pick<Progress, 'phase' | 'step' | 'totalSteps'>): OverallProgress {
  const phases = kind === 'morph' ? MORPH_PHASES : [p.phase];
  const at = Math.max(0, phases.indexOf(p.phase));
  const within = p.totalSteps ? Math.min(1, Math.max(0, p.step / p.totalSteps)) : 0;
  const percent = (100 * (at + within)) / phases.length;
  const label = phases.length > 1 ? `phase ${at + 1} of ${phases.length}: ${PHASE_NAMES[p.phase]}` : PHASE_NAMES[p.phase];
  return { percent, label };
}
