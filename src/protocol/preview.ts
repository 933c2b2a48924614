/**
 * Preview Dataset's view: what the worker's summary holds (DatasetPreview, made by src/worker/preview.ts
 * with src/data/summary.ts), what the host posts to the view (HostToPreview) and what the view posts back
 * (PreviewToHost), with the validator of the latter (the view renders a user's file: what it posts is
 * untrusted). The host side is src/host/previewPanel.ts, the view webview/preview.ts.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node and in the browser.
 */

/** A column's histogram: `counts.length` equal bins from `lo` to `hi` (the last bin includes `hi`). */
export interface ColumnHistogram {
  lo: number;
  hi: number;
  counts: number[];
}

/** One column's summary; min, max, mean and std over its finite values (NaN when it has none). */
export interface ColumnStats {
  name: string;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by the count of finite values). */
  std: number;
  /** Values that are NaN or ±Inf (a file read with keepNonFinite). */
  nonFinite: number;
  histogram: ColumnHistogram;
}

export interface DatasetPreview {
  file: string;
  rows: number;
  columns: string[];
  conditionColumns: string[];
  /** Feature columns first, then condition columns. */
  stats: ColumnStats[];
  /** The first rows: feature values, then condition values. */
  head: number[][];
  warnings: string[];
}

export type HostToPreview = { type: 'preview'; preview: DatasetPreview };

export type PreviewToHost =
  | { type: 'ready' }
  /** The view's "Use as Source…" / "Use as Target…" buttons. */
  | { type: 'use'; as: 'source' | 'target' }
  /** How many histograms the view has drawn (each once its canvas has a size), for the tests. */
  | { type: 'drawn'; histograms: number }
  /** An error in the view's script, for the Flowmorph log. */
  | { type: 'log'; message: string };

/** Why `msg` is not a PreviewToHost, or undefined when it is one. */
export function previewMessageProblem(msg: unknown): string | undefined {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'not a plain object';
  const m = msg as Record<string, unknown>;
  const keys = (want: string[]): string | undefined => {
    for (const k of Object.keys(m)) if (!want.includes(k)) return `unexpected field "${k}"`;
    for (const k of want) if (!(k in m)) return `missing field "${k}"`;
    return undefined;
  };
  switch (m.type) {
    case 'ready':
      return keys(['type']);
    case 'use':
      return keys(['type', 'as']) ?? (m.as === 'source' || m.as === 'target' ? undefined : 'as: expected "source" or "target"');
    case 'drawn':
      return keys(['type', 'histograms']) ?? (Number.isInteger(m.histograms) && (m.histograms as number) >= 0 ? undefined : 'histograms: expected a count');
    case 'log':
      return keys(['type', 'message']) ?? (typeof m.message === 'string' && m.message.length <= 10_000 ? undefined : 'message: expected a string of at most 10 000 characters');
    default:
      return `unknown type ${JSON.stringify(String(m.type)).slice(0, 40)}`;
  }
}
