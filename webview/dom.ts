/**
 * A tiny element builder. Text always goes in through textContent (never innerHTML): column names and
 * file paths come from user data, and the CSP forbids inline styles anyway.
 */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string | boolean | undefined>, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Record<string, string | boolean | undefined>, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A titled card holding one chart: header (title + optional controls), a sized box for the canvas, and a
 * note shown over the box while the chart has nothing to draw. */
export interface Card {
  root: HTMLElement;
  header: HTMLElement;
  canvas: HTMLCanvasElement;
  note: HTMLElement;
  footer: HTMLElement;
  setNote(text: string | undefined): void;
}

export function card(id: string, title: string, shape: 'square' | 'wide' | 'marginal' | 'pairs', subtitle?: string): Card {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const note = h('div', { class: 'note', hidden: true });
  // Title and controls on the first line, the subtitle (possibly empty) on the second, so the plots of
  // neighbouring cards start at the same height.
  const header = h('div', { class: 'card-header' }, h('span', { class: 'card-title' }, title), h('span', { class: 'card-subtitle' }, subtitle ?? ''));
  const footer = h('div', { class: 'card-footer', hidden: true });
  const root = h('section', { class: `card ${shape}`, id, 'data-chart': id }, header, h('div', { class: 'plot-box' }, canvas, note), footer);
  return {
    root,
    header,
    canvas,
    note,
    footer,
    setNote(text) {
      note.hidden = !text;
      note.textContent = text ?? '';
    },
  };
}
