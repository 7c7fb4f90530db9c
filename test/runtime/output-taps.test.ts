// The output history ring (output-taps.ts): what the writer wrote comes back in order, the
// last N seconds and a followed range; blocks overwritten during a read are dropped, never torn.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputHistory, OutputHistoryWriter, historyBlocks } from '../../src/runtime/output-taps.js';

const BLOCK = 64;
const config = { sampleRate: 48000, blockSize: BLOCK, blocks: 16 };

/** Block n holds the value n + i/1000 on the left and its negative on the right. */
function writeBlocks(writer: OutputHistoryWriter, from: number, count: number): void {
  const left = new Float32Array(BLOCK);
  const right = new Float32Array(BLOCK);
  for (let n = from; n < from + count; n++) {
    for (let i = 0; i < BLOCK; i++) {
      left[i] = n + i / 1000;
      right[i] = -(n + i / 1000);
    }
    writer.write(n, left, right);
  }
}

test('historyBlocks rounds up to a power of two covering the seconds asked for', () => {
  assert.equal(historyBlocks(48000, 128, 10), 4096);
  assert.ok((historyBlocks(44100, 256, 3) * 256) / 44100 >= 3);
});

test('readLast returns the newest blocks, oldest first, and no more than there is', () => {
  const history = OutputHistory.create(config);
  const writer = new OutputHistoryWriter(config, history.buffer);
  const left = new Float32Array(8 * BLOCK);
  const right = new Float32Array(8 * BLOCK);
  assert.equal(history.readLast(4 * BLOCK, left, right).frames, 0);
  writeBlocks(writer, 100, 3);
  // Asked for 4 blocks but only 3 exist... the ring was empty before block 100: stamps say so.
  const early = history.readLast(4 * BLOCK, left, right);
  assert.equal(early.endBlock, 103);
  assert.equal(early.frames, 3 * BLOCK);
  assert.equal(left[0], Math.fround(100));
  writeBlocks(writer, 103, 30);
  const read = history.readLast(5 * BLOCK - 10, left, right);
  assert.equal(read.frames, 5 * BLOCK);
  assert.equal(read.endBlock, 133);
  for (let k = 0; k < 5; k++) {
    assert.equal(left[k * BLOCK], Math.fround(128 + k));
    assert.equal(right[k * BLOCK + 7], Math.fround(-(128 + k + 0.007)));
  }
  assert.equal(history.written, 133);
});

test('readRange follows the stream block by block and skips what the ring no longer holds', () => {
  const history = OutputHistory.create(config);
  const writer = new OutputHistoryWriter(config, history.buffer);
  const left = new Float32Array(64 * BLOCK);
  const right = new Float32Array(64 * BLOCK);
  writeBlocks(writer, 0, 10);
  const first = history.readRange(0, history.written, left, right);
  assert.equal(first.frames, 10 * BLOCK);
  assert.equal(first.firstBlock, 0);
  writeBlocks(writer, 10, 40);
  // 40 more than a 16-block ring holds: the oldest are gone, the newest 15 come back.
  const next = history.readRange(first.endBlock, history.written, left, right);
  assert.equal(next.endBlock, 50);
  assert.equal(next.frames, 15 * BLOCK);
  assert.equal(next.firstBlock, 35);
  assert.equal(left[0], Math.fround(35));
});

test('a block the writer is overwriting while it is read is dropped, not returned torn', () => {
  const history = OutputHistory.create(config);
  const writer = new OutputHistoryWriter(config, history.buffer);
  writeBlocks(writer, 0, 16);
  const left = new Float32Array(16 * BLOCK);
  const right = new Float32Array(16 * BLOCK);
  const whole = history.readRange(0, 16, left, right);
  assert.equal(whole.frames, 15 * BLOCK, 'a full ring holds its length less one block');
  assert.equal(whole.firstBlock, 1);
  // The writer went on to block 17 (position 1, which holds block 1) after the reader saw 16
  // blocks written: it invalidated the stamp first, the samples are half written.
  const stamps = new Int32Array(history.buffer, 8, 16);
  Atomics.store(stamps, 1, -1);
  const read = history.readRange(1, 16, left, right);
  assert.equal(read.frames, 14 * BLOCK, 'block 1 is left out');
  assert.equal(read.firstBlock, 2);
  assert.equal(left[0], Math.fround(2));
  assert.equal(left[14 * BLOCK - 1], Math.fround(15 + (BLOCK - 1) / 1000));
});
