// `bench engine`: the W2 workload (test/fixtures/w2.ts) rendered by the real engine and by the
// hand-written reference loop (bench/w2-reference.ts) in the same process.
//
// What is measured: wall time (performance.now) of rendering S seconds of W2 audio at N voices
// on this thread, block by block, as the offline renderer does it (score commands fed per
// block, Engine.render, fault drain); patch compilation and engine construction are outside
// the timed region, as are the reference's allocations. Both include the out stage (limiter
// and clipper) and copy each block's left channel into a capture buffer (same cost for both),
// which is compared afterwards: every round checks that the two outputs are identical.
// Real-time factor RTF = audio seconds / wall seconds. Runs alternate engine, reference,
// engine, ... (after one untimed warm-up of each), with a forced GC before each, so drift and
// noise on the (shared, 2-vCPU) machine hit both alike; the engine/reference ratio is taken
// per round, from runs that were adjacent in time. Voices at 1× = N × RTF (assumes cost linear
// in N), then confirmed by interleaved runs of each at its estimated count.

import { arch, cpus, loadavg, platform, release } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import { OutKernel } from '../src/dsp/modules/out.js';
import { encodeScore, offlineHost, renderToArrays } from '../src/control/offline-render.js';
import { replayCommands } from '../src/runtime/replay.js';
import { buildW2, W2, type W2Build } from '../test/fixtures/w2.js';
import { round, spread } from '../src/runtime/stats.js';
import { W2Reference, compareOutputs, renderReferenceToArrays } from './w2-reference.js';

// gc() for a clean heap before each timed run (as test/helpers/allocation.ts does).
setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

export interface EngineBenchOptions {
  readonly voices: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly block: number;
  readonly confirm: boolean;
  /** EngineOptions.batch of the engine runs (--no-batch: JS kernels only). */
  readonly batch: boolean;
  /** --batch-vs-js: alternate the engine with batching on and off instead of engine vs reference. */
  readonly batchVsJs: boolean;
}

const DEFAULTS: EngineBenchOptions = { voices: 256, seconds: 5, rounds: 5, block: 128, confirm: true, batch: true, batchVsJs: false };

export const ENGINE_USAGE =
  'engine [--voices N (256)] [--seconds S (5)] [--rounds R (5)] [--block B (128)] [--no-confirm] [--no-batch] [--batch-vs-js]\n' +
  '  W2 workload through the engine vs the hand-written reference; prints RTF, ratio and voices at 1×.\n' +
  '  --no-batch: the engine without SIMD batch kernels (EngineOptions.batch false).\n' +
  '  --batch-vs-js: the engine with batching on vs off, alternating in one process; prints per-round ratios.';

export function parseEngineOptions(args: readonly string[]): EngineBenchOptions {
  const o = { ...DEFAULTS };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--no-confirm') {
      o.confirm = false;
      continue;
    }
    if (a === '--no-batch') {
      o.batch = false;
      continue;
    }
    if (a === '--batch-vs-js') {
      o.batchVsJs = true;
      continue;
    }
    const value = Number(args[i + 1]);
    const positive = args[i + 1] !== undefined && Number.isFinite(value) && value > 0;
    if (a === '--voices' && positive && Number.isInteger(value)) o.voices = value;
    else if (a === '--seconds' && positive) o.seconds = value;
    else if (a === '--rounds' && positive && Number.isInteger(value)) o.rounds = value;
    else if (a === '--block' && positive && Number.isInteger(value)) o.block = value;
    else throw new Error(`bad option ${a}${args[i + 1] === undefined ? '' : ` ${args[i + 1]}`}\nusage: ${ENGINE_USAGE}`);
    i++;
  }
  return o;
}

interface RunResult {
  readonly wallS: number;
  /** Audio seconds per wall second. */
  readonly rtf: number;
  readonly limited: number;
  readonly faults: number;
}

/** The engine in the live slots' host, driven like renderOffline (score fed per block), with an event queue sized for N. */
function runEngine(build: W2Build, block: number, capture: Float32Array, batch: boolean): RunResult {
  const host = offlineHost({ patch: build.patch, sampleRate: W2.sampleRate, blockSize: block, seed: 1, eventCapacity: Math.max(4096, 2 * build.voices.count + 64), batch });
  const engine = host.engine;
  const score = encodeScore(build.score);
  const frames = build.frames;
  let faults = 0;
  const onFault = (): void => {
    faults++;
  };
  forceGc();
  const t0 = performance.now();
  replayCommands(host, score, frames, {
    onBlock: (left, _right, n, done) => {
      for (let i = 0; i < n; i++) capture[done + i] = left[i]!;
      engine.drainFaults(onFault);
    },
    onRefused: () => {
      throw new Error('engine event queue full');
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  const out = engine.instance('out')?.kernel;
  const limited = out instanceof OutKernel ? out.limitedSamples : Number.NaN;
  return { wallS, rtf: frames / W2.sampleRate / wallS, limited, faults };
}

function runReference(build: W2Build, block: number, capture: Float32Array): RunResult {
  const ref = new W2Reference(build.voices, build.gates, block);
  const left = new Float32Array(block);
  const right = new Float32Array(block);
  const frames = build.frames;
  forceGc();
  const t0 = performance.now();
  for (let done = 0; done < frames; ) {
    const n = Math.min(block, frames - done);
    ref.render(left, right, n);
    for (let i = 0; i < n; i++) capture[done + i] = left[i]!;
    done += n;
  }
  const wallS = (performance.now() - t0) / 1000;
  return { wallS, rtf: frames / W2.sampleRate / wallS, limited: ref.limitedSamples, faults: 0 };
}

/**
 * The equivalence check of the test, at any size: the public offline renderer
 * (renderToArrays) and the reference, both channels. Allocates freely (not timed).
 */
export function w2Equivalence(voices: number, seconds: number, block: number): {
  frames: number;
  left: { maxAbsDiff: number; differing: number };
  right: { maxAbsDiff: number; differing: number };
  peak: number;
} {
  const build = buildW2(voices, seconds);
  const engineOut = renderToArrays({ patch: build.patch, score: build.score, frames: build.frames, sampleRate: W2.sampleRate, blockSize: block });
  const ref = renderReferenceToArrays(build, block);
  let peak = 0;
  for (let i = 0; i < ref.left.length; i++) peak = Math.max(peak, Math.abs(ref.left[i]!));
  return {
    frames: build.frames,
    left: compareOutputs(engineOut.left, ref.left),
    right: compareOutputs(engineOut.right, ref.right),
    peak,
  };
}

interface ConfirmResult {
  readonly voices: number;
  readonly rtf: Stats;
  readonly voicesAt1x: number;
}

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median, min and max of a bench's rounds (there is always at least one round). */
function stats(values: readonly number[]): Stats {
  const s = spread(values);
  if (s === undefined) throw new Error('no rounds');
  return { median: s.median, min: s.min, max: s.max };
}

function machineInfo(): { node: string; cpu: string; cpus: number; os: string; loadavgStart: number[] } {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    os: `${platform()} ${release()} ${arch()}`,
    loadavgStart: loadavg().map((x) => round(x, 2)),
  };
}

const fx = (x: number, digits = 2): string => x.toFixed(digits);
const loadText = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

export async function engineBench(args: readonly string[]): Promise<void> {
  const o = parseEngineOptions(args);
  const machine = machineInfo();
  const log = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  if (o.batchVsJs) {
    batchVsJs(o, machine, log);
    return;
  }

  log('bench engine: W2 through the engine vs a hand-written reference loop (one thread)');
  log(`machine   node ${machine.node}, ${machine.cpu}, ${machine.cpus} logical CPUs, ${machine.os}; load average ${loadText()} (other work on the machine skews results)`);
  log(
    `workload  W2: per voice lfo(sine) → filter.fm ×2 oct, osc(saw) → filter(lp 800 Hz, q 4) → adsr(5/50/0.5/80 ms) → out ×${W2.mixScale}/N; ` +
      `gates on every ${W2.gatePeriodS * 1000} ms for ${W2.gateLengthS * 1000} ms, all voices together; ${W2.sampleRate} Hz; out stage (limiter, clipper) in both`,
  );
  log(`run       ${o.voices} voices, ${o.seconds} s of audio per run, ${o.rounds} rounds (engine, reference alternating, after 1 warm-up each), block ${o.block}`);

  // Equivalence at a small size (also in test/bench/w2-equivalence.test.ts).
  const eq = w2Equivalence(8, 1, o.block);
  const eqText = (c: { maxAbsDiff: number; differing: number }): string =>
    c.differing === 0 ? 'identical' : `${c.differing} samples differ, max |diff| ${c.maxAbsDiff.toExponential(3)}`;
  log(`check     8 voices × 1 s, renderToArrays vs reference: left ${eqText(eq.left)}, right ${eqText(eq.right)} (${eq.frames} frames, peak ${fx(eq.peak, 3)})`);
  log();

  const build = buildW2(o.voices, o.seconds);
  const captureE = new Float32Array(build.frames);
  const captureR = new Float32Array(build.frames);
  {
    const warm = buildW2(o.voices, Math.min(o.seconds, 1));
    const wE = new Float32Array(warm.frames);
    const wR = new Float32Array(warm.frames);
    runEngine(warm, o.block, wE, o.batch);
    runReference(warm, o.block, wR);
  }

  const header = `${pad('round', 6)}${lpad('engine RTF', 12)}${lpad('ref RTF', 12)}${lpad('engine/ref', 12)}${lpad('engine ns/v·s', 15)}${lpad('ref ns/v·s', 12)}  outputs`;
  log(header);
  const rtfE: number[] = [];
  const rtfR: number[] = [];
  const ratios: number[] = [];
  let worstDiff = 0;
  let differing = 0;
  let limitedE = 0;
  let limitedR = 0;
  let faults = 0;
  const nsPerVoiceSample = (r: RunResult): number => (r.wallS * 1e9) / (build.frames * o.voices);
  for (let round = 1; round <= o.rounds; round++) {
    const e = runEngine(build, o.block, captureE, o.batch);
    const r = runReference(build, o.block, captureR);
    const cmp = compareOutputs(captureE, captureR);
    worstDiff = Math.max(worstDiff, cmp.maxAbsDiff);
    differing = Math.max(differing, cmp.differing);
    limitedE = e.limited;
    limitedR = r.limited;
    faults += e.faults;
    rtfE.push(e.rtf);
    rtfR.push(r.rtf);
    ratios.push(e.rtf / r.rtf);
    log(
      `${pad(String(round), 6)}${lpad(`${fx(e.rtf)}×`, 12)}${lpad(`${fx(r.rtf)}×`, 12)}${lpad(pct(e.rtf / r.rtf), 12)}` +
        `${lpad(fx(nsPerVoiceSample(e), 1), 15)}${lpad(fx(nsPerVoiceSample(r), 1), 12)}  ${eqText(cmp)}`,
    );
  }
  const sE = stats(rtfE);
  const sR = stats(rtfR);
  const sQ = stats(ratios);
  const voicesE = Math.floor(o.voices * sE.median);
  const voicesR = Math.floor(o.voices * sR.median);
  log();
  log(`${pad('', 30)}${lpad('median', 10)}${lpad('min', 10)}${lpad('max', 10)}`);
  log(`${pad('engine RTF', 30)}${lpad(`${fx(sE.median)}×`, 10)}${lpad(`${fx(sE.min)}×`, 10)}${lpad(`${fx(sE.max)}×`, 10)}`);
  log(`${pad('reference RTF', 30)}${lpad(`${fx(sR.median)}×`, 10)}${lpad(`${fx(sR.min)}×`, 10)}${lpad(`${fx(sR.max)}×`, 10)}`);
  log(`${pad('engine/reference (per round)', 30)}${lpad(pct(sQ.median), 10)}${lpad(pct(sQ.min), 10)}${lpad(pct(sQ.max), 10)}`);
  log(`${pad('voices at 1× (N × RTF)', 30)}${lpad(String(voicesE), 10)}${lpad(String(Math.floor(o.voices * sE.min)), 10)}${lpad(String(Math.floor(o.voices * sE.max)), 10)}  engine`);
  log(`${pad('', 30)}${lpad(String(voicesR), 10)}${lpad(String(Math.floor(o.voices * sR.min)), 10)}${lpad(String(Math.floor(o.voices * sR.max)), 10)}  reference`);
  log(`outputs   engine vs reference over every round: ${differing === 0 ? 'identical' : `${differing} samples differ, max |diff| ${worstDiff.toExponential(3)}`}; limiter active in ${limitedE} (engine) / ${limitedR} (reference) frames; module faults ${faults}`);

  // Confirmation at the estimated counts: cost per voice grows with N (working set), so
  // N × RTF from the default N can be optimistic. Interleaved rounds again (engine at its
  // estimate, reference at its own), 3 s of audio each; RTF there × N is the confirmed count.
  let confirm: { seconds: number; engine: ConfirmResult; reference: ConfirmResult } | undefined;
  if (o.confirm) {
    const confirmSeconds = Math.min(o.seconds, 3);
    const confirmRounds = Math.max(3, Math.ceil(o.rounds / 2));
    const bE = buildW2(voicesE, confirmSeconds);
    const bR = buildW2(voicesR, confirmSeconds);
    const capE = new Float32Array(bE.frames);
    const capR = new Float32Array(bR.frames);
    const cE: number[] = [];
    const cR: number[] = [];
    for (let round = 0; round < confirmRounds; round++) {
      cE.push(runEngine(bE, o.block, capE, o.batch).rtf);
      cR.push(runReference(bR, o.block, capR).rtf);
    }
    const sCE = stats(cE);
    const sCR = stats(cR);
    confirm = {
      seconds: confirmSeconds,
      engine: { voices: voicesE, rtf: sCE, voicesAt1x: Math.floor(voicesE * sCE.median) },
      reference: { voices: voicesR, rtf: sCR, voicesAt1x: Math.floor(voicesR * sCR.median) },
    };
    log(`confirm   at the estimates, ${confirmRounds} interleaved rounds of ${confirmSeconds} s:`);
    const line = (name: string, c: ConfirmResult): string =>
      `          ${pad(name, 10)} ${c.voices} voices → RTF ${fx(c.rtf.median, 3)}× (${fx(c.rtf.min, 3)}–${fx(c.rtf.max, 3)}) → ≈ ${c.voicesAt1x} voices at 1×`;
    log(line('engine', confirm.engine));
    log(line('reference', confirm.reference));
  }
  log(`load      average at the end ${loadText()}`);
  const engineVoices = confirm?.engine.voicesAt1x ?? voicesE;
  log(
    `target    engine ≥ 70 % of reference: ${sQ.median >= 0.7 ? 'met' : 'NOT met'} (${pct(sQ.median)}); ` +
      `≥ 2000 voices at 1×: ${engineVoices >= 2000 ? 'met' : 'NOT met'} (${engineVoices}${confirm === undefined ? ', estimate' : ', confirmed'}); scsynth ≈ 4260`,
  );

  const statsJson = (s: Stats): Stats => ({ median: round(s.median), min: round(s.min), max: round(s.max) });
  log(
    JSON.stringify({
      bench: 'engine',
      workload: 'W2',
      voices: o.voices,
      seconds: o.seconds,
      rounds: o.rounds,
      block: o.block,
      sampleRate: W2.sampleRate,
      engine: { rtf: statsJson(sE), voicesAt1x: voicesE, rtfs: rtfE.map((x) => round(x)) },
      reference: { rtf: statsJson(sR), voicesAt1x: voicesR, rtfs: rtfR.map((x) => round(x)) },
      ratio: { ...statsJson(sQ), ofMedians: round(sE.median / sR.median) },
      outputsIdentical: differing === 0,
      maxAbsDiff: worstDiff,
      equivalence8x1s: { left: eq.left, right: eq.right },
      confirm:
        confirm === undefined
          ? null
          : {
              seconds: confirm.seconds,
              engine: { ...confirm.engine, rtf: statsJson(confirm.engine.rtf) },
              reference: { ...confirm.reference, rtf: statsJson(confirm.reference.rtf) },
            },
      machine: { ...machine, loadavgEnd: loadavg().map((x) => round(x)) },
    }),
  );
}

/**
 * --batch-vs-js: the engine with SIMD batch kernels on and off, alternating in one process
 * (order flipped every round, one untimed warm-up of each, forced GC before each run), the
 * on/off RTF ratio taken per round; the two outputs are compared every round (they must be
 * identical).
 */
function batchVsJs(o: EngineBenchOptions, machine: ReturnType<typeof machineInfo>, log: (line?: string) => void): void {
  log('bench engine --batch-vs-js: W2 through the engine with SIMD batch kernels on vs off (one thread)');
  log(`machine   node ${machine.node}, ${machine.cpu}, ${machine.cpus} logical CPUs, ${machine.os}; load average ${loadText()}`);
  log(`run       ${o.voices} voices, ${o.seconds} s of audio per run, ${o.rounds} rounds (on, off alternating, order flipped each round, after 1 warm-up each), block ${o.block}`);
  const build = buildW2(o.voices, o.seconds);
  const capOn = new Float32Array(build.frames);
  const capOff = new Float32Array(build.frames);
  {
    const warm = buildW2(o.voices, Math.min(o.seconds, 1));
    runEngine(warm, o.block, new Float32Array(warm.frames), true);
    runEngine(warm, o.block, new Float32Array(warm.frames), false);
  }
  log(`${pad('round', 6)}${lpad('on RTF', 10)}${lpad('off RTF', 10)}${lpad('on/off', 10)}${lpad('on ns/v·s', 12)}${lpad('off ns/v·s', 12)}  outputs`);
  const on: number[] = [];
  const off: number[] = [];
  const ratios: number[] = [];
  const ns = (r: RunResult): number => (r.wallS * 1e9) / (build.frames * o.voices);
  for (let round = 1; round <= o.rounds; round++) {
    let a: RunResult;
    let b: RunResult;
    if (round % 2 === 1) {
      a = runEngine(build, o.block, capOn, true);
      b = runEngine(build, o.block, capOff, false);
    } else {
      b = runEngine(build, o.block, capOff, false);
      a = runEngine(build, o.block, capOn, true);
    }
    const cmp = compareOutputs(capOn, capOff);
    on.push(a.rtf);
    off.push(b.rtf);
    ratios.push(a.rtf / b.rtf);
    log(`${pad(String(round), 6)}${lpad(`${fx(a.rtf)}×`, 10)}${lpad(`${fx(b.rtf)}×`, 10)}${lpad(`${fx(a.rtf / b.rtf, 3)}×`, 10)}${lpad(fx(ns(a), 1), 12)}${lpad(fx(ns(b), 1), 12)}  ${cmp.differing === 0 ? 'identical' : `${cmp.differing} samples differ`}`);
  }
  const sOn = stats(on);
  const sOff = stats(off);
  const sQ = stats(ratios);
  log(`on        RTF ${fx(sOn.median)}× (${fx(sOn.min)}–${fx(sOn.max)}), voices at 1× ≈ ${Math.floor(o.voices * sOn.median)}`);
  log(`off       RTF ${fx(sOff.median)}× (${fx(sOff.min)}–${fx(sOff.max)}), voices at 1× ≈ ${Math.floor(o.voices * sOff.median)}`);
  log(`ratio     on/off per round: ${fx(sQ.median, 3)}× (min ${fx(sQ.min, 3)}×, max ${fx(sQ.max, 3)}×)`);
  log(`load      average at the end ${loadText()}`);
}
