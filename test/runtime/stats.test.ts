// The summary statistics every report uses (/engine/status, control latency, benchmarks).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile, quantiles, round, sortedQuantile, spread } from '../../src/runtime/stats.js';

test('round keeps the given number of decimals (3 by default)', () => {
  assert.equal(round(1.23456), 1.235);
  assert.equal(round(1.23456, 1), 1.2);
  assert.equal(round(-2.5, 0), -2);
  assert.equal(round(12345.678, 2), 12345.68);
});

test('histogramQuantile returns the upper edge of the bucket where the count reaches q', () => {
  // Values: 10 in [0, 0.05), 80 in [0.05, 0.1), 10 in [0.15, 0.2) (bucket width 0.05 ms).
  const h = new Float64Array(8);
  h[0] = 10;
  h[1] = 80;
  h[3] = 10;
  assert.equal(histogramQuantile(h, 0.05, 0.1), 0.05);
  assert.equal(histogramQuantile(h, 0.05, 0.5), 0.1);
  assert.equal(histogramQuantile(h, 0.05, 0.9), 0.1);
  assert.ok(Math.abs(histogramQuantile(h, 0.05, 0.99) - 0.2) < 1e-12);
  assert.ok(Math.abs(histogramQuantile(h, 0.05, 1) - 0.2) < 1e-12);
  assert.equal(histogramQuantile(new Float64Array(8), 0.05, 0.99), 0, 'empty histogram');
});

test('sortedQuantile is the nearest rank: q = 1 is the maximum, q = 0.5 the upper median', () => {
  const sorted = [1, 2, 3, 4];
  assert.equal(sortedQuantile(sorted, 0), 1);
  assert.equal(sortedQuantile(sorted, 0.5), 3);
  assert.equal(sortedQuantile(sorted, 0.99), 4);
  assert.equal(sortedQuantile(sorted, 1), 4);
  assert.ok(Number.isNaN(sortedQuantile([], 0.5)));
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(sortedQuantile(hundred, 0.99), 100);
  assert.equal(sortedQuantile(hundred, 0.5), 51);
});

test('quantiles sorts a copy and reports p50, p99 and max', () => {
  const values = [5, 1, 4, 2, 3];
  assert.deepEqual(quantiles(values), { n: 5, p50: 3, p99: 5, max: 5 });
  assert.deepEqual(values, [5, 1, 4, 2, 3], 'input untouched');
  const empty = quantiles([]);
  assert.equal(empty.n, 0);
  assert.ok(Number.isNaN(empty.p50) && Number.isNaN(empty.max));
});

test('spread: the median averages the two middle values of an even count', () => {
  assert.deepEqual(spread([3, 1, 2]), { n: 3, median: 2, min: 1, max: 3 });
  assert.deepEqual(spread([4, 1, 2, 3]), { n: 4, median: 2.5, min: 1, max: 4 });
  assert.equal(spread([]), undefined);
});
