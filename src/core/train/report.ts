/**
 * What one training step reports, as the trainer (./trainer.ts, StepReport) and the jobs' progress
 * messages (src/jobs/types.ts, Progress) both carry it. Free of imports: the panel's code type-checks it.
 */
export interface StepStats {
  step: number;
  epoch: number;
  /** Training loss of this step (NLL in nats for base flows; morph objective for the morph). */
  loss: number;
  /** Held-out loss, when it was evaluated at this step. */
  valLoss?: number;
  lr: number;
  msPerStep: number;
  samplesPerSec: number;
  elapsedSec: number;
}
