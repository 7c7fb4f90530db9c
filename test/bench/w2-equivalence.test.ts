// Keeps the benchmark's hand-written W2 reference (bench/w2-reference.ts) honest: it must
// compute exactly what the engine computes for the W2 patch and score, or the engine/reference
// ratio printed by `npm run bench -- engine` compares different work.
//
// Two comparisons, block by block: the float32 outputs, and every float64 state value the two
// implementations share (table STATE_FIELDS below). The outputs alone are a weak check of
// float64 kernels: a last-bit difference in a filter integrator is rounded away by the float32
// output and a stable filter does not let it grow (a reassociated addition in the filter's
// state update left the outputs identical over 2 s at 8 and 256 voices; only the state showed
// it). So the state is compared exactly (Object.is: -0 and +0 differ) after every block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_NONE } from '../../src/engine/instance.js';
import { encodeScore, offlineHost } from '../../src/control/offline-render.js';
import { applyCommand } from '../../src/runtime/engine-command.js';
import { buildW2, w2Ids, W2, type W2Build } from '../fixtures/w2.js';
import { compareOutputs, W2Reference, type W2ReferenceState } from '../../bench/w2-reference.js';

/** RMS of x[from, to). */
function rms(x: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (to - from));
}

// ---------------------------------------------------------------------------------------------
// State mapping, field by field. Engine indices restate the S_* constants at the top of
// src/dsp/modules/{lfo,osc,filter,adsr,out}.ts (checked against the state sizes below; keep in
// sync). Module state the reference does not have (it is specialised to W2's constant params)
// is listed in the comments and not compared:
//   lfo     S_RNG (2), S_HELD (2): the sample-and-hold generator and held value (the reference
//           has no S&H; W2's lfo is a sine). S_CP_PHASE (7), S_CP_INC (8), S_STALE (9): kept to
//           resume a sine after another shape (the reference has only the sine).
//   osc     S_PHASE_B (1), S_PW_PREV (2): pulse only. S_WAVE (3), S_DETUNE (4), S_FACTOR (5):
//           waveform/detune caches (the reference's saw has detune 0, factor a literal 1).
//           S_EVENT (8, 9): scratch of the general loops, unused by the constant-param saw.
//   filter  S_K0 (12), S_DK (13): the interpolated k, used only by the hp/bp/notch mix (the
//           reference is lp with constant k). S_GT (15): g of the latest control point (a local
//           in the reference). S_Q (18): the q the targets belong to (constant in the reference).
//   adsr    S_REL_START (2): level at gate-off (the reference keeps only the release step
//           derived from it, compared as `step`). S_OVER (4), S_SEG_TIME (5), S_SEG_SUSTAIN (6),
//           S_SEG_CURVE (7): exponential-curve and segment-rebuild bookkeeping (the reference is
//           linear with constant params).
// Fields of the reference that are constants there but state in the module (osc dt, filter
// k target, adsr step) are compared against the reference's constants.

type ModuleName = 'lfo' | 'osc' | 'filter' | 'adsr' | 'out';

interface FieldMap {
  readonly module: ModuleName;
  readonly field: string;
  /** Index into the module kernel's `state`. */
  readonly engine: (state: Float64Array) => number;
  /** The reference's value for voice v. */
  readonly ref: (r: W2ReferenceState, v: number) => number;
}

const STATE_SIZES: Record<ModuleName, number> = { lfo: 11, osc: 32, filter: 19, adsr: 9, out: 3 };

const at = (i: number) => (s: Float64Array): number => s[i]!;

// adsr stages (adsr.ts).
const ATTACK = 1;
const DECAY = 2;
const SUSTAIN = 3;

/**
 * The step of the adsr's latest built segment, from the reference's state: the module keeps
 * it in S_STEP until the next segment is built (at that segment's first sample); the reference
 * uses constants for attack and decay and a per-voice release step. IDLE holds the release's
 * (0 before any release, as in both), SUSTAIN the decay's; in DECAY at level exactly 1 the
 * attack has just ended and no decay sample has run yet, so the attack's is still there.
 */
function refAdsrStep(r: W2ReferenceState, v: number): number {
  const stage = r.envStage[v]!;
  if (stage === ATTACK) return r.attackStep;
  if (stage === DECAY) return r.envLevel[v] === 1 ? r.attackStep : r.decayStep;
  if (stage === SUSTAIN) return r.decayStep;
  return r.envRelStep[v]!; // IDLE, RELEASE
}

const TAPS = 16;
const OSC_S_POS = 6;
const OSC_S_RING = 10;

/**
 * BLEP ring slot k positions ahead of the next sample to generate (k = 0 is the slot written
 * next, k = 8 the one output next): slot (pos + k) & 15 of each implementation's own ring and
 * position, so the comparison does not rely on both rings being addressed alike. (k = 7, the
 * slot just output, is always 0 at a block end: it is cleared after output.)
 */
function ringField(k: number): FieldMap {
  return {
    module: 'osc',
    field: `ring[pos+${k}]`,
    engine: (s) => s[OSC_S_RING + ((s[OSC_S_POS]! + k) & (TAPS - 1))]!,
    ref: (r, v) => r.oscRing[v * TAPS + ((r.oscPos[v]! + k) & (TAPS - 1))]!,
  };
}

const VOICE_FIELDS: readonly FieldMap[] = [
  // lfo.ts: S_PHASE 0, S_COUNT 3, S_SIN_A 4, S_SIN_D 5, S_SIN_B 6.
  { module: 'lfo', field: 'phase', engine: at(0), ref: (r, v) => r.lfoPhase[v]! },
  { module: 'lfo', field: 'count', engine: at(3), ref: (r, v) => r.lfoCount[v]! },
  { module: 'lfo', field: 'sinA', engine: at(4), ref: (r, v) => r.lfoA[v]! },
  { module: 'lfo', field: 'sinD', engine: at(5), ref: (r, v) => r.lfoD[v]! },
  { module: 'lfo', field: 'sinB', engine: at(6), ref: (r, v) => r.lfoB[v]! },
  // lfo.layout.ts S_SMOOTH_NEXT 10: the smooth shape's next value, untouched by W2's sine lfos.
  { module: 'lfo', field: 'smoothNext', engine: at(10), ref: () => 0 },
  // osc.ts: S_PHASE 0, S_POS 6, S_DT 7 (the reference's constant oscDt), S_RING 10..25.
  { module: 'osc', field: 'phase', engine: at(0), ref: (r, v) => r.oscPhase[v]! },
  { module: 'osc', field: 'pos', engine: at(OSC_S_POS), ref: (r, v) => r.oscPos[v]! },
  { module: 'osc', field: 'dt', engine: at(7), ref: (r, v) => r.oscDt[v]! },
  ...Array.from({ length: TAPS }, (_, k) => ringField(k)),
  // osc-sync.ts: S_SYNC_PREV and the sub-sample reset slots 26..31, untouched without a sync input.
  ...Array.from({ length: 6 }, (_, k): FieldMap => ({ module: 'osc', field: `sync[${k}]`, engine: at(OSC_S_RING + TAPS + k), ref: () => 0 })),
  // filter.ts: S_IC1 0, S_IC2 1, S_PHASE 2, S_B11/S_DB11/S_B11T 3-5, S_B12/S_DB12/S_B12T 6-8,
  // S_B20/S_DB20/S_B20T 9-11, S_KT 14 (the reference's constant k), S_READY 16, S_FC 17.
  { module: 'filter', field: 'ic1', engine: at(0), ref: (r, v) => r.fIc1[v]! },
  { module: 'filter', field: 'ic2', engine: at(1), ref: (r, v) => r.fIc2[v]! },
  { module: 'filter', field: 'phase', engine: at(2), ref: (r, v) => r.fPhase[v]! },
  { module: 'filter', field: 'b11', engine: at(3), ref: (r, v) => r.fB11[v]! },
  { module: 'filter', field: 'db11', engine: at(4), ref: (r, v) => r.fDb11[v]! },
  { module: 'filter', field: 'b11T', engine: at(5), ref: (r, v) => r.fB11t[v]! },
  { module: 'filter', field: 'b12', engine: at(6), ref: (r, v) => r.fB12[v]! },
  { module: 'filter', field: 'db12', engine: at(7), ref: (r, v) => r.fDb12[v]! },
  { module: 'filter', field: 'b12T', engine: at(8), ref: (r, v) => r.fB12t[v]! },
  { module: 'filter', field: 'b20', engine: at(9), ref: (r, v) => r.fB20[v]! },
  { module: 'filter', field: 'db20', engine: at(10), ref: (r, v) => r.fDb20[v]! },
  { module: 'filter', field: 'b20T', engine: at(11), ref: (r, v) => r.fB20t[v]! },
  { module: 'filter', field: 'kT', engine: at(14), ref: (r) => r.k },
  { module: 'filter', field: 'ready', engine: at(16), ref: (r, v) => r.fReady[v]! },
  { module: 'filter', field: 'lastFc', engine: at(17), ref: (r, v) => r.fLastFc[v]! },
  // adsr.ts: S_STAGE 0, S_LEVEL 1, S_STEP 3.
  { module: 'adsr', field: 'stage', engine: at(0), ref: (r, v) => r.envStage[v]! },
  { module: 'adsr', field: 'level', engine: at(1), ref: (r, v) => r.envLevel[v]! },
  { module: 'adsr', field: 'step', engine: at(3), ref: refAdsrStep },
  // adsr.layout.ts S_PEAK 8: the velocity's peak; W2's gates are full velocity (or still 1 from the start).
  { module: 'adsr', field: 'peak', engine: at(8), ref: () => 1 },
];

const OUT_FIELDS: readonly FieldMap[] = [
  // out.ts: S_REDUCTION 0, S_LIMITED 1, S_NON_FINITE 2.
  { module: 'out', field: 'reduction', engine: at(0), ref: (r) => r.outReduction },
  { module: 'out', field: 'limitedSamples', engine: at(1), ref: (r) => r.outLimited },
  { module: 'out', field: 'nonFiniteSamples', engine: at(2), ref: (r) => r.outNonFinite },
];

/** A double with its bits, so -0/+0 and last-bit differences are visible in a message. */
function show(x: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return `${Object.is(x, -0) ? '-0' : String(x)} (0x${b.getBigUint64(0).toString(16).padStart(16, '0')})`;
}

interface RunResult {
  readonly left: { engine: Float32Array; ref: Float32Array };
  readonly right: { engine: Float32Array; ref: Float32Array };
  readonly limitedSamples: number;
  readonly faults: string[];
  /** Total state mismatches and the first few, described. */
  readonly mismatches: number;
  readonly firstMismatches: string[];
  /** Non-vacuity: state values compared, adsr stages seen at block ends, moving coefficients. */
  readonly compared: number;
  readonly stagesSeen: Set<number>;
  readonly blocksWithMovingCoefficients: number;
}

/** Renders `build` with the engine and the reference side by side, comparing after each block. */
function runSideBySide(build: W2Build, block: number): RunResult {
  // The live slots' host, fed the score with applyCommand block by block (like renderOffline).
  const host = offlineHost({ patch: build.patch, sampleRate: W2.sampleRate, blockSize: block, seed: 1 });
  const engine = host.engine;
  const ref = new W2Reference(build.voices, build.gates, block);
  const n = build.voices.count;

  const kernelState = (id: string, module: ModuleName): Float64Array => {
    const instance = engine.instance(id);
    assert.ok(instance !== undefined, `engine has no module ${id}`);
    assert.equal(instance.kernel.state.length, STATE_SIZES[module], `${module} state layout changed: update the test's field table`);
    return instance.kernel.state;
  };
  const modules: Record<Exclude<ModuleName, 'out'>, Float64Array>[] = [];
  for (let v = 0; v < n; v++) {
    const id = w2Ids(v);
    modules.push({
      lfo: kernelState(id.lfo, 'lfo'),
      osc: kernelState(id.osc, 'osc'),
      filter: kernelState(id.filter, 'filter'),
      adsr: kernelState(id.env, 'adsr'),
    });
  }
  const outState = kernelState('out', 'out');

  const eLeft = new Float32Array(build.frames);
  const eRight = new Float32Array(build.frames);
  const rLeft = new Float32Array(build.frames);
  const rRight = new Float32Array(build.frames);
  const el = new Float32Array(block);
  const er = new Float32Array(block);
  const rl = new Float32Array(block);
  const rr = new Float32Array(block);
  const faults: string[] = [];
  let mismatches = 0;
  const firstMismatches: string[] = [];
  let compared = 0;
  const stagesSeen = new Set<number>();
  let blocksWithMovingCoefficients = 0;
  const mismatch = (blockIndex: number, frame: number, voice: string, f: FieldMap, e: number, r: number): void => {
    mismatches++;
    if (firstMismatches.length < 10) {
      firstMismatches.push(`block ${blockIndex} (frames up to ${frame}), ${voice}, ${f.module}.${f.field}: engine ${show(e)}, reference ${show(r)}`);
    }
  };

  let next = 0;
  const score = encodeScore(build.score);
  for (let done = 0, blockIndex = 0; done < build.frames; blockIndex++) {
    const frames = Math.min(block, build.frames - done);
    while (next < score.length && score[next]!.frame < done + frames) {
      const c = score[next]!;
      assert.ok(applyCommand(host, c.frame, c.kind, c.handle, c.index, c.value, c.aux ?? 0, c.payload, undefined), `could not schedule ${c.address}`);
      next++;
    }
    host.renderBlock(el, er, frames);
    engine.drainFaults((module, code, frame) => faults.push(`${module} ${code} at ${frame}`));
    ref.render(rl, rr, frames);
    eLeft.set(el.subarray(0, frames), done);
    eRight.set(er.subarray(0, frames), done);
    rLeft.set(rl.subarray(0, frames), done);
    rRight.set(rr.subarray(0, frames), done);
    done += frames;

    const rs = ref.stateView();
    let moving = false;
    for (let v = 0; v < n; v++) {
      const states = modules[v]!;
      for (const f of VOICE_FIELDS) {
        const e = f.engine(states[f.module as Exclude<ModuleName, 'out'>]);
        const r = f.ref(rs, v);
        compared++;
        if (!Object.is(e, r)) mismatch(blockIndex, done, `voice ${v}`, f, e, r);
      }
      stagesSeen.add(rs.envStage[v]!);
      if (rs.fDb11[v] !== 0) moving = true;
    }
    for (const f of OUT_FIELDS) {
      const e = f.engine(outState);
      const r = f.ref(rs, 0);
      compared++;
      if (!Object.is(e, r)) mismatch(blockIndex, done, 'out', f, e, r);
    }
    if (moving) blocksWithMovingCoefficients++;
  }
  for (const id of ['out', ...Array.from({ length: n }, (_, v) => Object.values(w2Ids(v))).flat()]) {
    assert.equal(engine.instance(id)!.fault, FAULT_NONE, `${id} faulted`);
  }
  return {
    left: { engine: eLeft, ref: rLeft },
    right: { engine: eRight, ref: rRight },
    limitedSamples: ref.limitedSamples,
    faults,
    mismatches,
    firstMismatches,
    compared,
    stagesSeen,
    blocksWithMovingCoefficients,
  };
}

for (const [voices, seconds, block] of [
  [8, 2, 128],
  [64, 0.5, 128],
  [8, 2, 37], // odd block size: control points and BLEP ring positions fall across block ends
  [5, 1, 100], // a block size that is no multiple of the filter's 16-sample control period
] as const) {
  test(`W2 reference matches the engine: outputs sample for sample, float64 state after every block (${voices} voices, ${seconds} s, block ${block})`, () => {
    const build = buildW2(voices, seconds);
    const run = runSideBySide(build, block);
    assert.deepEqual(run.faults, []);

    assert.deepEqual(compareOutputs(run.left.engine, run.left.ref), { maxAbsDiff: 0, differing: 0 }, 'left output');
    assert.deepEqual(compareOutputs(run.right.engine, run.right.ref), { maxAbsDiff: 0, differing: 0 }, 'right output');

    assert.equal(
      run.mismatches,
      0,
      `${run.mismatches} of ${run.compared} state values differ (outputs identical); first:\n  ${run.firstMismatches.join('\n  ')}`,
    );

    // Neither comparison is vacuous: the voices sound while gated (the filter sweeps, the
    // envelope moves) and fall silent between notes (release ends at 230 ms, next gate 250 ms);
    // block ends see every adsr stage and moving filter coefficients. The voices are not
    // correlated, so the sum's RMS falls as 1/sqrt(voices) (each enters with 0.5/voices).
    const ref = run.left.ref;
    const audible = 0.05 / Math.sqrt(voices);
    const ms = (t: number): number => Math.round((t * W2.sampleRate) / 1000);
    assert.ok(rms(ref, ms(20), ms(150)) > audible, 'audible while gated');
    assert.equal(rms(ref, ms(235), ms(250)), 0, 'silent after the release');
    assert.ok(rms(ref, ms(270), ms(400)) > audible, 'retriggered at 250 ms');
    assert.equal(run.limitedSamples, 0, 'the limiter stays idle');
    assert.deepEqual([...run.stagesSeen].sort(), [0, 1, 2, 3, 4], 'every adsr stage seen at a block end');
    assert.ok(run.blocksWithMovingCoefficients > 0, 'filter coefficients move');
    const blocks = Math.ceil(build.frames / block);
    assert.equal(run.compared, blocks * (voices * VOICE_FIELDS.length + OUT_FIELDS.length));
  });
}

test('W2 score gates every voice together, 150 ms every 250 ms', () => {
  const build = buildW2(3, 1);
  assert.equal(build.score.length, 3 * 8);
  assert.deepEqual([...build.gates.frames], [0, 6615, 11025, 17640, 22050, 28665, 33075, 39690]);
  assert.deepEqual([...build.gates.on], [1, 0, 1, 0, 1, 0, 1, 0]);
});
