// Preview Dataset's view → host validator (src/protocol/preview.ts): the three messages pass; anything
// else the page might post (extra or missing fields, wrong values) is named and dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previewMessageProblem } from '../../../src/protocol/preview';

test('the view’s messages pass', () => {
  for (const m of [{ type: 'ready' }, { type: 'use', as: 'source' }, { type: 'use', as: 'target' }, { type: 'drawn', histograms: 0 }, { type: 'drawn', histograms: 7 }, { type: 'log', message: 'TypeError: x is undefined' }]) {
    assert.equal(previewMessageProblem(m), undefined, JSON.stringify(m));
  }
});

test('malformed messages are named', () => {
  const cases: [unknown, string][] = [
    [null, 'not a plain object'],
    [['ready'], 'not a plain object'],
    [{ type: 'ready', file: '/etc/passwd' }, 'unexpected field "file"'],
    [{ type: 'use' }, 'missing field "as"'],
    [{ type: 'use', as: 'both' }, 'as: expected "source" or "target"'],
    [{ type: 'use', as: 'source', file: 'x.csv' }, 'unexpected field "file"'],
    [{ type: 'drawn', histograms: -1 }, 'histograms: expected a count'],
    [{ type: 'drawn', histograms: 1.5 }, 'histograms: expected a count'],
    [{ type: 'drawn', histograms: '2' }, 'histograms: expected a count'],
    [{ type: 'log', message: 3 }, 'message: expected a string of at most 10 000 characters'],
    [{ type: 'log', message: 'x'.repeat(10_001) }, 'message: expected a string of at most 10 000 characters'],
    [{ type: 'startTraining', what: 'morph' }, 'unknown type "startTraining"'],
  ];
  for (const [m, want] of cases) assert.equal(previewMessageProblem(m), want, JSON.stringify(m));
});
