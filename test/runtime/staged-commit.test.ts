// Staged commits: the slots take turns preparing (slot 0 first; a slot that is down or joining
// is not waited for), and only big commits are scheduled ahead.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STAGE_MIN_NEW_MODULES, mayPrepare, stagedCommitAheadMs } from '../../src/runtime/staged-commit.js';
import { SLOT_DOWN, SLOT_JOINING, SLOT_LOCKSTEP, SLOT_PREPARED_SEQ, SLOT_STATE, createSharedState } from '../../src/runtime/shared-state.js';

function shared(): ReturnType<typeof createSharedState> {
  const s = createSharedState({ sampleRate: 48000, blockSize: 128, slots: 2, ringBlocks: 64, hashHistory: 64, commandCapacity: 64, payloadBytes: 1024, recordBlocks: 64 });
  for (const slot of s.slots) Atomics.store(slot.ints, SLOT_STATE, SLOT_LOCKSTEP);
  return s;
}

test('slot 0 prepares at once; slot 1 after slot 0 has prepared the same command', () => {
  const s = shared();
  assert.equal(Atomics.load(s.slots[0]!.ints, SLOT_PREPARED_SEQ), -1, 'nothing prepared at start');
  assert.equal(mayPrepare(s, 0, 5), true);
  assert.equal(mayPrepare(s, 1, 5), false);
  Atomics.store(s.slots[0]!.ints, SLOT_PREPARED_SEQ, 4);
  assert.equal(mayPrepare(s, 1, 5), false);
  Atomics.store(s.slots[0]!.ints, SLOT_PREPARED_SEQ, 5);
  assert.equal(mayPrepare(s, 1, 5), true);
  // Sequence numbers wrap: compared by subtraction.
  Atomics.store(s.slots[0]!.ints, SLOT_PREPARED_SEQ, -2147483648);
  assert.equal(mayPrepare(s, 1, 2147483647), true);
  // Patches from a snapshot have no sequence number: prepared at once.
  Atomics.store(s.slots[0]!.ints, SLOT_PREPARED_SEQ, 0);
  assert.equal(mayPrepare(s, 1, null), true);
});

test('a slot that is down or joining is not waited for', () => {
  const s = shared();
  Atomics.store(s.slots[0]!.ints, SLOT_STATE, SLOT_DOWN);
  assert.equal(mayPrepare(s, 1, 9), true);
  Atomics.store(s.slots[0]!.ints, SLOT_STATE, SLOT_JOINING);
  assert.equal(mayPrepare(s, 1, 9), true);
});

test('only commits with many new modules are scheduled ahead, for both preparations', () => {
  assert.equal(stagedCommitAheadMs(STAGE_MIN_NEW_MODULES, 0, STAGE_MIN_NEW_MODULES), 0);
  assert.equal(stagedCommitAheadMs(16, 1000, 1016), 0);
  const big = stagedCommitAheadMs(1024, 1, 1025);
  assert.ok(big > 2 * 1024 * 0.02, `ahead ${big} ms covers two preparations at the measured cost`);
  assert.ok(big < 150 * 4, 'not absurdly far');
  assert.ok(stagedCommitAheadMs(512, 0, 513) < big);
});
