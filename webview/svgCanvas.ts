/**
 * SVG from the panel's own drawing code: a recorder with the CanvasRenderingContext2D calls Chart.js and
 * the pair plot make (paths, arcs, rectangles, text, clipping, transforms, dashes, images), written as SVG
 * elements instead of pixels. `recordSvg` lends it to a real context for one draw: the context's methods
 * and style properties are shadowed on the instance (every holder of the context, Chart.js's scales,
 * legend, controllers and our plugins, draws into the recorder), and `Path2D` is swapped for a recording
 * one (Chart.js strokes lines through Path2D). Nothing is rasterised except what was an image already
 * (the density heat map, embedded as PNG). Pure apart from the `SvgEnv` it is given (unit-tested in Node).
 */

/** What the recorder needs from the page: text metrics, colour parsing, image encoding. */
export interface SvgEnv {
  /** Advance width and the font's ascent / descent above / below the alphabetic baseline, in px. */
  measure(font: string, text: string): { width: number; ascent: number; descent: number };
  /** A CSS colour as `#rrggbb` and an alpha in 0..1; undefined for what SVG cannot take (gradients, patterns). */
  color(style: unknown): { rgb: string; alpha: number } | undefined;
  /** An image source (canvas, bitmap) as a data:image/png URL, or undefined. */
  image(source: unknown): string | undefined;
}

type M = [number, number, number, number, number, number]; // a b c d e f, as DOMMatrix / setTransform
const ID: M = [1, 0, 0, 1, 0, 0];
const mul = (m: M, n: M): M => [m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1], m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3], m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5]];
const apply = (m: M, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
const scaleOf = (m: M) => Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
const n = (v: number) => String(Math.round(v * 100) / 100);
const TAU = 2 * Math.PI;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Path commands in user space, replayed through the transform current when they are added. */
type Cmd = [string, ...number[]];

/** A Path2D that remembers its commands (swapped in for the real one while recording). */
export class RecordingPath2D {
  readonly cmds: Cmd[] = [];
  moveTo(x: number, y: number): void {
    this.cmds.push(['moveTo', x, y]);
  }
  lineTo(x: number, y: number): void {
    this.cmds.push(['lineTo', x, y]);
  }
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number): void {
    this.cmds.push(['bezierCurveTo', a, b, c, d, x, y]);
  }
  quadraticCurveTo(a: number, b: number, x: number, y: number): void {
    this.cmds.push(['quadraticCurveTo', a, b, x, y]);
  }
  arc(x: number, y: number, r: number, a0: number, a1: number, ccw = false): void {
    this.cmds.push(['arc', x, y, r, a0, a1, ccw ? 1 : 0]);
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.cmds.push(['rect', x, y, w, h]);
  }
  closePath(): void {
    this.cmds.push(['closePath']);
  }
}

interface State {
  m: M;
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  miterLimit: number;
  dash: number[];
  lineDashOffset: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  globalAlpha: number;
  globalCompositeOperation: string;
  clip: string | undefined;
  /** Properties recorded but without an SVG meaning here (shadows, smoothing, direction…). */
  other: Record<string, unknown>;
}

/** The style properties a context has that the recorder takes over while it records. */
export const STYLE_PROPERTIES = [
  'fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'lineDashOffset', 'font', 'textAlign',
  'textBaseline', 'globalAlpha', 'globalCompositeOperation', 'imageSmoothingEnabled', 'imageSmoothingQuality', 'direction',
  'shadowBlur', 'shadowColor', 'shadowOffsetX', 'shadowOffsetY', 'filter', 'letterSpacing', 'fontKerning', 'textRendering', 'wordSpacing',
] as const;

/** The methods the recorder implements (every one a chart draw is known to call). */
export const METHODS = [
  'save', 'restore', 'beginPath', 'closePath', 'moveTo', 'lineTo', 'bezierCurveTo', 'quadraticCurveTo', 'arc', 'ellipse', 'rect',
  'roundRect', 'fill', 'stroke', 'clip', 'fillRect', 'strokeRect', 'clearRect', 'fillText', 'strokeText', 'measureText', 'setLineDash',
  'getLineDash', 'translate', 'rotate', 'scale', 'transform', 'setTransform', 'resetTransform', 'getTransform', 'drawImage',
] as const;

export class SvgRecorder {
  private s: State;
  private stack: State[] = [];
  private body: string[] = [];
  private defs: string[] = [];
  private path: string[] = [];
  private start: [number, number] | undefined;
  private current: [number, number] | undefined;
  private clips = 0;

  /**
   * `width` × `height`: the SVG's size in CSS px; `out` maps device pixels to it (1 / devicePixelRatio);
   * `initial`: the context's transform when recording starts.
   */
  constructor(
    private readonly env: SvgEnv,
    readonly width: number,
    readonly height: number,
    private readonly out: number,
    initial: M = ID,
  ) {
    this.s = {
      m: initial,
      fillStyle: '#000000',
      strokeStyle: '#000000',
      lineWidth: 1,
      lineCap: 'butt',
      lineJoin: 'miter',
      miterLimit: 10,
      dash: [],
      lineDashOffset: 0,
      font: '10px sans-serif',
      textAlign: 'start',
      textBaseline: 'alphabetic',
      globalAlpha: 1,
      globalCompositeOperation: 'source-over',
      clip: undefined,
      other: {},
    };
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────────────
  getStyle(name: string): unknown {
    const s = this.s as unknown as Record<string, unknown>;
    return name in s && name !== 'm' && name !== 'dash' && name !== 'clip' && name !== 'other' ? s[name] : this.s.other[name];
  }
  setStyle(name: string, v: unknown): void {
    const s = this.s as unknown as Record<string, unknown>;
    if (name === 'lineWidth' || name === 'miterLimit' || name === 'lineDashOffset' || name === 'globalAlpha') {
      const x = Number(v);
      if (Number.isFinite(x) && (name === 'lineDashOffset' || x >= 0)) s[name] = name === 'globalAlpha' ? Math.min(1, x) : x;
    } else if (name in s && name !== 'm' && name !== 'dash' && name !== 'clip' && name !== 'other') s[name] = v;
    else this.s.other[name] = v;
  }
  save(): void {
    this.stack.push({ ...this.s, dash: [...this.s.dash], other: { ...this.s.other } });
  }
  restore(): void {
    const s = this.stack.pop();
    if (s) this.s = s;
  }
  setLineDash(d: number[]): void {
    if (d.every((x) => Number.isFinite(x) && x >= 0)) this.s.dash = d.length % 2 ? [...d, ...d] : [...d];
  }
  getLineDash(): number[] {
    return [...this.s.dash];
  }

  // ── transforms ───────────────────────────────────────────────────────────────────────────────────────
  translate(x: number, y: number): void {
    this.s.m = mul(this.s.m, [1, 0, 0, 1, x, y]);
  }
  rotate(a: number): void {
    this.s.m = mul(this.s.m, [Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a), 0, 0]);
  }
  scale(x: number, y: number): void {
    this.s.m = mul(this.s.m, [x, 0, 0, y, 0, 0]);
  }
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.s.m = mul(this.s.m, [a, b, c, d, e, f]);
  }
  setTransform(a?: number | { a: number; b: number; c: number; d: number; e: number; f: number }, b = 0, c = 0, d = 1, e = 0, f = 0): void {
    if (a === undefined) this.s.m = ID;
    else if (typeof a === 'object') this.s.m = [a.a, a.b, a.c, a.d, a.e, a.f];
    else this.s.m = [a, b, c, d, e, f];
  }
  resetTransform(): void {
    this.s.m = ID;
  }
  getTransform(): { a: number; b: number; c: number; d: number; e: number; f: number } {
    const [a, b, c, d, e, f] = this.s.m;
    return typeof DOMMatrix === 'function' ? new DOMMatrix([a, b, c, d, e, f]) : { a, b, c, d, e, f };
  }
  /** Device pixels → SVG (CSS px), after the current transform. */
  private get om(): M {
    return mul([this.out, 0, 0, this.out, 0, 0], this.s.m);
  }

  // ── paths ────────────────────────────────────────────────────────────────────────────────────────────
  beginPath(): void {
    this.path = [];
    this.start = this.current = undefined;
  }
  private to(cmd: string, m: M, ...pts: number[]): void {
    const out: string[] = [cmd];
    for (let i = 0; i < pts.length; i += 2) {
      const [x, y] = apply(m, pts[i], pts[i + 1]);
      out.push(n(x), n(y));
      if (i + 2 >= pts.length) this.current = [x, y];
    }
    this.path.push(out.join(' '));
  }
  private run(c: Cmd, m: M): void {
    const [op, ...a] = c;
    if (op === 'moveTo') {
      this.to('M', m, a[0], a[1]);
      this.start = this.current;
    } else if (op === 'lineTo') {
      if (!this.current) return this.run(['moveTo', a[0], a[1]], m);
      this.to('L', m, a[0], a[1]);
    } else if (op === 'bezierCurveTo') {
      if (!this.current) this.run(['moveTo', a[0], a[1]], m);
      this.to('C', m, ...a);
    } else if (op === 'quadraticCurveTo') {
      if (!this.current) this.run(['moveTo', a[0], a[1]], m);
      this.to('Q', m, ...a);
    } else if (op === 'rect') {
      const [x, y, w, h] = a;
      this.run(['moveTo', x, y], m);
      this.run(['lineTo', x + w, y], m);
      this.run(['lineTo', x + w, y + h], m);
      this.run(['lineTo', x, y + h], m);
      this.run(['closePath'], m);
      this.run(['moveTo', x, y], m);
    } else if (op === 'closePath') {
      if (!this.current) return;
      this.path.push('Z');
      this.current = this.start;
    } else if (op === 'arc') this.arcTo(m, a[0], a[1], a[2], a[2], a[3], a[4], a[5] === 1);
  }
  /** An arc (or an axis-aligned ellipse) of the canvas kind: joined to the current point by a line. */
  private arcTo(m: M, x: number, y: number, rx: number, ry: number, a0: number, a1: number, ccw: boolean): void {
    if (!(rx >= 0 && ry >= 0)) throw new RangeError('negative radius');
    let sweep = ccw ? a0 - a1 : a1 - a0;
    const full = sweep >= TAU;
    sweep = full ? TAU : ((sweep % TAU) + TAU) % TAU;
    const at = (a: number): [number, number] => [x + rx * Math.cos(a), y + ry * Math.sin(a)];
    const [sx, sy] = at(a0);
    if (this.current) this.to('L', m, sx, sy);
    else {
      this.to('M', m, sx, sy);
      this.start = this.current;
    }
    if (rx === 0 || ry === 0 || sweep === 0) return;
    const k = scaleOf(m);
    const rot = (Math.atan2(m[1], m[0]) * 180) / Math.PI;
    const mirrored = m[0] * m[3] - m[1] * m[2] < 0;
    const flag = (ccw ? 0 : 1) ^ (mirrored ? 1 : 0);
    // SVG cannot draw a whole ellipse in one arc: two halves.
    const pieces = full ? 2 : 1;
    for (let i = 1; i <= pieces; i++) {
      const a = a0 + ((ccw ? -1 : 1) * sweep * i) / pieces;
      const [ex, ey] = apply(m, ...at(a));
      this.path.push(`A ${n(rx * k)} ${n(ry * k)} ${n(rot)} ${sweep / pieces > Math.PI ? 1 : 0} ${flag} ${n(ex)} ${n(ey)}`);
      this.current = [ex, ey];
    }
  }
  moveTo(x: number, y: number): void {
    this.run(['moveTo', x, y], this.om);
  }
  lineTo(x: number, y: number): void {
    this.run(['lineTo', x, y], this.om);
  }
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number): void {
    this.run(['bezierCurveTo', a, b, c, d, x, y], this.om);
  }
  quadraticCurveTo(a: number, b: number, x: number, y: number): void {
    this.run(['quadraticCurveTo', a, b, x, y], this.om);
  }
  arc(x: number, y: number, r: number, a0: number, a1: number, ccw = false): void {
    this.arcTo(this.om, x, y, r, r, a0, a1, ccw);
  }
  ellipse(x: number, y: number, rx: number, ry: number, rotation: number, a0: number, a1: number, ccw = false): void {
    this.arcTo(mul(this.om, [Math.cos(rotation), Math.sin(rotation), -Math.sin(rotation), Math.cos(rotation), x, y]), 0, 0, rx, ry, a0, a1, ccw);
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.run(['rect', x, y, w, h], this.om);
  }
  roundRect(x: number, y: number, w: number, h: number): void {
    this.rect(x, y, w, h); // corner radii are not drawn (the panel's charts use none)
  }
  closePath(): void {
    this.run(['closePath'], this.om);
  }
  /** A Path2D's commands as a path of their own (the current path is kept). */
  private withPath<T>(p: unknown, f: () => T): T {
    if (!(p instanceof RecordingPath2D)) return f();
    const saved = [this.path, this.start, this.current] as const;
    this.beginPath();
    const m = this.om;
    for (const c of p.cmds) this.run(c, m);
    try {
      return f();
    } finally {
      [this.path, this.start, this.current] = saved;
    }
  }

  // ── painting ───────────────────────────────────────────────────────────────────────────────────────
  private paint(style: unknown, kind: 'fill' | 'stroke'): string | undefined {
    const c = this.env.color(style);
    if (!c) return undefined;
    const a = c.alpha * this.s.globalAlpha;
    if (a <= 0) return undefined;
    return `${kind}="${c.rgb}"${a < 1 ? ` ${kind}-opacity="${Math.max(0.001, Math.round(a * 1000) / 1000)}"` : ''}`;
  }
  private emit(el: string): void {
    // A clip path is read in the user space of the element it clips: an element with a transform of its
    // own (text, images) is clipped through a <g> around it, whose space is the picture's.
    const clip = this.s.clip;
    const withClip = !clip ? el : / transform="/.test(el) ? `<g clip-path="url(#${clip})">${el}</g>` : el.replace(/^<(\w+)/, `<$1 clip-path="url(#${clip})"`);
    if (this.s.globalCompositeOperation === 'destination-over') this.body.unshift(withClip);
    else this.body.push(withClip);
  }
  /** A lone full circle is written as <circle> (the scatter plots' points: thousands of them). */
  private circle(d: string): [string, string, string] | undefined {
    const m = /^M (\S+) (\S+) A (\S+) \3 \S+ 0 [01] (\S+) \2 A \3 \3 \S+ 0 [01] \1 \2( Z)?$/.exec(d);
    if (!m) return undefined;
    return [n((Number(m[1]) + Number(m[4])) / 2), m[2], m[3]];
  }
  private shape(attrs: string): void {
    const d = this.path.join(' ');
    if (!d || !/[LCQAZ]/.test(d)) return;
    const c = this.circle(d);
    this.emit(c ? `<circle cx="${c[0]}" cy="${c[1]}" r="${c[2]}" ${attrs}/>` : `<path d="${d}" ${attrs}/>`);
  }
  fill(a?: unknown, b?: unknown): void {
    const p = typeof a === 'object' ? a : undefined;
    const rule = (typeof a === 'string' ? a : b) === 'evenodd' ? ' fill-rule="evenodd"' : '';
    this.withPath(p, () => {
      const f = this.paint(this.s.fillStyle, 'fill');
      if (f) this.shape(`${f}${rule}`);
    });
  }
  private strokeAttrs(): string | undefined {
    const st = this.paint(this.s.strokeStyle, 'stroke');
    if (!st || this.s.lineWidth <= 0) return undefined;
    const k = scaleOf(this.om);
    let a = `fill="none" ${st} stroke-width="${n(this.s.lineWidth * k)}"`;
    if (this.s.lineCap !== 'butt') a += ` stroke-linecap="${escapeXml(this.s.lineCap)}"`;
    if (this.s.lineJoin !== 'miter') a += ` stroke-linejoin="${escapeXml(this.s.lineJoin)}"`;
    else if (this.s.miterLimit !== 4) a += ` stroke-miterlimit="${n(this.s.miterLimit)}"`;
    if (this.s.dash.length && this.s.dash.some((x) => x > 0)) {
      a += ` stroke-dasharray="${this.s.dash.map((x) => n(x * k)).join(' ')}"`;
      if (this.s.lineDashOffset) a += ` stroke-dashoffset="${n(this.s.lineDashOffset * k)}"`;
    }
    return a;
  }
  stroke(p?: unknown): void {
    this.withPath(p, () => {
      const a = this.strokeAttrs();
      if (a) this.shape(a);
    });
  }
  clip(a?: unknown, b?: unknown): void {
    const p = typeof a === 'object' ? a : undefined;
    const rule = (typeof a === 'string' ? a : b) === 'evenodd' ? ' clip-rule="evenodd"' : '';
    this.withPath(p, () => {
      const id = `c${++this.clips}`;
      // Nested clips intersect: the new clip path is itself clipped by the one in force.
      this.defs.push(`<clipPath id="${id}"${this.s.clip ? ` clip-path="url(#${this.s.clip})"` : ''}><path d="${this.path.join(' ') || 'M 0 0'}"${rule}/></clipPath>`);
      this.s.clip = id;
    });
  }
  private rectPath(x: number, y: number, w: number, h: number, f: () => void): void {
    const saved = [this.path, this.start, this.current] as const;
    this.beginPath();
    this.rect(x, y, w, h);
    f();
    [this.path, this.start, this.current] = saved;
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    const m = this.om;
    if (m[1] !== 0 || m[2] !== 0) return this.rectPath(x, y, w, h, () => this.fill());
    // Axis-aligned (the pair plot's points, backgrounds): one <rect>.
    const f = this.paint(this.s.fillStyle, 'fill');
    if (!f || w === 0 || h === 0) return;
    const [x0, y0] = apply(m, x, y);
    const [x1, y1] = apply(m, x + w, y + h);
    this.emit(`<rect x="${n(Math.min(x0, x1))}" y="${n(Math.min(y0, y1))}" width="${n(Math.abs(x1 - x0))}" height="${n(Math.abs(y1 - y0))}" ${f}/>`);
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.rectPath(x, y, w, h, () => this.stroke());
  }
  /** Clearing the whole picture (Chart.js does, before every draw) forgets what was drawn; a part of it cannot be cleared in SVG. */
  clearRect(x: number, y: number, w: number, h: number): void {
    const m = this.om;
    const [x0, y0] = apply(m, x, y);
    const [x1, y1] = apply(m, x + w, y + h);
    if (Math.min(x0, x1) <= 0 && Math.min(y0, y1) <= 0 && Math.max(x0, x1) >= this.width - 0.5 && Math.max(y0, y1) >= this.height - 0.5) this.body = [];
  }

  // ── text ─────────────────────────────────────────────────────────────────────────────────────────────
  measureText(text: string): { width: number; actualBoundingBoxAscent: number; actualBoundingBoxDescent: number; fontBoundingBoxAscent: number; fontBoundingBoxDescent: number } {
    const t = this.env.measure(this.s.font, String(text));
    return { width: t.width, actualBoundingBoxAscent: t.ascent, actualBoundingBoxDescent: t.descent, fontBoundingBoxAscent: t.ascent, fontBoundingBoxDescent: t.descent };
  }
  private text(text: string, x: number, y: number, paint: string | undefined): void {
    if (!paint) return;
    const str = String(text);
    const t = this.env.measure(this.s.font, str);
    // The baseline placed as the canvas places it, from the font's metrics (viewers differ on dominant-baseline).
    const base = this.s.textBaseline;
    const dy = base === 'top' || base === 'hanging' ? t.ascent : base === 'middle' ? (t.ascent - t.descent) / 2 : base === 'bottom' || base === 'ideographic' ? -t.descent : 0;
    const align = this.s.textAlign;
    const rtl = this.s.other.direction === 'rtl';
    const anchor = align === 'center' ? 'middle' : align === 'right' || (align === 'end' && !rtl) || (align === 'start' && rtl) ? 'end' : 'start';
    const f = parseFont(this.s.font);
    const m = this.om;
    const tr = m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1 ? (m[4] || m[5] ? ` transform="translate(${n(m[4])} ${n(m[5])})"` : '') : ` transform="matrix(${m.map(n).join(' ')})"`;
    const font = `font-family="${escapeXml(f.family)}" font-size="${n(f.size)}"${f.weight ? ` font-weight="${escapeXml(f.weight)}"` : ''}${f.style ? ` font-style="${escapeXml(f.style)}"` : ''}`;
    this.emit(`<text x="${n(x)}" y="${n(y + dy)}"${anchor !== 'start' ? ` text-anchor="${anchor}"` : ''} ${font} ${paint}${tr}>${escapeXml(str)}</text>`);
  }
  fillText(text: string, x: number, y: number): void {
    this.text(text, x, y, this.paint(this.s.fillStyle, 'fill'));
  }
  strokeText(text: string, x: number, y: number): void {
    const a = this.strokeAttrs();
    this.text(text, x, y, a);
  }

  // ── images ───────────────────────────────────────────────────────────────────────────────────────────
  drawImage(img: unknown, ...a: number[]): void {
    const href = this.env.image(img);
    if (!href || !href.startsWith('data:image/png;base64,')) return;
    const src = img as { width: number; height: number };
    // drawImage(img, dx, dy) | (img, dx, dy, dw, dh) | (img, sx, sy, sw, sh, dx, dy, dw, dh): source crops are not kept.
    const [dx, dy, dw, dh] = a.length >= 8 ? a.slice(4, 8) : a.length >= 4 ? a : [a[0], a[1], src.width, src.height];
    const m = mul(this.om, [1, 0, 0, 1, dx, dy]);
    const smooth = this.s.other.imageSmoothingEnabled === false ? ' image-rendering="pixelated" style="image-rendering:pixelated"' : '';
    const alpha = this.s.globalAlpha < 1 ? ` opacity="${n(this.s.globalAlpha)}"` : '';
    this.emit(`<image x="0" y="0" width="${n(dw)}" height="${n(dh)}" preserveAspectRatio="none" transform="matrix(${m.map(n).join(' ')})"${smooth}${alpha} href="${href}"/>`);
  }

  /** The picture so far, as a standalone SVG document. */
  svg(): string {
    const w = n(this.width);
    const h = n(this.height);
    const defs = this.defs.length ? `<defs>${this.defs.join('')}</defs>\n` : '';
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">\n${defs}${this.body.join('\n')}\n</svg>\n`;
  }
}

/** `italic bold 12px "Segoe UI", sans-serif` → its parts (Chart.js writes style, weight, size, family in this order). */
export function parseFont(font: string): { style?: string; weight?: string; size: number; family: string } {
  const m = /^\s*(?:(italic|oblique|normal)\s+)?(?:(normal|bold|bolder|lighter|\d{3})\s+)?([\d.]+)px(?:\/\S+)?\s+(.+)$/.exec(font);
  if (!m) return { size: 10, family: 'sans-serif' };
  return { style: m[1] && m[1] !== 'normal' ? m[1] : undefined, weight: m[2] && m[2] !== 'normal' ? m[2] : undefined, size: Number(m[3]), family: m[4].trim() };
}

/**
 * Runs `draw` with `ctx` recording into `rec` instead of painting, then gives the context back exactly as
 * it was (own properties removed, Path2D restored). `scope` holds the global Path2D (window).
 */
export function recordSvg(ctx: object, rec: SvgRecorder, draw: () => void, scope: { Path2D?: unknown } = globalThis as { Path2D?: unknown }): void {
  const target = ctx as Record<string, unknown>;
  const shadowed: [string, PropertyDescriptor | undefined][] = [];
  const hadPath2D = Object.prototype.hasOwnProperty.call(scope, 'Path2D');
  const path2D = scope.Path2D;
  try {
    for (const k of METHODS) {
      const f = (rec as unknown as Record<string, (...a: unknown[]) => unknown>)[k];
      shadowed.push([k, Object.getOwnPropertyDescriptor(target, k)]);
      Object.defineProperty(target, k, { configurable: true, writable: true, value: (...a: unknown[]) => f.apply(rec, a) });
    }
    for (const k of STYLE_PROPERTIES) {
      shadowed.push([k, Object.getOwnPropertyDescriptor(target, k)]);
      Object.defineProperty(target, k, { configurable: true, get: () => rec.getStyle(k), set: (v) => rec.setStyle(k, v) });
    }
    scope.Path2D = RecordingPath2D;
    draw();
  } finally {
    for (const [k, own] of shadowed.reverse()) {
      delete target[k];
      if (own) Object.defineProperty(target, k, own);
    }
    if (hadPath2D) scope.Path2D = path2D;
    else delete scope.Path2D;
  }
}
