// Export Plots' SVG (webview/svgCanvas.ts): the canvas calls Chart.js and the pair plot make, recorded as
// SVG elements; lent to a context for one draw and given back; and the host's check of what it receives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svgProblem } from '../../../src/protocol/webview';
import { parseFont, recordSvg, RecordingPath2D, SvgRecorder, type SvgEnv } from '../../../webview/svgCanvas';

/** Fixed metrics (6 px per character, ascent 9, descent 3) and #rrggbb / rgba() colours. */
const env: SvgEnv = {
  measure: (_font, text) => ({ width: 6 * text.length, ascent: 9, descent: 3 }),
  color: (style) => {
    if (typeof style !== 'string') return undefined;
    if (/^#[0-9a-f]{6}$/i.test(style)) return { rgb: style.toLowerCase(), alpha: 1 };
    const m = /^rgba\((\d+), (\d+), (\d+), ([\d.]+)\)$/.exec(style);
    return m ? { rgb: '#' + [m[1], m[2], m[3]].map((x) => Number(x).toString(16).padStart(2, '0')).join(''), alpha: Number(m[4]) } : undefined;
  },
  image: (src) => (src === 'heat' ? 'data:image/png;base64,AAAA' : undefined),
};

const body = (svg: string) => svg.split('\n').slice(2, -2);

test('a chart-like draw at devicePixelRatio 2 becomes SVG elements in CSS pixels, in paint order', () => {
  // 200 × 100 CSS px on a 400 × 200 canvas whose context is scaled by 2 (as Chart.js leaves it).
  const r = new SvgRecorder(env, 200, 100, 0.5, [2, 0, 0, 2, 0, 0]);
  r.setStyle('fillStyle', '#ff0000');
  r.fillRect(10, 10, 5, 5); // forgotten: the whole canvas is cleared next, as Chart.js does before each draw
  r.save();
  r.resetTransform();
  r.clearRect(0, 0, 400, 200);
  r.restore();
  // The background plugin paints under what is drawn after it.
  r.setStyle('lineWidth', 2);
  r.setStyle('strokeStyle', 'rgba(0, 0, 255, 0.5)');
  r.setLineDash([3, 1]);
  r.beginPath();
  r.moveTo(0, 50);
  r.lineTo(100, 0);
  r.stroke();
  r.setLineDash([]);
  r.save();
  r.setStyle('globalCompositeOperation', 'destination-over');
  r.setStyle('fillStyle', '#ffffff');
  r.fillRect(0, 0, 200, 100);
  r.restore();
  // A point: a full circle, filled.
  r.setStyle('fillStyle', 'rgba(255, 0, 0, 0.25)');
  r.beginPath();
  r.arc(20, 30, 1.5, 0, 2 * Math.PI);
  r.closePath();
  r.fill();
  // A rotated axis title, centred on its middle.
  r.save();
  r.translate(8, 50);
  r.rotate(-Math.PI / 2);
  r.setStyle('font', 'bold 12px "Segoe UI", sans-serif');
  r.setStyle('textAlign', 'center');
  r.setStyle('textBaseline', 'middle');
  r.setStyle('fillStyle', '#3b3b3b');
  r.fillText('x < 1 & "y"', 0, 0);
  r.restore();
  assert.deepEqual(body(r.svg()), [
    '<rect x="0" y="0" width="200" height="100" fill="#ffffff"/>',
    '<path d="M 0 50 L 100 0" fill="none" stroke="#0000ff" stroke-opacity="0.5" stroke-width="2" stroke-miterlimit="10" stroke-dasharray="3 1"/>',
    '<circle cx="20" cy="30" r="1.5" fill="#ff0000" fill-opacity="0.25"/>',
    '<text x="0" y="3" text-anchor="middle" font-family="&quot;Segoe UI&quot;, sans-serif" font-size="12" font-weight="bold" fill="#3b3b3b" transform="matrix(0 -1 1 0 8 50)">x &lt; 1 &amp; &quot;y&quot;</text>',
  ]);
  assert.match(r.svg(), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" version="1\.1" width="200" height="100" viewBox="0 0 200 100">\n/);
});

test('clips nest (a clip path clipped by the one in force) and end with restore', () => {
  const r = new SvgRecorder(env, 100, 100, 1);
  r.save();
  r.beginPath();
  r.rect(10, 10, 50, 50);
  r.clip();
  r.save();
  r.beginPath();
  r.rect(20, 20, 10, 10);
  r.clip();
  r.setStyle('fillStyle', '#000000');
  r.fillRect(0, 0, 100, 100);
  r.restore();
  r.fillRect(1, 1, 2, 2);
  r.translate(40, 40);
  r.fillText('a', 0, 0); // a clip is read in the clipped element's own space: text with a transform is wrapped
  r.restore();
  r.fillRect(3, 3, 2, 2);
  const svg = r.svg();
  assert.match(svg, /<defs><clipPath id="c1"><path d="M 10 10 L 60 10 L 60 60 L 10 60 Z M 10 10"\/><\/clipPath><clipPath id="c2" clip-path="url\(#c1\)"><path d="M 20 20 L 30 20 L 30 30 L 20 30 Z M 20 20"\/><\/clipPath><\/defs>/);
  assert.deepEqual(body(svg).slice(1), [
    '<rect clip-path="url(#c2)" x="0" y="0" width="100" height="100" fill="#000000"/>',
    '<rect clip-path="url(#c1)" x="1" y="1" width="2" height="2" fill="#000000"/>',
    '<g clip-path="url(#c1)"><text x="0" y="0" font-family="sans-serif" font-size="10" fill="#000000" transform="translate(40 40)">a</text></g>',
    '<rect x="3" y="3" width="2" height="2" fill="#000000"/>',
  ]);
});

test('arcs: the short and the long way round, counter-clockwise, and a Path2D stroked later', () => {
  const r = new SvgRecorder(env, 100, 100, 1);
  r.setStyle('strokeStyle', '#000000');
  r.beginPath();
  r.arc(50, 50, 10, 0, Math.PI / 2);
  r.stroke();
  r.beginPath();
  r.arc(50, 50, 10, 0, Math.PI / 2, true);
  r.stroke();
  const p = new RecordingPath2D();
  p.moveTo(0, 0);
  p.lineTo(10, 10);
  r.translate(5, 0);
  r.stroke(p);
  assert.deepEqual(body(r.svg()), [
    '<path d="M 60 50 A 10 10 0 0 1 50 60" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
    '<path d="M 60 50 A 10 10 0 1 0 50 60" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
    '<path d="M 5 0 L 15 10" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
  ]);
});

test('images are embedded as PNG data URLs where drawn; anything else is left out', () => {
  const r = new SvgRecorder(env, 100, 100, 0.5, [2, 0, 0, 2, 0, 0]);
  r.setStyle('imageSmoothingEnabled', false);
  r.drawImage('heat', 10, 20, 30, 40);
  r.drawImage('unknown', 0, 0, 5, 5);
  assert.deepEqual(body(r.svg()), [
    '<image x="0" y="0" width="30" height="40" preserveAspectRatio="none" transform="matrix(1 0 0 1 10 20)" image-rendering="pixelated" style="image-rendering:pixelated" href="data:image/png;base64,AAAA"/>',
  ]);
});

test('recordSvg lends the recorder to a context for one draw and gives it back as it was', () => {
  const painted: string[] = [];
  class FakeContext {
    fillStyle = '#123456';
    fillRect(): void {
      painted.push('fillRect');
    }
    beginPath(): void {}
    stroke(): void {
      painted.push('stroke');
    }
  }
  const ctx = new FakeContext();
  const scope: { Path2D?: unknown } = { Path2D: 'the real one' };
  const r = new SvgRecorder(env, 50, 50, 1);
  recordSvg(
    ctx,
    r,
    () => {
      const c = ctx as unknown as CanvasRenderingContext2D;
      c.fillStyle = '#00ff00';
      assert.equal(c.fillStyle, '#00ff00');
      c.fillRect(0, 0, 5, 5);
      const P = scope.Path2D as typeof RecordingPath2D;
      const p = new P();
      p.rect(1, 1, 2, 2);
      c.strokeStyle = '#000000';
      c.stroke(p as unknown as Path2D);
    },
    scope,
  );
  assert.deepEqual(painted, [], 'nothing reached the real context');
  assert.equal(scope.Path2D, 'the real one');
  assert.deepEqual(Object.keys(ctx), ['fillStyle'], 'no shadowing property is left on the context');
  assert.equal(ctx.fillStyle, '#123456', "the context's own state is untouched");
  ctx.fillRect();
  assert.deepEqual(painted, ['fillRect']);
  assert.deepEqual(body(r.svg()), [
    '<rect x="0" y="0" width="5" height="5" fill="#00ff00"/>',
    '<path d="M 1 1 L 3 1 L 3 3 L 1 3 Z M 1 1" fill="none" stroke="#000000" stroke-width="1" stroke-miterlimit="10"/>',
  ]);
  // A draw that throws still gives everything back.
  assert.throws(() => recordSvg(ctx, r, () => { throw new Error('boom'); }, scope), /boom/);
  assert.equal(scope.Path2D, 'the real one');
  assert.deepEqual(Object.keys(ctx), ['fillStyle']);
});

test('parseFont reads the font strings Chart.js writes', () => {
  assert.deepEqual(parseFont('12px system-ui, sans-serif'), { style: undefined, weight: undefined, size: 12, family: 'system-ui, sans-serif' });
  assert.deepEqual(parseFont('italic 600 10.5px "Fira Sans"'), { style: 'italic', weight: '600', size: 10.5, family: '"Fira Sans"' });
});

test("the host accepts the recorder's documents and refuses scripts, handlers, links and remote images", () => {
  const r = new SvgRecorder(env, 10, 10, 1);
  r.setStyle('fillStyle', '#000000');
  r.fillText('<script>alert(1)</script> onload="x"', 0, 0);
  r.drawImage('heat', 0, 0, 1, 1);
  assert.equal(svgProblem(r.svg()), undefined);
  const doc = (inner: string) => r.svg().replace('</svg>\n', `${inner}</svg>\n`);
  assert.equal(svgProblem(doc('<script>alert(1)</script>')), 'svg: holds scripting, links or foreign content');
  assert.equal(svgProblem(doc('<rect onload="alert(1)"/>')), 'svg: holds scripting, links or foreign content');
  assert.equal(svgProblem(doc('<a href="https://x"><rect/></a>')), 'svg: holds scripting, links or foreign content');
  assert.equal(svgProblem(doc('<image href="https://example.com/x.png"/>')), 'svg: an image that is not a PNG data URL');
  assert.equal(svgProblem('<html></html>'), 'svg: not an SVG document');
  assert.equal(svgProblem(42), 'svg: expected a string');
});
