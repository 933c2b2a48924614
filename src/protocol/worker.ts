/**
 * Host ↔ worker: the jobs the extension host (src/host/workerClient.ts) starts in the training worker
 * (src/worker/main.ts) and what the worker posts back. Both sides import this file. Tensors cannot cross
 * threads: progress is plain JSON and snapshot clouds are Float32Arrays.
 */
import type { BackendPreference } from '../core/tf';
import type { DataSpec, EvaluateSummary, FitJob, FitSummary, MorphJob, MorphSummary, Progress, Snapshot, TransportJob } from '../jobs/types';
import type { DatasetPreview } from './preview';

/** Held-out evaluation of a morph run (see EvaluateSummary). */
export interface EvaluateJobSpec {
  run: string;
  source: DataSpec;
  target: DataSpec;
  /** Held-out points to use. */
  n?: number;
  out?: string;
  backend?: BackendPreference;
}

/** log q on a grid for the heat map (src/worker/densityGrid.ts): a base model folder and what to hold fixed. */
export interface DensityJob {
  model: string;
  xFeature: number;
  yFeature: number;
  n: number;
  xRange: [number, number];
  yRange: [number, number];
  /** Data units, one per feature (the two gridded ones are overwritten). */
  fixed: number[];
  /** Data units, one per condition column; default: the mean of the training conditions. */
  condition?: number[];
}

/** The condition slider, live (src/worker/conditionMorph.ts): a morph run, its data, one target condition. */
export interface ConditionMorphJob {
  run: string;
  source: DataSpec;
  target: DataSpec;
  /** Source rows to morph (and target rows to show, at most). */
  n: number;
  /** Data units, one per condition column. */
  condition: number[];
  /** Width of the target's condition bin as a share of each condition's range (default 0.2). */
  binFraction?: number;
}

/**
 * Export Samples of a base flow: the last snapshot's clouds written in the worker (src/worker/writeSamples.ts),
 * so the extension host never loads the writers (h5wasm, the Parquet writer). One file per cloud.
 */
export interface WriteSamplesJob {
  files: { file: string; rows: number; cols: number; data: Float32Array; columns: string[] }[];
}

export type WorkerJob =
  | { kind: 'density'; job: DensityJob }
  | { kind: 'writeSamples'; job: WriteSamplesJob }
  | { kind: 'conditionMorph'; job: ConditionMorphJob }
  | { kind: 'fit'; job: FitJob }
  | { kind: 'morph'; job: MorphJob }
  | { kind: 'transport'; job: TransportJob }
  | { kind: 'evaluate'; job: EvaluateJobSpec };

export interface WorkerHookOptions {
  progressEveryMs?: number;
  snapshotEveryMs?: number;
  plotPoints?: number;
}

export type HostToWorker =
  | ({ type: 'start'; id: string; hooks?: WorkerHookOptions } & WorkerJob)
  /** Stop job `id` within one step, keeping its last checkpoint. */
  | { type: 'cancel'; id: string };

export type WorkerToHost =
  /** The worker loaded its engine; `threads`: what one training will use (flowmorph.threads, cores). */
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'progress'; id: string; progress: Progress }
  | { type: 'snapshot'; id: string; snapshot: Snapshot; paired?: boolean }
  | { type: 'log'; id: string; line: string }
  | { type: 'done'; id: string; summary: FitSummary | MorphSummary | EvaluateSummary | Record<string, unknown> }
  | { type: 'error'; id: string; message: string; stack?: string };

/** What the host starts a worker with (workerData). */
export interface WorkerInit {
  backend: BackendPreference;
  /** Extra node_modules folder holding @tensorflow/tfjs-node (flowmorph.installNative puts it there). */
  nativeModules?: string;
  /** The flowmorph.threads setting: 1 turns the engine's helper thread off (src/core/wasm/dense.ts). */
  threads?: 'auto' | 1 | 2;
  /** Preview Dataset: read and summarise this file, post a PreviewReply, and start no engine. */
  preview?: PreviewRequest;
}

/** Preview Dataset (src/worker/preview.ts, run in a worker of its own): the request and the summary. */
export interface PreviewRequest {
  file: string;
  dataset?: string;
  workspaceRoot?: string;
  /** The column roles the current experiment gives the file (default: every numeric column a feature). */
  columns?: (string | number)[];
  conditionColumns?: (string | number)[];
}

/** What the worker posts back for a preview request. */
export type PreviewReply = { type: 'preview'; preview: DatasetPreview } | { type: 'preview-error'; message: string };
