// `timing`: onset error of sequencer steps and timetagged events against their intended sample,
// live on the null sink, measured from the recording.
// - sequencer: a 16th-note pattern at 150 BPM gating a percussive envelope wired to the output;
//   intended frames = the start frame the server reported + round(k · 4800).
// - timetags: bundles `/gate/tt 1` sent 50 ms ahead every ~250 ms, on a second envelope routed to
//   the right channel only (out.right; the sequencer's to out.left); intended frame = the timetag mapped through the clock anchor
//   of /engine/status. The onset in the recording is the first non-zero sample.
// Prints p50/p99/max in samples for each.

import { engineStatus, startServer } from '../test/helpers/server-process.js';
import { option, sleep } from './bench-args.js';
import { readWav } from '../src/io/wav-reader.js';
import type { OscClient } from '../src/control/osc-client.js';
import { quantiles } from '../src/runtime/stats.js';

const RATE = 48000;

export const TIMING_USAGE = 'timing [--seconds 60]   onset error (samples) of sequencer steps and timetags, live on the null sink (--seconds 600 for the 10-minute run)';

async function ok(client: OscClient, address: string, args: Array<number | string> = []): Promise<number> {
  const reply = await client.request(address, args);
  if (reply.address !== '/done') throw new Error(`${address}: ${JSON.stringify(reply.args)}`);
  return reply.args[1] as number;
}

/** Error of the onset nearest after `intended` (within `window` frames), or undefined if none. */
function onsetError(x: Float32Array, firstFrame: number, intended: number, window: number): number | undefined {
  const from = intended - firstFrame - window;
  for (let i = Math.max(1, from); i < Math.min(x.length, from + 2 * window); i++) {
    if (x[i] !== 0 && x[i - 1] === 0) return i + firstFrame - intended;
  }
  return undefined;
}

export async function timingBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 60);
  if (!(seconds >= 5)) throw new Error('--seconds must be ≥ 5');
  const server = await startServer();
  try {
    const c = server.client;
    for (const [id, side] of [['seqenv', 'left'], ['tt', 'right']] as const) {
      await ok(c, '/patch/create', [id, 'adsr']);
      for (const [p, v] of [['attack', 0.1], ['decay', 3], ['sustain', 0], ['release', 0.1]] as const) await ok(c, '/patch/set', [id, p, v]);
      await ok(c, '/patch/connect', [id, `out.${side}`]);
    }
    await ok(c, '/patch/commit');
    await ok(c, '/gate/adsr1', [0]);
    await c.request('/record/start', ['timing']);
    await sleep(100);
    await ok(c, '/seq/bpm', [150]);
    await ok(c, '/seq/create', ['s']);
    await ok(c, '/seq/pattern', ['s', 'x.x.x.x.x.x.x.x.']);
    await ok(c, '/seq/gate_len', ['s', 0.2]);
    await ok(c, '/seq/assign', ['s', 'gate', 'seqenv']);
    const start = await ok(c, '/seq/start', ['s']);
    const t0 = ((await engineStatus(c))['clock'] as { t0UnixMs: number }).t0UnixMs;
    const timetags: number[] = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const when = Date.now() + 50;
      await c.sendBundle(when, [['/gate/tt', [1]]]);
      await c.sendBundle(when + 20, [['/gate/tt', [0]]]);
      timetags.push(((when - t0) / 1000) * RATE);
      await sleep(230 + Math.random() * 40);
    }
    const stop = await ok(c, '/seq/stop', ['s']);
    await sleep(200);
    const rec = await c.request('/record/stop');
    const [, path, , firstFrame] = rec.args as [string, string, number, number];
    const wav = readWav(path);
    const status = await engineStatus(c);
    const seqErrors: number[] = [];
    let seqMissing = 0;
    for (let k = 0; start + Math.round(k * 9600) < stop; k++) {
      const e = onsetError(wav.data[0]!, firstFrame, start + Math.round(k * 9600), 2400);
      if (e === undefined) seqMissing++;
      else seqErrors.push(Math.abs(e));
    }
    const ttErrors: number[] = [];
    let ttMissing = 0;
    for (const t of timetags) {
      const e = onsetError(wav.data[1]!, firstFrame, Math.round(t), 4800);
      if (e === undefined) ttMissing++;
      else ttErrors.push(Math.abs(e));
    }
    const seq = quantiles(seqErrors);
    const tt = quantiles(ttErrors);
    process.stdout.write(`timing: ${seconds} s live on the null sink, block ${status['blockSize']}, lead ${status['lead']}, underruns ${status['underruns']}, late ${(status['control'] as Record<string, number>)['late']}\n`);
    process.stdout.write(`  sequencer steps: n=${seq.n} missing=${seqMissing}  |error| p50 ${seq.p50}  p99 ${seq.p99}  max ${seq.max} samples\n`);
    process.stdout.write(`  timetags (50 ms ahead): n=${tt.n} missing=${ttMissing}  |error| p50 ${tt.p50}  p99 ${tt.p99}  max ${tt.max} samples\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'timing', seconds, sequencer: { ...seq, missing: seqMissing }, timetags: { ...tt, missing: ttMissing }, underruns: status['underruns'] })}\n`);
  } finally {
    await server.stop();
  }
}
