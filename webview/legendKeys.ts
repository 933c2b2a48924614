/**
 * The chart legends from the keyboard: under every chart a row of real buttons, one per legend entry
 * (Chart.js draws its legend on the canvas, out of reach of Tab and screen readers). Each button shows the
 * entry's colour and label, says whether its series is shown (aria-pressed) and toggles it with Enter or
 * Space, as a click on the canvas legend does. The row stays out of sight until it holds the focus (the
 * canvas legend is what the mouse uses), so the picture does not change. A Chart.js plugin registered for
 * every chart keeps the row in step after each update.
 */
import type { Chart, LegendItem, Plugin } from 'chart.js';

const ROW = 'legend-keys';

function rowOf(chart: Chart, create: boolean): HTMLElement | undefined {
  const box = chart.canvas.parentElement;
  if (!box) return undefined;
  const next = box.nextElementSibling;
  if (next instanceof HTMLElement && next.classList.contains(ROW)) return next;
  if (!create) return undefined;
  const row = document.createElement('div');
  row.className = ROW;
  row.setAttribute('role', 'group');
  box.after(row);
  return row;
}

function shown(chart: Chart, item: LegendItem): boolean {
  return item.datasetIndex === undefined ? !item.hidden : chart.isDatasetVisible(item.datasetIndex);
}

/** Buttons for the chart's legend entries (rebuilt when the entries change, else only their state). */
export function syncLegendKeys(chart: Chart): void {
  const items = (chart.legend?.legendItems ?? []).filter((i) => i.datasetIndex !== undefined && i.text);
  const row = rowOf(chart, items.length > 0);
  if (!row) return;
  row.hidden = items.length === 0;
  const title = chart.canvas.closest('.card')?.querySelector('.card-title')?.textContent?.trim();
  row.setAttribute('aria-label', title ? `${title}: series` : 'series');
  const key = items.map((i) => `${i.datasetIndex}:${i.text}`).join('\n');
  if (row.dataset.key !== key) {
    const focused = row.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.index : undefined;
    row.replaceChildren(
      ...items.map((item) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'legend-key';
        b.dataset.index = String(item.datasetIndex);
        const swatch = document.createElement('span');
        swatch.className = 'legend-swatch';
        // The colour the canvas legend shows: the fill of point series, else the line's stroke.
        const colour = [item.fillStyle, item.strokeStyle].find((c): c is string => typeof c === 'string' && c !== 'transparent' && !/,\s*0\)$/.test(c)) ?? '';
        swatch.style.background = colour;
        b.append(swatch, document.createTextNode(item.text));
        b.addEventListener('click', () => {
          const i = item.datasetIndex!;
          chart.setDatasetVisibility(i, !chart.isDatasetVisible(i));
          chart.update();
        });
        return b;
      }),
    );
    row.dataset.key = key;
    if (focused !== undefined) row.querySelector<HTMLElement>(`[data-index="${focused}"]`)?.focus();
  }
  for (const b of row.querySelectorAll<HTMLButtonElement>('button.legend-key')) {
    const item = items.find((i) => String(i.datasetIndex) === b.dataset.index);
    if (item) b.setAttribute('aria-pressed', String(shown(chart, item)));
  }
}

export const legendKeysPlugin: Plugin<any> = {
  id: 'fmLegendKeys',
  afterUpdate(chart) {
    syncLegendKeys(chart as Chart);
  },
  // Before: chart.js has dropped chart.canvas by afterDestroy (destroying a chart threw there).
  beforeDestroy(chart) {
    rowOf(chart as Chart, false)?.remove();
  },
};
