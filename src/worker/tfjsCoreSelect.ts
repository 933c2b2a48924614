/**
 * The tfjs-core the worker bundle uses (scripts/bundle.mjs aliases bare '@tensorflow/tfjs-core' here):
 * tfjs-node's own instance when nativeCore.ts picked one, else the copy inlined in the bundle.
 * Not used outside the bundle (unit tests import tfjs-core directly).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export = (globalThis as Record<string, unknown>).__flowmorphTfjsCore ?? require('@tensorflow/tfjs-core/dist/tf-core.node.js');
