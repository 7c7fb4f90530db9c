// The command ring's one channel: records and the payload texts they point to (patches and
// control ops) round-trip through shared memory in order; payload space is reclaimed once every
// running slot has read past a record, a text never wraps, and a full ring refuses without
// writing anything. Also the one encoding: every command kind survives encode → ring → apply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRingWriter, drainCommands, payloadText } from '../../src/runtime/command-ring.js';
import { CMD_CONTROL, CMD_PATCH, decodeCommand, encodeCommand, hasPayload, type EncodedCommand, type EngineCommand } from '../../src/runtime/engine-command.js';
import {
  CMD_AUX, CMD_FRAME, CMD_HANDLE, CMD_INDEX, CMD_KIND, CMD_SEQ, CMD_VALUE, SLOT_DOWN, SLOT_LOCKSTEP, SLOT_STATE, createSharedState, type SharedViews,
} from '../../src/runtime/shared-state.js';

function shared(payloadBytes: number, slots = 2): SharedViews {
  const s = createSharedState({ sampleRate: 48000, blockSize: 128, slots, ringBlocks: 64, hashHistory: 64, commandCapacity: 16, payloadBytes, recordBlocks: 64 });
  for (const slot of s.slots) Atomics.store(slot.ints, SLOT_STATE, SLOT_LOCKSTEP);
  return s;
}

interface Read {
  readonly seq: number;
  readonly frame: number;
  readonly command: EncodedCommand;
}

/** Drains slot `slot`'s unread records as a slot worker would, decoding the payload texts. */
function drain(s: SharedViews, slot: number): Read[] {
  const out: Read[] = [];
  drainCommands(s, s.slots[slot]!, (c, at) => {
    const kind = c[at + CMD_KIND]!;
    const payload = hasPayload(kind) ? payloadText(s, c, at) : undefined;
    out.push({
      seq: c[at + CMD_SEQ]!, frame: c[at + CMD_FRAME]!,
      command: { kind, handle: c[at + CMD_HANDLE]!, index: c[at + CMD_INDEX]!, value: c[at + CMD_VALUE]!, aux: c[at + CMD_AUX]!, ...(payload === undefined ? {} : { payload }) },
    });
  });
  return out;
}

const control = (id: string): EncodedCommand => encodeCommand({ kind: 'control', op: { op: 'seq.create', id } });

test('every command kind round-trips: encode, ring, drain, decode', () => {
  const s = shared(4096);
  const writer = new CommandRingWriter(s);
  const commands: EngineCommand[] = [
    { kind: 'param', handle: 3, index: 1, value: 523.25 },
    { kind: 'gate', handle: 4, on: true, velocity: 0.75 },
    { kind: 'gate', handle: 4, on: false },
    { kind: 'reset', handle: 5 },
    { kind: 'patch', patch: { doc: { format: 'chronus-patch', version: 1, modules: [{ id: 'ö1', type: 'osc', params: { freq: 220 } }], connections: [] }, handles: [['ö1', 7]], crossfadeFrames: 960 } },
    { kind: 'control', op: { op: 'seq.lane', id: 's', lane: 'p', values: [110, null, 220.5], immediate: true } },
    { kind: 'ramp', handle: 6, index: 2, value: 1234.5, ms: 2500.25, curve: 'exp' },
    { kind: 'ramp', handle: 6, index: 0, value: -0.5, ms: 10, curve: 'lin' },
  ];
  commands.forEach((c, seq) => assert.ok(writer.push(seq, seq * 100, encodeCommand(c))));
  for (const slot of [0, 1]) {
    const read = drain(s, slot);
    assert.deepEqual(read.map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(read.map((r) => r.frame), [0, 100, 200, 300, 400, 500, 600, 700]);
    assert.deepEqual(read.map((r) => decodeCommand(r.command)), [
      commands[0], commands[1], { kind: 'gate', handle: 4, on: false }, commands[3], commands[4], commands[5], commands[6], commands[7],
    ]);
  }
});

test('payload texts: a text never wraps, space is reclaimed once every running slot has read it, a full ring writes nothing', () => {
  const s = shared(100);
  const writer = new CommandRingWriter(s);
  const a = control('a'.repeat(30)); // 57 bytes of JSON: two do not fit in 100
  const bytes = Buffer.byteLength(a.payload!);
  assert.ok(bytes > 50 && bytes < 70, `test text of ${bytes} bytes`);
  assert.ok(writer.push(0, 0, a));
  // A second text does not fit behind the first until the slots have read the first.
  assert.equal(writer.hasRoom(bytes), false);
  assert.equal(writer.push(1, 0, control('b'.repeat(30))), false, 'refused');
  assert.equal(drain(s, 0).length, 1, 'the refused command wrote no record');
  assert.equal(writer.hasRoom(bytes), false, 'slot 1 has not read it yet');
  // A slot that is down does not hold the ring back (its replacement gets the journal).
  Atomics.store(s.slots[1]!.ints, SLOT_STATE, SLOT_DOWN);
  assert.equal(writer.hasRoom(bytes), true);
  Atomics.store(s.slots[1]!.ints, SLOT_STATE, SLOT_LOCKSTEP);
  assert.equal(drain(s, 1).length, 1);
  // Now the next text starts over at offset 0 (it would not fit behind the first one).
  for (let k = 1; k <= 5; k++) {
    const c = control(String.fromCharCode(97 + k).repeat(30));
    assert.ok(writer.push(k, 0, c), `text ${k}`);
    for (const slot of [0, 1]) {
      const read = drain(s, slot);
      assert.equal(read.length, 1);
      assert.equal(read[0]!.command.payload, c.payload, `text ${k}, slot ${slot}`);
    }
  }
  // Numeric commands take no payload space; a text longer than the area never fits.
  assert.ok(writer.push(6, 0, encodeCommand({ kind: 'param', handle: 1, index: 0, value: 1 })));
  assert.equal(writer.hasRoom(101), false);
  assert.equal(writer.push(7, 0, { kind: CMD_PATCH, handle: 0, index: 0, value: 0, payload: 'x'.repeat(101) }), false);
  assert.equal(drain(s, 0).length, 1);
});

test('the record ring refuses when the slowest running slot is a whole ring behind', () => {
  const s = shared(4096);
  const writer = new CommandRingWriter(s);
  for (let seq = 0; seq < 16; seq++) assert.ok(writer.push(seq, 0, encodeCommand({ kind: 'reset', handle: seq })));
  assert.equal(writer.hasRoom(), false);
  assert.equal(writer.push(16, 0, control('x')), false);
  assert.equal(drain(s, 0).length, 16);
  assert.equal(writer.hasRoom(), false, 'slot 1 is still a ring behind');
  assert.deepEqual(drain(s, 1).map((r) => r.command.handle), Array.from({ length: 16 }, (_, i) => i));
  assert.ok(writer.push(16, 0, control('x')));
  const read = drain(s, 0);
  assert.equal(read[0]!.command.kind, CMD_CONTROL);
});
