// Live-server benchmarks, each against a real `chronus serve` process over real UDP:
//   latency  – arrival → effect latency of commands (from frame counters) and underrun rate,
//              for leads 2, 4, 8 at 128 frames and the default, with 1 and 2 slots;
//   flood    – 10,000 parameter messages/s for 30 s: none lost, underruns, latency spread;
//   commit   – commit round trip for 4-, 16- and 64-module patches.
// Figures are printed as tables plus one JSON line per benchmark.

import { performance } from 'node:perf_hooks';
import { engineStatus, startServer, type RunningServer } from '../test/helpers/server-process.js';
import { quantiles, round } from '../src/runtime/stats.js';
import { option, pad, sleep } from './bench-args.js';


/** Sends /mod messages at `rate` per second for `seconds`, paced by the wall clock. */
async function sendParams(server: RunningServer, rate: number, seconds: number): Promise<number> {
  const client = server.client;
  const started = performance.now();
  let sent = 0;
  const total = Math.round(rate * seconds);
  while (sent < total) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const burst = Math.min(due, total) - sent;
    for (let k = 0; k < burst; k++) {
      await client.send('/mod/sine1/freq', 300 + ((sent + k) % 400));
    }
    sent += burst;
    await sleep(1);
  }
  return sent;
}

export const LATENCY_USAGE = 'latency [--seconds 20] [--rate 200]   control latency and underruns for leads 2/4/8 and the default, 1 and 2 slots';

export async function latencyBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 20);
  const rate = option(args, '--rate', 200);
  const rows: Array<Record<string, number | string>> = [];
  const configs: Array<{ lead: number | 'default'; slots: number }> = [];
  for (const lead of [2, 4, 8, 'default'] as const) for (const slots of [1, 2]) configs.push({ lead, slots });
  process.stdout.write(`latency: ${seconds} s per configuration, ${rate} /mod messages/s, 48 kHz, block 128\n`);
  const widths = [8, 6, 9, 9, 9, 9, 9, 11, 10];
  process.stdout.write(`${pad(['lead', 'slots', 'p50 ms', 'p99 ms', 'max ms', 'p50 blk', 'p99 blk', 'underruns', 'rate %'], widths)}\n`);
  for (const c of configs) {
    const server = await startServer(['--slots', String(c.slots), ...(c.lead === 'default' ? [] : ['--lead', String(c.lead)])]);
    try {
      await sleep(500);
      const before = await engineStatus(server.client);
      await sendParams(server, rate, seconds);
      await sleep(200);
      const after = await engineStatus(server.client);
      const lat = after['control']['latencyMs'] as { p50: number; p99: number; max: number };
      const blockMs = (1000 * 128) / 48000;
      const underruns = after['underruns'] - before['underruns'];
      const blocks = after['consumedBlocks'] - before['consumedBlocks'];
      const row = {
        lead: c.lead === 'default' ? `${after['lead']} (def)` : c.lead,
        slots: c.slots,
        p50Ms: lat.p50, p99Ms: lat.p99, maxMs: lat.max,
        p50Blocks: round(lat.p50 / blockMs, 2), p99Blocks: round(lat.p99 / blockMs, 2),
        underruns, underrunRatePct: round((100 * underruns) / Math.max(1, blocks), 4),
      };
      rows.push(row);
      process.stdout.write(`${pad([row.lead, row.slots, row.p50Ms, row.p99Ms, row.maxMs, row.p50Blocks, row.p99Blocks, row.underruns, row.underrunRatePct], widths)}\n`);
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'latency', seconds, rate, rows })}\n`);
}

export const FLOOD_USAGE = 'flood [--seconds 30] [--rate 10000]   parameter flood through a live server: none lost, underruns, latency spread';

export async function floodBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 30);
  const rate = option(args, '--rate', 10000);
  const server = await startServer();
  try {
    await sleep(500);
    const before = await engineStatus(server.client);
    const t0 = performance.now();
    const sent = await sendParams(server, rate, seconds);
    const elapsed = (performance.now() - t0) / 1000;
    // /sync answers once everything before it has been applied by every slot.
    const synced = await server.client.request('/sync', [1], 10000);
    const after = await engineStatus(server.client);
    const received = after['control']['messages'] - before['control']['messages'] - 2; // minus /sync and /engine/status
    const lat = after['control']['latencyMs'] as { p50: number; p99: number; max: number };
    const blockMs = (1000 * 128) / 48000;
    const result = {
      bench: 'flood', seconds, targetRate: rate, achievedRate: Math.round(sent / elapsed), sent, received,
      lost: sent - received, synced: synced.address === '/synced',
      underruns: after['underruns'] - before['underruns'], lateCycles: after['lateCycles'] - before['lateCycles'],
      latencyMs: lat, p99MinusP50Blocks: round((lat.p99 - lat.p50) / blockMs, 2),
    };
    process.stdout.write(`flood: sent ${sent} /mod messages in ${elapsed.toFixed(1)} s (${result.achievedRate}/s); server received ${received} (lost ${result.lost}); underruns ${result.underruns}; latency p50 ${lat.p50} ms, p99 ${lat.p99} ms (p99 − p50 = ${result.p99MinusP50Blocks} blocks), max ${lat.max} ms\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
}

export const COMMIT_USAGE = 'commit [--commits 30]   /patch/commit round trip for 4-, 16- and 64-module patches';

export async function commitBench(args: readonly string[]): Promise<void> {
  const commits = option(args, '--commits', 30);
  const server = await startServer();
  const rows: Array<Record<string, number>> = [];
  try {
    const client = server.client;
    for (const modules of [4, 16, 64]) {
      const times: number[] = [];
      for (let k = 0; k < commits; k++) {
        // Rebuild the staged patch: voices of osc → filter → adsr (the out module is the 4th of a 4-module patch).
        await client.request('/patch/clear');
        const voices = Math.max(1, Math.floor((modules - 1) / 3));
        for (let v = 0; v < voices; v++) {
          await client.request('/patch/create', [`o${v}`, 'osc']);
          await client.request('/patch/create', [`f${v}`, 'filter']);
          await client.request('/patch/create', [`e${v}`, 'adsr']);
          await client.request('/patch/set', [`o${v}`, 'freq', 100 + v + k]);
          await client.request('/patch/connect', [`o${v}`, `f${v}`]);
          await client.request('/patch/connect', [`f${v}`, `e${v}`]);
          await client.request('/patch/connect', [`e${v}`, 'out', 0.05]);
        }
        const t = performance.now();
        const reply = await client.request('/patch/commit', [], 5000);
        times.push(performance.now() - t);
        if (reply.address !== '/done') throw new Error(`commit failed: ${JSON.stringify(reply.args)}`);
      }
      const q = quantiles(times);
      const row = { modules: 1 + 3 * Math.max(1, Math.floor((modules - 1) / 3)), p50Ms: round(q.p50, 2), p99Ms: round(q.p99, 2), maxMs: round(q.max, 2) };
      rows.push(row);
      process.stdout.write(`commit: ${row.modules} modules: round trip p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, max ${row.maxMs} ms (${commits} commits)\n`);
    }
    const status = await engineStatus(client);
    process.stdout.write(`${JSON.stringify({ bench: 'commit', commits, rows, underruns: status['underruns'], divergences: status['divergences'] })}\n`);
  } finally {
    await server.stop();
  }
}
