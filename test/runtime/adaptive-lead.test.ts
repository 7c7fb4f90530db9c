import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveLead } from '../../src/runtime/adaptive-lead.js';

test('adaptive lead grows at once after underruns and shrinks one block per clean period', () => {
  const a = new AdaptiveLead({ min: 2, max: 10, growBy: 2, shrinkAfterMs: 1000 }, 0);
  let lead = 4;
  lead = a.update(lead, 0, 100);
  assert.equal(lead, 4, 'no change without underruns before the clean period');
  lead = a.update(lead, 3, 200);
  assert.equal(lead, 6, 'grows after underruns');
  lead = a.update(lead, 5, 300);
  assert.equal(lead, 8);
  lead = a.update(lead, 9, 400);
  assert.equal(lead, 10);
  lead = a.update(lead, 12, 500);
  assert.equal(lead, 10, 'capped at max');
  lead = a.update(lead, 12, 1400);
  assert.equal(lead, 10, 'not yet clean for a whole period');
  lead = a.update(lead, 12, 1500);
  assert.equal(lead, 9, 'shrinks after a clean period');
  lead = a.update(lead, 12, 2400);
  assert.equal(lead, 9);
  lead = a.update(lead, 12, 2500);
  assert.equal(lead, 8);
  for (let t = 3500; t < 20000; t += 1000) lead = a.update(lead, 12, t);
  assert.equal(lead, 2, 'never below min');
});
