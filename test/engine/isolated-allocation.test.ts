// No allocation on the audio path: every kernel (with constant and with per-sample params) and
// the engine's render loop, each probed in a fresh child process (a clean JIT: in a shared test
// process, earlier tests change V8's inlining decisions and can hide or cause boxing).
//
// What this guards, found the hard way: a double that crosses a non-inlined call, or that is
// stored in an object field V8 has generalised to a tagged representation, is boxed into a
// new HeapNumber on every use. tsconfig sets useDefineForClassFields: false because define
// semantics initialise declared fields to undefined, which generalises them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_MODULES } from '../../src/dsp/modules/index.js';
import { HEAP_GROWTH_LIMIT } from '../helpers/allocation.js';

const child = fileURLToPath(new URL('../helpers/allocation-child.js', import.meta.url));
const BLOCKS = '60000';

function probe(target: string, mode = 'const'): { collections: number; heapGrowth: number; events: number; batched?: number; fallback?: number } {
  // Synchronous optimisation: on a loaded machine a background compile can land after the
  // warm-up, and the code that runs meanwhile boxes doubles (observed as rare GCs).
  const r = spawnSync(process.execPath, ['--no-concurrent-recompilation', '--no-concurrent-osr', child, target, BLOCKS, mode], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { collections: number; heapGrowth: number; events: number; batched?: number; fallback?: number };
}

for (const def of BUILT_IN_MODULES) {
  for (const mode of ['const', 'sweep']) {
    test(`${def.spec.type} (${mode === 'const' ? 'constant' : 'per-sample'} params): process allocates nothing over ${BLOCKS} blocks`, () => {
      const result = probe(def.spec.type, mode);
      assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
      assert.ok(result.heapGrowth < HEAP_GROWTH_LIMIT, `heap grew ${result.heapGrowth} bytes`);
    });
  }
}

// Enum values the loop above leaves at their defaults, where a branch of their own needs it.
for (const target of ['lfo:shape=5']) {
  for (const mode of ['const', 'sweep']) {
    test(`${target} (${mode === 'const' ? 'constant' : 'per-sample'} params): process allocates nothing over ${BLOCKS} blocks`, () => {
      const result = probe(target, mode);
      assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
      assert.ok(result.heapGrowth < HEAP_GROWTH_LIMIT, `heap grew ${result.heapGrowth} bytes`);
    });
  }
}

/**
 * The engine probe also schedules a gate every 32 blocks; scheduling may box the event's
 * frame (a double) once per event when the call is not inlined: ~16 bytes per command, not
 * per block. The budget allows that for the probe's 1,875 events on top of JIT bookkeeping.
 */
const ENGINE_HEAP_GROWTH_LIMIT = HEAP_GROWTH_LIMIT + 1875 * 64;

test(`engine render loop (every module, modulation, sums, gates): allocates nothing per block over ${BLOCKS} blocks`, () => {
  const result = probe('engine');
  assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
  assert.ok(result.heapGrowth < ENGINE_HEAP_GROWTH_LIMIT, `heap grew ${result.heapGrowth} bytes`);
});

/**
 * A slot's command path: ring records (a param set and a gate every 4 blocks, fractional
 * values) drained by SlotCommands and applied with applyCommand, as the slot worker does per
 * block: no JSON, no closure, nothing per block. The budget is the engine probe's, 64 bytes per
 * command: Engine.scheduleParam boxes a fractional value once per call (measured ~24 bytes,
 * the same called directly; with integral values the probe grows no more than the engine's).
 */
const COMMANDS_HEAP_GROWTH_LIMIT = HEAP_GROWTH_LIMIT + (Number(BLOCKS) / 2) * 64;

test(`slot command path (ring records, SlotCommands, applyCommand, the slots' host): allocates nothing per block over ${BLOCKS} blocks`, () => {
  const result = probe('commands');
  assert.ok(result.events >= Number(BLOCKS) / 2, `the commands were applied: ${result.events} events`);
  assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
  assert.ok(result.heapGrowth < COMMANDS_HEAP_GROWTH_LIMIT, `heap grew ${result.heapGrowth} bytes`);
});

/**
 * Sequencers: nothing per block; like scheduled commands, a scheduled sequencer event may box
 * its frame once (~16 bytes) when the call is not inlined. The budget allows 64 bytes per event, as for scheduled commands above
 * (about 50 events/s here; warm-up included) on top of JIT bookkeeping; a per-block allocation
 * of even one small object would exceed it.
 */
test(`engine with three running sequencers (gates, accents, lanes, swing): allocates nothing per block over ${BLOCKS} blocks`, () => {
  const result = probe('sequencer');
  assert.ok(result.events > 5000, `the sequencers scheduled ${result.events} events`);
  assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
  assert.ok(result.heapGrowth < HEAP_GROWTH_LIMIT + result.events * 64, `heap grew ${result.heapGrowth} bytes for ${result.events} events`);
});

/**
 * SIMD batch groups (EngineOptions.batch, on by default): 16 W2 voices, so the filters render
 * 4 per call through the wasm batch kernel (copies in and out per call), with gates splitting
 * blocks and a smoothed cutoff change sending a group to the JS fallback now and then. Events
 * may box their frame once each, as above (64 bytes per event in the budget).
 */
test(`engine with SIMD batch groups (W2 × 16, gates, fallback): allocates nothing per block over ${BLOCKS} blocks`, () => {
  const result = probe('batch');
  assert.ok((result.batched ?? 0) > 100000, `batched ${result.batched}`);
  assert.ok((result.fallback ?? 0) > 0, `fallback ${result.fallback}`);
  assert.equal(result.collections, 0, `GC ran ${result.collections} times`);
  assert.ok(result.heapGrowth < HEAP_GROWTH_LIMIT + result.events * 64, `heap grew ${result.heapGrowth} bytes for ${result.events} events`);
});
