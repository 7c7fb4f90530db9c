// Big commits while playing: underruns and failovers per /patch/load of the W2 patch at
// 16/64/128/256 voices and back to 16 (staged commits: the slots prepare a big patch in turn
// ahead of a later apply frame, src/runtime/staged-commit.ts). Each load waits for its frame,
// then `--settle` ms, before the counters are read. Reports the commit's reply time and how far
// ahead of the output the apply frame lay. The comparison with staging off (every slot building
// the patch at its frame, both at once) is in bench/results/bigcommit-2vcpu.txt; the switch it
// used is gone (docs/performance.md).
//
// Threading: main thread (a client of real server processes).

import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startServer } from '../test/helpers/server-process.js';
import { w2Document, w2Voices } from '../test/fixtures/w2.js';
import { round } from '../src/runtime/stats.js';
import { option, pad, sleep } from './bench-args.js';
import { tcpStatus } from './tcp-status.js';

export const BIGCOMMIT_USAGE = 'bigcommit [--rounds 1] [--settle 800]   underruns/failovers per /patch/load of W2 at 16/64/128/256/16 voices (staged commits)';

const VOICES = [16, 64, 128, 256, 16];

interface Row {
  readonly round: number;
  readonly voices: number;
  readonly modules: number;
  readonly replyMs: number;
  /** Apply frame minus the output position when the load was sent, ms. */
  readonly aheadMs: number;
  readonly underruns: number;
  readonly failovers: number;
  readonly takenFromOther: number;
}

export async function bigcommitBench(args: readonly string[]): Promise<void> {
  const rounds = option(args, '--rounds', 1);
  const settle = option(args, '--settle', 800);
  const rows: Row[] = [];
  const widths = [6, 8, 8, 10, 10, 10, 10, 10];
  process.stdout.write(`${pad(['round', 'voices', 'modules', 'reply ms', 'ahead ms', 'underruns', 'failovers', 'fromOther'], widths)}\n`);
  const server = await startServer([]);
  try {
    mkdirSync(`${server.dataDir}/patches`, { recursive: true });
    for (const n of new Set(VOICES)) writeFileSync(`${server.dataDir}/patches/w${n}.json`, JSON.stringify(w2Document(w2Voices(n))));
    await sleep(1500);
    for (let pass = 0; pass < rounds; pass++) {
      for (const voices of VOICES) {
        const before = await tcpStatus(server.port);
        const sampleRate = Number(before['sampleRate'] ?? 48000);
        const blockSize = Number(before['blockSize']);
        const t = performance.now();
        const reply = await server.client.request('/patch/load', [`w${voices}`], 10000);
        const replyMs = performance.now() - t;
        if (reply.address !== '/done') throw new Error(`load of w${voices} failed: ${JSON.stringify(reply.args)}`);
        const frame = Number(reply.args[1]);
        const aheadMs = ((frame - Number(before['consumedBlocks']) * blockSize) / sampleRate) * 1000;
        await sleep(Math.max(0, aheadMs) + settle);
        const after = await tcpStatus(server.port);
        const row: Row = {
          round: pass, voices, modules: voices * 4 + 1, replyMs: round(replyMs, 1), aheadMs: Math.round(aheadMs),
          underruns: after['underruns'] - before['underruns'],
          failovers: after['failovers'] - before['failovers'],
          takenFromOther: after['takenFromOther'] - before['takenFromOther'],
        };
        rows.push(row);
        process.stdout.write(`${pad([pass, voices, row.modules, row.replyMs, row.aheadMs, row.underruns, row.failovers, row.takenFromOther], widths)}\n`);
      }
    }
    const final = await tcpStatus(server.port);
    if (final['divergences'] !== 0) process.stdout.write(`warning: ${final['divergences']} divergences\n`);
  } finally {
    await server.stop();
  }
  const total = (key: 'underruns' | 'failovers'): number => rows.reduce((sum, r) => sum + r[key], 0);
  process.stdout.write(`${JSON.stringify({ bench: 'bigcommit', rounds, settle, underruns: total('underruns'), failovers: total('failovers'), rows })}\n`);
}
