/**
 * Evaluation metrics for morphs, pure JS over Float32 Matrices with Float64 accumulation:
 * displacement (how far points move), fidelity (sliced W1 and energy distance to the target, with the
 * two-target-sample noise floor), exact optimal transport (the least displacement possible) and NLL helpers.
 */
export { displacement, type Displacement } from './displacement';
export { slicedW1, w1Sorted1d, type SlicedOptions } from './sliced';
export { energyDistance, type EnergyOptions } from './energy';
export { fidelity, type Fidelity, type FidelityOptions } from './fidelity';
export { solveAssignment, type Assignment } from './assignment';
export { otCost, type OtOptions, type OtResult } from './ot';
export { meanNll, nllSummary, type NllSummary } from './nll-summary';
