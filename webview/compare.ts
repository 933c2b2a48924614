/**
 * Two runs on one chart (the host's `compare` message, src/host/runCompare.ts): the series each curve
 * chart draws, once per compared run, labelled by run. Pure (no DOM, no chart.js) so the unit tests drive
 * it; curves.ts styles and draws them (the first run solid, the others dashed, colours by line).
 */
import type { Point } from './sampling';
import type { ComparedRun } from './state';

/** What the series need of a chart's line (curves.ts: LineSpec). */
export interface SeriesLine {
  key: string;
  label: string;
  /** A level (bound / floor): a horizontal line at its latest value across the chart. */
  level?: boolean;
}

/** The x-range of the chart's real series (not its levels), over every curve map given. */
export function seriesExtent(lines: SeriesLine[], maps: Map<string, Point[]>[]): [number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const m of maps) {
    for (const l of lines) {
      if (l.level) continue;
      const s = m.get(l.key);
      if (s && s.length > 0) {
        x0 = Math.min(x0, s[0].x);
        x1 = Math.max(x1, s[s.length - 1].x);
      }
    }
  }
  return [x0, x1];
}

/** A level line: the series' latest value drawn across [x0, x1] (or around its own x when there is no range). */
export function levelData(s: Point[], x0: number, x1: number): Point[] {
  const y = s[s.length - 1].y;
  const a = Number.isFinite(x0) ? x0 : s[0].x;
  const b = Number.isFinite(x1) ? x1 : s[s.length - 1].x;
  return a < b ? [{ x: a, y }, { x: b, y }] : [{ x: a - 0.5, y }, { x: a + 0.5, y }];
}

export interface CompareSeries {
  /** Index of the run among the compared runs, and of the line in the chart's spec. */
  run: number;
  line: number;
  /** "<run label>: <line label>". */
  label: string;
  data: Point[];
  /** Drawn-count key: `<chart>:<run index>:<line key>`. */
  drawnKey: string;
}

/** Every line of a chart once per run (runs outer), levels across the range of all runs; `log`: y > 0 only. */
export function compareSeries(chartId: string, lines: SeriesLine[], runs: ComparedRun[], log = false): CompareSeries[] {
  const [x0, x1] = seriesExtent(lines, runs.map((r) => r.curves));
  const out: CompareSeries[] = [];
  runs.forEach((r, k) => {
    lines.forEach((l, i) => {
      const s = r.curves.get(l.key) ?? [];
      let data = l.level && s.length > 0 ? levelData(s, x0, x1) : s;
      if (log) data = data.filter((q) => q.y > 0);
      out.push({ run: k, line: i, label: `${r.label}: ${l.label}`, data, drawnKey: `${chartId}:${k}:${l.key}` });
    });
  });
  return out;
}
