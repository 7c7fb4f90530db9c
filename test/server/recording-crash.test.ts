// A recording cut short by a crash (kill -9 of the whole server) is still a readable WAV up to
// its last flushed block, and a recording running at shutdown is finalised.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readWav } from '../../src/io/wav-reader.js';
import { peakFrequency } from '../helpers/analysis.js';
import { startServer } from '../helpers/server-process.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('kill -9 while recording leaves a readable WAV of what was played', { timeout: 60000 }, async () => {
  const server = await startServer();
  const client = server.client;
  assert.equal((await client.request('/gate/adsr1', [1])).address, '/done');
  const start = await client.request('/record/start', ['crash']);
  assert.equal(start.address, '/done');
  const path = start.args[1] as string;
  await sleep(800);
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGKILL');
  await exited;
  client.close();
  const wav = readWav(path);
  assert.equal(wav.channels, 2);
  assert.ok(wav.data[0]!.length >= 0.3 * 48000, `at least part of the 0.8 s survived (${wav.data[0]!.length} frames)`);
  assert.equal(wav.data[0]!.length % 128, 0, 'whole blocks only');
  const { freq } = peakFrequency(wav.data[0]!, 48000, { size: 8192, start: 0 });
  assert.ok(Math.abs(freq - 440) < 6, `the default patch's 440 Hz (${freq})`);
});

test('a recording still running at /quit is finalised', { timeout: 60000 }, async () => {
  const server = await startServer();
  const client = server.newClient();
  await client.request('/gate/adsr1', [1]);
  const start = await client.request('/record/start', ['at-quit']);
  const path = start.args[1] as string;
  await sleep(500);
  assert.equal(await server.stop(), 0);
  const wav = readWav(path);
  assert.ok(wav.data[0]!.length >= 0.4 * 48000, `the recording holds the played audio (${wav.data[0]!.length} frames)`);
});
