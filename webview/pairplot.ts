/**
 * The scatter matrix for more than two features, drawn straight on one canvas (D² small panels would be D²
 * chart.js instances). Below the diagonal: the morph g(source) over the target ("after"); above it: the
 * source over the target ("before"); on the diagonal: each feature's histograms. Axes are named by column.
 *
 * Drawn count reported: `pairplot` (points drawn over all cells).
 */
import type { DrawnSink } from './chartkit';
import { browserEnv, EXPORT_SCALE } from './exportImage';
import { recordSvg, SvgRecorder } from './svgCanvas';
import { card } from './dom';
import type { Card } from './dom';
import { binsFor, column, histogram } from './marginals-math';
import { robustRange, strideIndices } from './sampling';
import type { PanelModel } from './state';
import { withAlpha } from './theme';
import type { Theme } from './theme';

/** Points per cloud per cell. */
const CELL_POINTS = 700;
const LABEL = 18;

export class PairPlot {
  readonly card: Card;

  constructor(
    private readonly model: PanelModel,
    private theme: Theme,
    private readonly sink: DrawnSink,
  ) {
    this.card = card('pairplot', 'Pair plot', 'pairs', 'below the diagonal: morph g(source) over target (after) · above: source over target (before)');
    new ResizeObserver(() => this.render()).observe(this.card.canvas.parentElement!);
  }

  retheme(t: Theme): void {
    this.theme = t;
    this.render();
  }

  /** Device pixels per CSS pixel for the next render (Export Plots: 2×), else the screen's. */
  private scale: number | undefined;

  /** The pair plot as PNG at `scale` device pixels per CSS pixel (redrawn at that ratio, then back). */
  png(scale = EXPORT_SCALE): string | undefined {
    if (this.card.root.hidden || this.model.cols < 3) return undefined;
    this.scale = Math.max(scale, window.devicePixelRatio || 1);
    try {
      this.render();
      return this.card.canvas.toDataURL('image/png');
    } finally {
      this.scale = undefined;
      this.render();
    }
  }

  /** The pair plot as an SVG document (the same drawing, recorded: svgCanvas.ts). */
  svg(): string | undefined {
    if (this.card.root.hidden || this.model.cols < 3) return undefined;
    const css = this.size();
    const rec = new SvgRecorder(browserEnv(), css, css, 1 / this.dpr());
    try {
      recordSvg(this.card.canvas.getContext('2d')!, rec, () => this.render());
    } finally {
      this.render();
    }
    return rec.svg();
  }

  private size(): number {
    return Math.max(200, Math.floor(this.card.canvas.parentElement!.clientWidth));
  }

  private dpr(): number {
    return this.scale ?? (window.devicePixelRatio || 1);
  }

  render(): void {
    const m = this.model;
    const cols = m.cols;
    const show = cols > 2 && m.dims === cols;
    this.card.root.hidden = !show;
    if (!show) return;
    const canvas = this.card.canvas;
    const css = this.size();
    const dpr = this.dpr();
    canvas.width = Math.floor(css * dpr);
    canvas.height = Math.floor(css * dpr);
    canvas.style.width = `${css}px`;
    canvas.style.height = `${css}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const t = this.theme;
    ctx.fillStyle = t.background;
    ctx.fillRect(0, 0, css, css);
    const d = cols;
    const cell = (css - LABEL) / d;
    const pad = 3;
    const dataClouds = [m.clouds.source, m.clouds.target].filter((c): c is Float32Array => !!c);
    if (dataClouds.length === 0) {
      this.card.setNote('No data yet');
      this.sink('pairplot', 0);
      return;
    }
    this.card.setNote(undefined);
    const ranges = Array.from({ length: d }, (_, f) => robustRange(dataClouds, cols, f));
    const after = m.clouds.morphed ?? m.clouds.baseTransfer;
    const afterColor = m.clouds.morphed ? t.red : t.yellow;
    let drawn = 0;
    const dots = (data: Float32Array | undefined, xf: number, yf: number, x0: number, y0: number, color: string, size: number): void => {
      if (!data) return;
      const n = Math.floor(data.length / cols);
      const [ax, bx] = ranges[xf];
      const [ay, by] = ranges[yf];
      const w = cell - 2 * pad;
      ctx.fillStyle = color;
      for (const r of strideIndices(n, CELL_POINTS)) {
        const u = (data[r * cols + xf] - ax) / (bx - ax);
        const v = (data[r * cols + yf] - ay) / (by - ay);
        if (!(u >= 0 && u <= 1 && v >= 0 && v <= 1)) continue;
        ctx.fillRect(x0 + pad + u * w - size / 2, y0 + pad + (1 - v) * w - size / 2, size, size);
        drawn++;
      }
    };
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const x0 = LABEL + j * cell;
        const y0 = i * cell;
        ctx.strokeStyle = withAlpha(t.grid, 0.35);
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y0 + 0.5, cell - 1, cell - 1);
        if (i === j) {
          this.diagonal(ctx, j, x0, y0, cell, pad, ranges[j]);
          continue;
        }
        dots(m.clouds.target, j, i, x0, y0, withAlpha(t.orange, 0.35), 1.5);
        if (i > j) dots(after ?? m.clouds.source, j, i, x0, y0, withAlpha(after ? afterColor : t.blue, 0.55), 1.5);
        else dots(m.clouds.source, j, i, x0, y0, withAlpha(t.blue, 0.55), 1.5);
      }
    }
    // Column names under the bottom row and beside the first column.
    ctx.fillStyle = t.foreground;
    ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let j = 0; j < d; j++) ctx.fillText(m.featureName(j), LABEL + (j + 0.5) * cell, d * cell + 3, cell - 4);
    for (let i = 0; i < d; i++) {
      ctx.save();
      ctx.translate(LABEL - 4, (i + 0.5) * cell);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = 'bottom';
      ctx.fillText(m.featureName(i), 0, 0, cell - 4);
      ctx.restore();
    }
    this.sink('pairplot', drawn);
  }

  private diagonal(ctx: CanvasRenderingContext2D, f: number, x0: number, y0: number, cell: number, pad: number, [lo, hi]: [number, number]): void {
    const m = this.model;
    const t = this.theme;
    const cols = m.cols;
    const specs: [Float32Array | undefined, string, boolean][] = [
      [m.clouds.target, t.orange, true],
      [m.clouds.source, t.blue, false],
      [m.clouds.morphed, t.red, false],
    ];
    const hists = specs.map(([data]) => (data ? histogram(column(data, cols, f), lo, hi, binsFor(data.length / cols)) : undefined));
    const top = Math.max(1e-12, ...hists.flatMap((h) => (h ? h.density : [])));
    const w = cell - 2 * pad;
    specs.forEach(([, color, filled], k) => {
      const h = hists[k];
      if (!h) return;
      const bw = w / h.counts.length;
      ctx.beginPath();
      ctx.moveTo(x0 + pad, y0 + pad + w);
      h.density.forEach((v, b) => {
        const y = y0 + pad + w - (v / top) * w * 0.92;
        ctx.lineTo(x0 + pad + b * bw, y);
        ctx.lineTo(x0 + pad + (b + 1) * bw, y);
      });
      ctx.lineTo(x0 + pad + w, y0 + pad + w);
      if (filled) {
        ctx.fillStyle = withAlpha(color, 0.25);
        ctx.fill();
      }
      ctx.strokeStyle = withAlpha(color, t.strokes.alpha.line);
      ctx.lineWidth = 1.2 * t.strokes.thin; // a small cell's line: 1.2 px, 1.8 in high contrast
      ctx.stroke();
    });
  }
}
