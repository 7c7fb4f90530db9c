// Failover and soak benchmarks, each against real `chronus serve` processes over real UDP:
//   failover – per fault kind injected into the active slot of a server playing a 16-module
//              patch while commands arrive: detection time (client side, from sending
//              /debug/fault to the /engine/failover notice), audible gap (underruns and recorded
//              blocks that differ from the offline replay of the journal), rejoin time with the
//              spare worker and cold (--no-spare-worker); false kills over a healthy run; the
//              cost (render CPU, 2 vs 1 slot) and benefit (underruns under injected stalls) of
//              lockstep, measured side by side in one run;
//   soak     – unstressed underrun soak on the null sink at block 128, lead 8 (and lead 4).
// Figures are printed as tables (median [min–max] over repetitions) plus one JSON line.

import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fromBuffer } from 'osc-min';
import type { OscValue } from '../src/control/command-table.js';
import { encodeMessage, flattenPacket } from '../src/control/osc-transport.js';
import { readWav } from '../src/io/wav-reader.js';
import { renderStateDir } from '../test/helpers/state-replay.js';
import { compareBlocks } from '../test/helpers/failover-rig.js';
import { TestRandom } from '../test/helpers/random.js';
import { engineStatus, startServer, type RunningServer } from '../test/helpers/server-process.js';
import { round, spread as spreadOf, type Spread } from '../src/runtime/stats.js';
import { option, pad, sleep } from './bench-args.js';

const BLOCK = 128;

/** Per-reason failover counts added between two statuses. */
function reasonsDelta(before: Record<string, any>, after: Record<string, any>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after['failoverReasons'] as Record<string, number>)) {
    const d = v - ((before['failoverReasons'] as Record<string, number>)[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** Median, min and max to 2 decimals; null (in the JSON output) when there are no values. */
function spread(values: readonly number[]): Spread | null {
  const s = spreadOf(values);
  return s === undefined ? null : { n: s.n, median: round(s.median, 2), min: round(s.min, 2), max: round(s.max, 2) };
}

function fmt(s: Spread | null, digits = 1): string {
  if (s === null) return '–';
  if (s.n === 1) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;
}

// ------------------------------------------------------------------------------ the patch

/** 16 modules: 4 voices of osc → filter → adsr, two LFOs, a noise source and a VCA (out is implicit). */
export const PATCH16 = {
  format: 'chronus-patch',
  version: 1,
  modules: [
    ...[0, 1, 2, 3].flatMap((v) => [
      { id: `o${v}`, type: 'osc', params: { waveform: v % 2 === 0 ? 'saw' : 'square', freq: 110 * (v + 1), gain: 0.3 } },
      { id: `f${v}`, type: 'filter', params: { mode: 'lp', cutoff: 800 + 300 * v, q: 2 } },
      { id: `e${v}`, type: 'adsr', params: { attack: 5, decay: 80, sustain: 0.6, release: 120 } },
    ]),
    { id: 'lfo1', type: 'lfo', params: { shape: 'sine', rate: 3 } },
    { id: 'lfo2', type: 'lfo', params: { shape: 'triangle', rate: 0.7 } },
    { id: 'n1', type: 'noise', params: { color: 'pink', gain: 0.2 } },
    { id: 'vca1', type: 'vca', params: { gain: 0.5 } },
  ],
  connections: [
    ...[0, 1, 2, 3].flatMap((v) => [
      { from: `o${v}`, to: `f${v}` },
      { from: `f${v}`, to: `e${v}` },
      { from: `e${v}`, to: 'out', amount: 0.2 },
      { from: 'lfo1', to: `f${v}.cutoff`, amount: 400 },
    ]),
    { from: 'n1', to: 'vca1' },
    { from: 'lfo2', to: 'vca1.cv' },
    { from: 'vca1', to: 'out', amount: 0.1 },
  ],
};

function writePatch(): { dir: string; patchPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chronus-bench-failover-'));
  const patchPath = join(dir, 'patch16.json');
  writeFileSync(patchPath, JSON.stringify(PATCH16));
  return { dir, patchPath };
}

/** A seeded stream of gates and parameter sets for PATCH16 (like the failover rig's). */
class CommandStream {
  private sending = false;
  private loop: Promise<void> = Promise.resolve();
  sent = 0;

  constructor(private readonly server: RunningServer, private readonly seed: number) {}

  start(): void {
    const random = new TestRandom(this.seed);
    const client = this.server.client;
    this.sending = true;
    this.loop = (async () => {
      while (this.sending) {
        const v = random.int(0, 3);
        const pick = random.int(0, 3);
        if (pick === 0) await client.send(`/gate/e${v}`, random.int(0, 1));
        else if (pick === 1) await client.send(`/mod/o${v}/freq`, Math.round(random.range(80, 600)));
        else if (pick === 2) await client.send(`/mod/f${v}/q`, Math.round(random.range(5, 80)) / 10);
        else await client.send('/mod/lfo1/rate', Math.round(random.range(5, 90)) / 10);
        this.sent++;
        await sleep(random.int(5, 40));
      }
    })();
  }

  async stop(): Promise<number> {
    this.sending = false;
    await this.loop;
    return this.sent;
  }
}

// ------------------------------------------------------------------------------ notices

interface Notice {
  readonly address: string;
  readonly args: OscValue[];
  /** performance.now() when the datagram arrived. */
  readonly t: number;
}

/** A raw UDP subscriber (/notify 1) that timestamps each notice on arrival. */
class NoticeListener {
  readonly notices: Notice[] = [];
  private constructor(private readonly socket: Socket) {}

  static async open(port: number): Promise<NoticeListener> {
    const socket = createSocket('udp4');
    const listener = new NoticeListener(socket);
    socket.on('message', (buf) => {
      const t = performance.now();
      try {
        for (const m of flattenPacket(fromBuffer(buf))) listener.notices.push({ address: m.address, args: m.args, t });
      } catch {
        // not OSC: ignore
      }
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve, reject) => socket.send(encodeMessage('/notify', [1]), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    const deadline = Date.now() + 2000;
    while (!listener.notices.some((n) => n.address === '/done' && n.args[0] === '/notify')) {
      if (Date.now() > deadline) throw new Error('/notify was not answered');
      await sleep(5);
    }
    return listener;
  }

  /** The first notice after `since` that matches, or undefined after `timeoutMs`. */
  async first(match: (n: Notice) => boolean, since: number, timeoutMs: number): Promise<Notice | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.notices.find((n) => n.t >= since && match(n));
      if (found !== undefined || performance.now() > deadline) return found;
      await sleep(2);
    }
  }

  close(): void {
    this.socket.close();
  }
}

const bothInLockstep = (s: Record<string, any>): boolean => s['slotHealth'].every((h: { state: string }) => h.state === 'lockstep');

async function waitStatus(server: RunningServer, what: string, done: (s: Record<string, any>) => boolean, timeoutMs = 10_000): Promise<Record<string, any>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await engineStatus(server.client);
    if (done(s)) return s;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await sleep(10);
  }
}

// ------------------------------------------------------------------------------ fault episodes

interface FaultKind {
  readonly kind: string;
  readonly ms?: number;
  /** The slot's worker is expected to be replaced. */
  readonly restarts: boolean;
}

const KINDS: readonly FaultKind[] = [
  { kind: 'throw', restarts: true },
  { kind: 'exit', restarts: true },
  { kind: 'oom', restarts: true },
  { kind: 'hang', restarts: true },
  { kind: 'slow', ms: 8, restarts: false },
  { kind: 'stall', ms: 60, restarts: false },
];

interface Episode {
  readonly kind: string;
  readonly worker: 'spare' | 'cold';
  readonly repeat: number;
  /** Client side: /debug/fault sent → first /engine/failover notice (any reason), ms. */
  readonly switchMs: number | null;
  readonly switchReason: string | null;
  /**
   * Client side: /debug/fault sent → the supervisor declared the slot failed (crash, exit, OOM,
   * hang), estimated as (arrival of /engine/rejoin) − (its rejoin ms) − (send time).
   */
  readonly deadMs: number | null;
  readonly faultReason: string | null;
  /** Server side: detection of the fault → replacement declared in lockstep, ms. */
  readonly rejoinMs: number | null;
  readonly restarts: number;
  readonly underruns: number;
  readonly takenFromOther: number;
  recording: { path: string; firstFrame: number };
  mismatched?: number;
  silentMismatches?: number;
  blocks?: number;
}

/** Runs `repeats` rounds of every kind (interleaved) against one server; compares recordings with the journal replay afterwards. */
async function faultEpisodes(worker: 'spare' | 'cold', kinds: readonly FaultKind[], repeats: number, seed: number): Promise<{ episodes: Episode[]; final: Record<string, any> }> {
  const { dir, patchPath } = writePatch();
  const stateDir = join(dir, 'state');
  const server = await startServer([
    '--allow-fault-injection', '--state-dir', stateDir, '--snapshot-every', '86400', '--patch', patchPath,
    ...(worker === 'cold' ? ['--no-spare-worker'] : []),
  ]);
  const listener = await NoticeListener.open(server.port);
  const commands = new CommandStream(server, seed);
  const random = new TestRandom(seed + 1);
  const episodes: Episode[] = [];
  let final: Record<string, any>;
  try {
    await sleep(800);
    commands.start();
    for (let r = 0; r < repeats; r++) {
      for (const k of kinds) {
        await sleep(random.int(200, 600));
        const before = await waitStatus(server, 'both slots in lockstep', bothInLockstep);
        const active = before['activeSlot'] as number;
        const rec = await server.client.request('/record/start', [`${worker}-${k.kind}-${r}`, 'f32']);
        if (rec.address !== '/done') throw new Error(`/record/start: ${JSON.stringify(rec.args)}`);
        await sleep(100);
        const t0 = performance.now();
        const reply = server.client.request('/debug/fault', k.ms === undefined ? [active, k.kind] : [active, k.kind, k.ms]);
        const m = await reply;
        if (m.address !== '/done') throw new Error(`/debug/fault ${k.kind}: ${JSON.stringify(m.args)}`);
        let after: Record<string, any>;
        let rejoinNotice: Notice | undefined;
        if (k.restarts) {
          after = await waitStatus(server, `slot ${active} to rejoin after ${k.kind}`, (s) => s['rejoins'] > before['rejoins'] && bothInLockstep(s));
          rejoinNotice = await listener.first((n) => n.address === '/engine/rejoin' && n.args[0] === active, t0, 1000);
        } else {
          await sleep(k.kind === 'slow' ? 2600 : (k.ms ?? 0) + 400);
          after = await waitStatus(server, `slot ${active} in lockstep after ${k.kind}`, bothInLockstep);
        }
        await sleep(150);
        const failover = await listener.first((n) => n.address === '/engine/failover' && n.args[0] === active, t0, 0);
        const end = await engineStatus(server.client);
        const stop = await server.client.request('/record/stop');
        if (stop.address !== '/done') throw new Error(`/record/stop: ${JSON.stringify(stop.args)}`);
        const newFaults = (end['slotFaults'] as number) - (before['slotFaults'] as number);
        const fault = newFaults > 0 ? end['recentFaults'].at(-1) : undefined;
        const rejoinMs = rejoinNotice !== undefined ? Number(rejoinNotice.args[1]) : null;
        episodes.push({
          kind: k.kind, worker, repeat: r,
          switchMs: failover === undefined ? null : round(failover.t - t0, 2),
          switchReason: failover === undefined ? null : String(failover.args[2]),
          deadMs: rejoinNotice === undefined || rejoinMs === null ? null : round(rejoinNotice.t - rejoinMs - t0, 2),
          faultReason: fault === undefined ? null : String(fault.reason),
          rejoinMs: fault?.rejoinMs ?? rejoinMs,
          restarts: (end['rejoins'] as number) - (before['rejoins'] as number),
          underruns: (end['underruns'] as number) - (before['underruns'] as number),
          takenFromOther: (end['takenFromOther'] as number) - (before['takenFromOther'] as number),
          recording: { path: String(stop.args[1]), firstFrame: Number(stop.args[3]) },
        });
        void after;
      }
    }
    await commands.stop();
    await server.client.request('/sync', [1]);
    final = await engineStatus(server.client);
  } finally {
    await commands.stop();
    listener.close();
    await server.stop();
  }
  // The journal on disk is complete once the server stopped: compare every recording with one replay.
  const wavs = episodes.map((e) => ({ e, wav: readWav(e.recording.path) }));
  const from = Math.min(...episodes.map((e) => e.recording.firstFrame));
  const to = Math.max(...wavs.map(({ e, wav }) => e.recording.firstFrame + wav.data[0]!.length));
  const replay = renderStateDir(stateDir, from, to - from);
  for (const { e, wav } of wavs) {
    const c = compareBlocks(wav.data[0]!, wav.data[1]!, replay, e.recording.firstFrame - from, BLOCK);
    e.blocks = c.blocks;
    e.mismatched = c.mismatched;
    e.silentMismatches = c.silentMismatches;
  }
  return { episodes, final };
}

// ------------------------------------------------------------------------------ process CPU

const CLOCK_TICKS = 100;

/** utime + stime of a process (all its threads), seconds. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state(0) ppid(1) ... utime is field 14 overall → index 11 here, stime 12.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Sum over slots of mean render ms × blocks rendered (render time of the DSP alone). */
function renderSeconds(status: Record<string, any>): number {
  let ms = 0;
  for (const h of status['slotHealth'] as Array<{ renderMs: { mean: number }; blocksRendered: number }>) ms += h.renderMs.mean * h.blocksRendered;
  return ms / 1000;
}

// ------------------------------------------------------------------------------ failover bench

export const FAILOVER_USAGE =
  'failover [--repeats 5] [--healthy-seconds 60] [--cpu-seconds 10] [--stall-seconds 20] [--stall-repeats 2] [--seed 5] [--skip faults,healthy,cpu,stalls]\n' +
  '    detection, gap, rejoin (spare vs cold), false kills, lockstep cost (CPU 2 vs 1 slot) and benefit (underruns under stalls)';

export async function failoverBench(args: readonly string[]): Promise<void> {
  const repeats = option(args, '--repeats', 5);
  const healthySeconds = option(args, '--healthy-seconds', 60);
  const cpuSeconds = option(args, '--cpu-seconds', 10);
  const stallSeconds = option(args, '--stall-seconds', 20);
  const stallRepeats = option(args, '--stall-repeats', 2);
  const seed = option(args, '--seed', 5);
  const si = args.indexOf('--skip');
  const skip = new Set(si >= 0 ? (args[si + 1] ?? '').split(',') : []);
  const result: Record<string, unknown> = { bench: 'failover', repeats, healthySeconds, cpuSeconds, stallSeconds, stallRepeats, seed };
  process.stdout.write(`failover: 16-module patch (4 × osc→filter→adsr, 2 LFOs, noise, VCA), 48 kHz, block 128, default lead; seeded commands (gates, /mod) throughout; ${repeats} repetitions per kind\n`);

  // 1. Detection, gap and rejoin per fault kind, with the spare worker and cold.
  if (!skip.has('faults')) {
    const spare = await faultEpisodes('spare', KINDS, repeats, seed);
    const cold = await faultEpisodes('cold', KINDS.filter((k) => k.restarts), repeats, seed + 100);
    const episodes = [...spare.episodes, ...cold.episodes];
    const widths = [6, 6, 22, 18, 22, 22, 8, 9, 12];
    process.stdout.write('\n1) per fault kind, injected into the active slot (median [min–max] over repetitions; ms)\n');
    process.stdout.write('   switch = /debug/fault sent → /engine/failover notice (client side; includes UDP loopback and the worker reaching the fault, sub-ms to ~1 block)\n');
    process.stdout.write('   dead   = /debug/fault sent → slot declared failed (arrival of /engine/rejoin − its rejoin ms); rejoin = declared failed → replacement in lockstep (server)\n');
    process.stdout.write('   gap    = recorded blocks differing from the offline journal replay: total/silent; underruns counted by the sink in the episode\n');
    process.stdout.write(`${pad(['kind', 'worker', 'switch ms', 'switch reason', 'dead ms', 'rejoin ms', 'restarts', 'underruns', 'gap blk t/s'], widths)}\n`);
    const rows: Array<Record<string, unknown>> = [];
    for (const worker of ['spare', 'cold'] as const) {
      for (const k of KINDS) {
        const es = episodes.filter((e) => e.worker === worker && e.kind === k.kind);
        if (es.length === 0) continue;
        const reasons = [...new Set(es.map((e) => e.switchReason ?? 'none'))].join(',');
        const switched = es.filter((e) => e.switchMs !== null).length;
        const row = {
          kind: k.kind, worker, n: es.length,
          switchMs: spread(es.flatMap((e) => (e.switchMs === null ? [] : [e.switchMs]))), switched,
          switchReasons: reasons,
          deadMs: spread(es.flatMap((e) => (e.deadMs === null ? [] : [e.deadMs]))),
          faultReasons: [...new Set(es.map((e) => e.faultReason ?? 'none'))].join(','),
          rejoinMs: spread(es.flatMap((e) => (e.rejoinMs === null ? [] : [e.rejoinMs]))),
          restarts: es.reduce((a, e) => a + e.restarts, 0),
          underruns: es.reduce((a, e) => a + e.underruns, 0),
          mismatched: es.reduce((a, e) => a + (e.mismatched ?? 0), 0),
          silentMismatches: es.reduce((a, e) => a + (e.silentMismatches ?? 0), 0),
          blocks: es.reduce((a, e) => a + (e.blocks ?? 0), 0),
        };
        rows.push(row);
        process.stdout.write(`${pad([
          k.kind, worker, `${fmt(row.switchMs)}${switched < es.length ? ` (${switched}/${es.length})` : ''}`, reasons.slice(0, 18),
          fmt(row.deadMs), fmt(row.rejoinMs), `${row.restarts}/${es.length}`, row.underruns, `${row.mismatched}/${row.silentMismatches}`,
        ], widths)}\n`);
      }
    }
    const blocks = episodes.reduce((a, e) => a + (e.blocks ?? 0), 0);
    process.stdout.write(`   recorded and compared: ${blocks} blocks in ${episodes.length} episodes; divergences: spare run ${spare.final['divergences']}, cold run ${cold.final['divergences']}\n`);
    result['faults'] = { rows, episodes: episodes.map(({ recording: _r, ...e }) => e), divergences: { spare: spare.final['divergences'], cold: cold.final['divergences'] } };
  }

  // 2. False kills over a healthy run.
  if (!skip.has('healthy')) {
    const { patchPath } = writePatch();
    const server = await startServer(['--patch', patchPath]);
    const commands = new CommandStream(server, seed + 200);
    try {
      await sleep(800);
      const before = await engineStatus(server.client);
      commands.start();
      await sleep(healthySeconds * 1000);
      await commands.stop();
      const after = await engineStatus(server.client);
      const blocks = after['consumedBlocks'] - before['consumedBlocks'];
      const healthy = {
        seconds: healthySeconds, blocks, commands: commands.sent,
        slotFaults: after['slotFaults'] - before['slotFaults'], rejoins: after['rejoins'] - before['rejoins'],
        failovers: after['failovers'] - before['failovers'], failoverReasons: reasonsDelta(before, after),
        underruns: after['underruns'] - before['underruns'], divergences: after['divergences'],
        slotRenderMs: after['slotHealth'].map((h: { renderMs: unknown }) => h.renderMs),
      };
      result['healthy'] = healthy;
      process.stdout.write(`\n2) healthy run, no faults, ${healthySeconds} s (${blocks} blocks, ${commands.sent} commands): slot faults (false kills) ${healthy.slotFaults}, rejoins ${healthy.rejoins}, suspect failovers ${healthy.failovers} ${JSON.stringify(healthy.failoverReasons)}, underruns ${healthy.underruns}, divergences ${healthy.divergences}\n`);
    } finally {
      await commands.stop();
      await server.stop();
    }
  }

  // 3. Lockstep cost: process CPU and DSP render time, 2 vs 1 slot, alternating runs.
  if (!skip.has('cpu')) {
    const { patchPath } = writePatch();
    const runs: Array<{ slots: number; cpuPct: number; renderPct: number }> = [];
    for (let r = 0; r < repeats; r++) {
      for (const slots of [1, 2]) {
        const server = await startServer(['--slots', String(slots), '--patch', patchPath]);
        try {
          for (let v = 0; v < 4; v++) await server.client.request(`/gate/e${v}`, [1]);
          await sleep(1000);
          const pid = server.process.pid!;
          const s0 = await engineStatus(server.client);
          const c0 = processCpuSeconds(pid);
          const t0 = performance.now();
          await sleep(cpuSeconds * 1000);
          const c1 = processCpuSeconds(pid);
          const wall = (performance.now() - t0) / 1000;
          const s1 = await engineStatus(server.client);
          runs.push({ slots, cpuPct: round((100 * (c1 - c0)) / wall, 1), renderPct: round((100 * (renderSeconds(s1) - renderSeconds(s0))) / wall, 2) });
        } finally {
          await server.stop();
        }
      }
    }
    const one = runs.filter((x) => x.slots === 1);
    const two = runs.filter((x) => x.slots === 2);
    const pairs = one.map((o, i) => ({ cpu: two[i]!.cpuPct / o.cpuPct, render: two[i]!.renderPct / o.renderPct }));
    const cost = {
      runs,
      cpuPct: { slots1: spread(one.map((x) => x.cpuPct)), slots2: spread(two.map((x) => x.cpuPct)), ratio: spread(pairs.map((p) => p.cpu)) },
      renderPct: { slots1: spread(one.map((x) => x.renderPct)), slots2: spread(two.map((x) => x.renderPct)), ratio: spread(pairs.map((p) => p.render)) },
    };
    result['cpu'] = cost;
    process.stdout.write(`\n3) lockstep cost, 16-module patch, all 4 gates on, ${cpuSeconds} s per run, ${repeats} alternating runs per config (median [min–max])\n`);
    process.stdout.write('   process CPU = utime+stime of the server process (all threads) / wall; DSP render = Σ slots mean render ms × blocks / wall; ratio = paired 2-slot / 1-slot\n');
    const w = [22, 22, 22, 18];
    process.stdout.write(`${pad(['measure', '--slots 1 (% core)', '--slots 2 (% core)', 'ratio 2/1'], w)}\n`);
    process.stdout.write(`${pad(['process CPU', fmt(cost.cpuPct.slots1), fmt(cost.cpuPct.slots2), fmt(cost.cpuPct.ratio, 2)], w)}\n`);
    process.stdout.write(`${pad(['DSP render', fmt(cost.renderPct.slots1, 2), fmt(cost.renderPct.slots2, 2), fmt(cost.renderPct.ratio, 2)], w)}\n`);
  }

  // 4. Lockstep benefit: underruns with 1 vs 2 slots while slot 0 suffers injected stalls.
  if (!skip.has('stalls')) {
    const { patchPath } = writePatch();
    const runs: Array<Record<string, number>> = [];
    for (let r = 0; r < stallRepeats; r++) {
      for (const slots of [1, 2]) {
        const server = await startServer(['--slots', String(slots), '--patch', patchPath, '--allow-fault-injection']);
        try {
          for (let v = 0; v < 4; v++) await server.client.request(`/gate/e${v}`, [1]);
          await sleep(1000);
          const before = await engineStatus(server.client);
          const t0 = performance.now();
          let stalls = 0;
          while (performance.now() - t0 < stallSeconds * 1000) {
            await server.client.send('/debug/fault', 0, 'stall', 40);
            stalls++;
            await sleep(300);
          }
          await sleep(200);
          const after = await engineStatus(server.client);
          const blocks = after['consumedBlocks'] - before['consumedBlocks'];
          runs.push({
            slots, stalls, blocks,
            underruns: after['underruns'] - before['underruns'],
            lateCycles: after['lateCycles'] - before['lateCycles'],
            failovers: after['failovers'] - before['failovers'],
            takenFromOther: after['takenFromOther'] - before['takenFromOther'],
            restarts: after['rejoins'] - before['rejoins'],
            slotFaults: after['slotFaults'] - before['slotFaults'],
          });
        } finally {
          await server.stop();
        }
      }
    }
    const w = [6, 7, 22, 10, 12, 11, 12, 10];
    process.stdout.write(`\n4) lockstep benefit: 'stall 40' injected into slot 0 every ~300 ms for ${stallSeconds} s, default lead, ${stallRepeats} alternating runs per config\n`);
    process.stdout.write(`${pad(['slots', 'stalls', 'underruns (rate %)', 'late cyc', 'failovers', 'from other', 'slot faults', 'restarts'], w)}\n`);
    for (const x of runs) {
      process.stdout.write(`${pad([x['slots']!, x['stalls']!, `${x['underruns']} (${round((100 * x['underruns']!) / Math.max(1, x['blocks']!), 3)})`, x['lateCycles']!, x['failovers']!, x['takenFromOther']!, x['slotFaults']!, x['restarts']!], w)}\n`);
    }
    const u1 = spread(runs.filter((x) => x['slots'] === 1).map((x) => x['underruns']!));
    const u2 = spread(runs.filter((x) => x['slots'] === 2).map((x) => x['underruns']!));
    const ratio = u1 === null || u2 === null ? null : u1.median === 0 ? null : round(u2.median / u1.median, 3);
    process.stdout.write(`   underruns median: 1 slot ${fmt(u1, 0)}, 2 slots ${fmt(u2, 0)}; 2/1 = ${ratio ?? 'n/a'} (target ≤ 0.33)\n`);
    result['stalls'] = { runs, underruns: { slots1: u1, slots2: u2, ratio } };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ------------------------------------------------------------------------------ soak

export const SOAK_USAGE = 'soak [--seconds 120] [--leads 8,4] [--slots 2]   unstressed underrun soak on the null sink, block 128';

export async function soakBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 120);
  const slots = option(args, '--slots', 2);
  const li = args.indexOf('--leads');
  const leads = (li >= 0 ? (args[li + 1] ?? '') : '8,4').split(',').map(Number);
  if (leads.some((l) => !Number.isInteger(l) || l < 1)) throw new Error('--leads needs integers, e.g. 8,4');
  process.stdout.write(`soak: ${seconds} s per lead, null sink, 48 kHz, block 128, ${slots} slots, default patch with its gate held (/gate/adsr1 1), no other load\n`);
  const w = [5, 8, 10, 11, 10, 12, 9, 11, 12, 10, 18];
  process.stdout.write(`${pad(['lead', 'blocks', 'underruns', 'rate %', 'late cyc', 'max late ms', 'reanchor', 'divergence', 'slot faults', 'failovers', 'failover reasons'], w)}\n`);
  const rows: Array<Record<string, unknown>> = [];
  for (const lead of leads) {
    const server = await startServer(['--slots', String(slots), '--lead', String(lead)]);
    try {
      await server.client.request('/gate/adsr1', [1]);
      await sleep(1000);
      const before = await engineStatus(server.client);
      await sleep(seconds * 1000);
      const after = await engineStatus(server.client);
      const blocks = after['consumedBlocks'] - before['consumedBlocks'];
      const underruns = after['underruns'] - before['underruns'];
      const row = {
        lead, seconds, blocks, underruns, underrunRatePct: round((100 * underruns) / Math.max(1, blocks), 4),
        lateCycles: after['lateCycles'] - before['lateCycles'], maxLateMs: after['maxLateMs'],
        reanchors: after['reanchors'] - before['reanchors'], divergences: after['divergences'],
        slotFaults: after['slotFaults'] - before['slotFaults'], rejoins: after['rejoins'] - before['rejoins'], failovers: after['failovers'] - before['failovers'],
        failoverReasons: reasonsDelta(before, after), takenFromOther: after['takenFromOther'] - before['takenFromOther'],
        renderMs: after['slotHealth'].map((h: { renderMs: unknown }) => h.renderMs),
      };
      rows.push(row);
      process.stdout.write(`${pad([lead, blocks, underruns, row.underrunRatePct, row.lateCycles, row.maxLateMs, row.reanchors, row.divergences, row.slotFaults, row.failovers, JSON.stringify(row.failoverReasons)], w)}\n`);
    } finally {
      await server.stop();
    }
  }
  process.stdout.write('   (max late ms: the sink\'s largest wake-up lateness since start, including the first second; the rest are counted over the soak only)\n');
  process.stdout.write(`${JSON.stringify({ bench: 'soak', slots, rows })}\n`);
}
