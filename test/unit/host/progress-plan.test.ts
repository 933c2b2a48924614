/** The progress notification's bar covers every phase of a run (src/host/progressPlan.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overallProgress } from '../../../src/host/progressPlan';

test('a morph run: source, target and morph phases each fill a third, in order', () => {
  assert.equal(overallProgress('morph', { phase: 'source', step: 50, totalSteps: 100 }).percent, 100 / 6);
  assert.equal(overallProgress('morph', { phase: 'source', step: 100, totalSteps: 100 }).percent, 100 / 3);
  assert.equal(overallProgress('morph', { phase: 'target', step: 0, totalSteps: 100 }).percent, 100 / 3);
  assert.equal(overallProgress('morph', { phase: 'morph', step: 25, totalSteps: 100 }).percent, 75);
  assert.equal(overallProgress('morph', { phase: 'morph', step: 100, totalSteps: 100 }).percent, 100);
  assert.equal(overallProgress('morph', { phase: 'target', step: 3, totalSteps: 10 }).label, 'phase 2 of 3: target base flow');
});

test('a morph run whose base flows exist starts its bar at the morph third; without a step budget a phase holds its start', () => {
  assert.equal(overallProgress('morph', { phase: 'morph', step: 0, totalSteps: 10 }).percent, 200 / 3);
  assert.equal(overallProgress('morph', { phase: 'target', step: 500 }).percent, 100 / 3);
});

test('a fit run is one phase over the whole bar', () => {
  const o = overallProgress('fit', { phase: 'fit', step: 30, totalSteps: 120 });
  assert.equal(o.percent, 25);
  assert.equal(o.label, 'base flow');
  assert.equal(overallProgress('fit', { phase: 'fit', step: 300, totalSteps: 120 }).percent, 100);
});
