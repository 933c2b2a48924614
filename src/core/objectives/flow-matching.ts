/**
 * Method ot-cfm's objective: minibatch optimal-transport conditional flow matching (Tong, Fatras, Malkin
 * et al., TMLR 2024, arXiv:2302.00482) on exact-OT-paired batches; the velocity field is src/core/cfm.ts.
 */
import { tf } from '../tf';
import { flowMatchingLoss, type VelocityField } from '../cfm';
import { concatCols } from '../morph-modes';
import type { ParamTensors } from '../params';
import { Rng } from '../random';
import type { StepLoss } from '../train/objective';
import { MorphObjective, pairCost, pairedBatch, type PairedBatch } from './morph';

export class FlowMatchingObjective extends MorphObjective {

  loss(P: ParamTensors, step: number): StepLoss {
    const f = this.f4f;
    const pb = this.stepPairs(step);
    const rng = new Rng((f.config.train.seed * 1000003 + step * 7919 + 17) >>> 0);
    return { loss: this.matching(pb, rng, P), extras: { displacement: pairCost(pb, f.features) } };
  }

  private valPairs: PairedBatch | undefined;

  /**
   * Held-out flow-matching loss: the first rows (at most 1 024) of both validation sets, paired once (in
   * blocks of ot.block rows, at most all of them), with fixed times.
   */
  validate(): number {
    if (!this.valPairs) {
      const v = this.val ?? { src: this.src, tgt: this.tgt };
      const n = Math.min(v.src.rows, v.tgt.rows, 1024);
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      this.valPairs = pairedBatch(this.f4f, v.src, idx, v.tgt, idx);
    }
    const pb = this.valPairs;
    const r = tf.tidy(() => this.matching(pb, new Rng(12345), this.store.tensors()));
    const out = r.dataSync()[0];
    r.dispose();
    return out;
  }

  private matching(pb: PairedBatch, rng: Rng, P: ParamTensors): tf.Scalar {
    const f = this.f4f;
    const field = f.field as VelocityField;
    const C = f.conditions;
    let ctx: Float32Array | undefined;
    if (field.context > 0 && pb.cx && pb.cy) {
      if (field.context === 2 * C) {
        ctx = concatCols(pb.cx, pb.cy, pb.n, C);
      } else {
        // c_out = c_in in these modes; partners share their condition up to the pairing's tolerance.
        ctx = new Float32Array(pb.n * C);
        for (let k = 0; k < ctx.length; k++) ctx[k] = 0.5 * (pb.cx[k] + pb.cy[k]);
      }
    }
    // ot.space 'latent': the field carries the source flow's noise code onto the partner's target code.
    return pb.zx && pb.zy ? flowMatchingLoss(field, pb.zx, pb.zy, ctx, rng, P) : flowMatchingLoss(field, pb.x, pb.y, ctx, rng, P);
  }
}
