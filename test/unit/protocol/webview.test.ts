// The webview → host validator: every well-formed message passes, and each kind of malformed message is
// rejected (the webview is untrusted input for the host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESIGNER_FIELDS } from '../../../src/config/designer';
import { isWebviewToHost, MAX_EXPORT_BYTES, toFloat32, webviewMessageProblem } from '../../../src/protocol/webview';

// A real 1×1 PNG.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const GOOD: unknown[] = [
  { type: 'ready' },
  { type: 'stop' },
  { type: 'openExperiment' },
  { type: 'openRun', id: '20261203-101500-morph' },
  { type: 'startTraining', what: 'base' },
  { type: 'startTraining', what: 'source' },
  { type: 'startTraining', what: 'target' },
  { type: 'startTraining', what: 'morph' },
  { type: 'startTraining', what: 'evaluate' },
  { type: 'designerEdit', path: 'base.flow.hidden', value: 64 },
  { type: 'designerEdit', path: 'base.train.lr', value: 0.0003 },
  { type: 'designerEdit', path: 'morph.penalty.kind', value: 'l2' },
  { type: 'designerEdit', path: 'morph.top.identityInit', value: false },
  { type: 'designerEdit', path: 'morph.mode', value: 'two-bases-shared' },
  { type: 'designerEdit', path: 'morph.train.seconds', value: 0.5 },
  { type: 'designerEdit', path: 'base.preset', value: 'reference' },
  { type: 'designerEdit', path: 'base.train.steps', value: null },
  { type: 'setTargetCondition', value: [0.25] },
  { type: 'setTargetCondition', value: [-1, 2.5e3] },
  { type: 'exportPlot', name: 'scatter-morph', pngDataUrl: PNG },
  { type: 'exportPlot', name: 'curve_nll.v2', pngDataUrl: PNG },
  { type: 'exportDone', names: [] },
  { type: 'exportDone', names: ['scatter-morph', 'density'] },
  { type: 'reportDrawn', charts: {} },
  { type: 'reportDrawn', charts: { morphed: 2000, 'scatter-morph': 4000, 'curve:nll/val': 0 } },
  { type: 'requestDensity', which: 'target', xFeature: 0, yFeature: 3, n: 64, xRange: [-4, 4], yRange: [0, 1], fixed: [0, 0, 0, 0.5] },
  { type: 'log', level: 'error', message: 'TypeError: x is undefined' },
  JSON.parse('{"type":"ready"}'),
  Object.assign(Object.create(null), { type: 'stop' }),
];

test('every well-formed message is accepted', () => {
  for (const m of GOOD) assert.equal(webviewMessageProblem(m), undefined, JSON.stringify(m));
  for (const m of GOOD) assert.equal(isWebviewToHost(m), true);
});

test('every designer field accepts a value of its own kind', () => {
  for (const f of DESIGNER_FIELDS) {
    const r = f.rule;
    const value = r.kind === 'enum' ? r.options[0] : r.kind === 'bool' ? true : r.max;
    assert.equal(webviewMessageProblem({ type: 'designerEdit', path: f.path, value }), undefined, f.path);
  }
});

/** [why, message] pairs: each must be rejected. */
const BAD: [string, unknown][] = [
  ['null', null],
  ['string', 'ready'],
  ['number', 7],
  ['array', [{ type: 'ready' }]],
  ['no type', {}],
  ['openRun with a path', { type: 'openRun', id: '../../etc' }],
  ['openRun without id', { type: 'openRun' }],
  ['openRun with a number', { type: 'openRun', id: 7 }],
  ['type not a string', { type: 1 }],
  ['unknown type', { type: 'runShell', command: 'rm -rf /' }],
  ['class instance', new (class Msg { type = 'ready'; })()],
  ['extra field on ready', { type: 'ready', extra: 1 }],
  ['__proto__ key from JSON', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
  ['startTraining without what', { type: 'startTraining' }],
  ['startTraining unknown what', { type: 'startTraining', what: 'all' }],
  ['startTraining what not string', { type: 'startTraining', what: ['base'] }],
  ['designerEdit unknown path', { type: 'designerEdit', path: 'base.flow.nope', value: 1 }],
  ['designerEdit prototype path', { type: 'designerEdit', path: '__proto__.polluted', value: true }],
  ['designerEdit constructor path', { type: 'designerEdit', path: 'constructor.prototype.x', value: 1 }],
  ['designerEdit container path', { type: 'designerEdit', path: 'base.flow', value: 1 }],
  ['designerEdit path not string', { type: 'designerEdit', path: 3, value: 1 }],
  ['designerEdit missing value', { type: 'designerEdit', path: 'base.flow.hidden' }],
  ['designerEdit string for int', { type: 'designerEdit', path: 'base.flow.hidden', value: '64' }],
  ['designerEdit fractional int', { type: 'designerEdit', path: 'base.flow.stacks', value: 2.5 }],
  ['designerEdit int below min', { type: 'designerEdit', path: 'base.flow.hidden', value: 0 }],
  ['designerEdit int above max', { type: 'designerEdit', path: 'base.flow.hidden', value: 4097 }],
  ['designerEdit NaN', { type: 'designerEdit', path: 'base.train.lr', value: Number.NaN }],
  ['designerEdit Infinity', { type: 'designerEdit', path: 'morph.penalty.weight', value: Infinity }],
  ['designerEdit exclusive min', { type: 'designerEdit', path: 'base.train.lr', value: 0 }],
  ['designerEdit negative', { type: 'designerEdit', path: 'base.train.clip', value: -1 }],
  ['designerEdit bad enum', { type: 'designerEdit', path: 'morph.direction', value: 'sideways' }],
  ['designerEdit enum not string', { type: 'designerEdit', path: 'base.flow.transform', value: 1 }],
  ['designerEdit bool as number', { type: 'designerEdit', path: 'base.train.cosine', value: 1 }],
  ['designerEdit object value', { type: 'designerEdit', path: 'base.flow.hidden', value: { valueOf: 64 } }],
  ['designerEdit preset null', { type: 'designerEdit', path: 'base.preset', value: null }],
  ['condition empty', { type: 'setTargetCondition', value: [] }],
  ['condition not array', { type: 'setTargetCondition', value: 0.5 }],
  ['condition NaN', { type: 'setTargetCondition', value: [Number.NaN] }],
  ['condition string', { type: 'setTargetCondition', value: ['0.5'] }],
  ['condition too long', { type: 'setTargetCondition', value: new Array(65).fill(0) }],
  ['export traversal name', { type: 'exportPlot', name: '../evil', pngDataUrl: PNG }],
  ['export slash name', { type: 'exportPlot', name: 'a/b', pngDataUrl: PNG }],
  ['export backslash name', { type: 'exportPlot', name: 'a\\b', pngDataUrl: PNG }],
  ['export dot name', { type: 'exportPlot', name: '.hidden', pngDataUrl: PNG }],
  ['export empty name', { type: 'exportPlot', name: '', pngDataUrl: PNG }],
  ['export long name', { type: 'exportPlot', name: 'x'.repeat(65), pngDataUrl: PNG }],
  ['export svg', { type: 'exportPlot', name: 'a', pngDataUrl: 'data:image/svg+xml;base64,PHN2Zz4=' }],
  ['export not data url', { type: 'exportPlot', name: 'a', pngDataUrl: 'https://example.com/a.png' }],
  ['export bad base64 char', { type: 'exportPlot', name: 'a', pngDataUrl: PNG.slice(0, -4) + 'A*==' }],
  ['export base64 length', { type: 'exportPlot', name: 'a', pngDataUrl: PNG + 'A' }],
  ['export padding in the middle', { type: 'exportPlot', name: 'a', pngDataUrl: 'data:image/png;base64,AA==AAAA' }],
  ['export empty payload', { type: 'exportPlot', name: 'a', pngDataUrl: 'data:image/png;base64,' }],
  ['export too large', { type: 'exportPlot', name: 'a', pngDataUrl: 'data:image/png;base64,' + 'A'.repeat(MAX_EXPORT_BYTES) }],
  ['exportDone bad name', { type: 'exportDone', names: ['ok', '../x'] }],
  ['exportDone not array', { type: 'exportDone', names: 'a' }],
  ['reportDrawn array', { type: 'reportDrawn', charts: [1, 2] }],
  ['reportDrawn negative', { type: 'reportDrawn', charts: { a: -1 } }],
  ['reportDrawn fractional', { type: 'reportDrawn', charts: { a: 1.5 } }],
  ['reportDrawn NaN', { type: 'reportDrawn', charts: { a: Number.NaN } }],
  ['reportDrawn string count', { type: 'reportDrawn', charts: { a: '3' } }],
  ['reportDrawn bad key', { type: 'reportDrawn', charts: { '<script>': 1 } }],
  ['reportDrawn too many', { type: 'reportDrawn', charts: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`c${i}`, 1])) }],
  ['requestDensity small n', { type: 'requestDensity', which: 'source', xFeature: 0, yFeature: 1, n: 4, xRange: [0, 1], yRange: [0, 1], fixed: [0, 0] }],
  ['requestDensity which', { type: 'requestDensity', which: 'both', xFeature: 0, yFeature: 1, n: 64, xRange: [0, 1], yRange: [0, 1], fixed: [0, 0] }],
  ['requestDensity negative feature', { type: 'requestDensity', which: 'source', xFeature: -1, yFeature: 1, n: 64, xRange: [0, 1], yRange: [0, 1], fixed: [0, 0] }],
  ['requestDensity empty range', { type: 'requestDensity', which: 'source', xFeature: 0, yFeature: 1, n: 64, xRange: [1, 1], yRange: [0, 1], fixed: [0, 0] }],
  ['requestDensity NaN fixed', { type: 'requestDensity', which: 'source', xFeature: 0, yFeature: 1, n: 64, xRange: [0, 1], yRange: [0, 1], fixed: [0, null] }],
  ['requestDensity without range', { type: 'requestDensity', which: 'source', xFeature: 0, yFeature: 1, n: 64 }],
  ['log level', { type: 'log', level: 'debug', message: 'x' }],
  ['log too long', { type: 'log', level: 'info', message: 'x'.repeat(10_001) }],
];

test('each kind of malformed message is rejected with a reason', () => {
  for (const [why, m] of BAD) {
    const problem = webviewMessageProblem(m);
    assert.equal(typeof problem, 'string', `${why} was accepted`);
    assert.ok(problem!.length > 0);
    assert.equal(isWebviewToHost(m), false, why);
  }
});

test('the reason names the offending field', () => {
  assert.match(webviewMessageProblem({ type: 'designerEdit', path: 'base.flow.hidden', value: 0 })!, /base\.flow\.hidden: expected an integer in \[1, 4096\]/);
  assert.match(webviewMessageProblem({ type: 'ready', extra: 1 })!, /unexpected field "extra"/);
  assert.match(webviewMessageProblem({ type: 'exportPlot', name: '../evil', pngDataUrl: PNG })!, /^name:/);
});

test('toFloat32 accepts what message channels make of a Float32Array', () => {
  const f = new Float32Array([1.5, -2, 3]);
  assert.equal(toFloat32(f), f);
  assert.deepEqual(Array.from(toFloat32(f.buffer)!), [1.5, -2, 3]);
  assert.deepEqual(Array.from(toFloat32(new Float64Array([1.5, -2]))!), [1.5, -2]);
  assert.deepEqual(Array.from(toFloat32([1.5, -2, 3])!), [1.5, -2, 3]);
  assert.deepEqual(Array.from(toFloat32(JSON.parse(JSON.stringify(f)))!), [1.5, -2, 3]); // {"0":1.5,"1":-2,"2":3}
  assert.equal(toFloat32({ 0: 1, 1: 'x' }), undefined);
  assert.equal(toFloat32(null), undefined);
  assert.equal(toFloat32('1,2'), undefined);
});
