// W2 in WASM SIMD (assembly/w2.ts) vs the fused JS reference (bench/w2-reference.ts), in one
// process: timing in alternating rounds, then bit-for-bit comparisons (building blocks, outputs,
// the complete float64 state after every block).
//
// Prerequisites (from the repo root): npx tsc -p .   and   proto/simd-w2/build.sh
// Usage: node proto/simd-w2/bench.mjs [--voices 256] [--seconds 3] [--rounds 7] [--block 128]
//        [--check-seconds 3] [--no-bench] [--no-check] [--confirm N]
//        W2_VARIANTS=a.wasm,a.wasm#fused,a.wasm#general node proto/simd-w2/bench.mjs --variants
//          (SIMD builds/modes only, alternating in one process: cost probes)
//
// Timing: as bench/engine.ts does it: wall time (performance.now) of rendering S seconds of W2
// block by block, including the out stage and a copy of each block's left channel into a
// capture buffer; construction outside the timed region; a forced GC before each run; one
// untimed warm-up of each; then rounds alternating reference / SIMD (the order flips every
// round), ratio taken per round. RTF = audio seconds / wall seconds; voices at 1x = N x RTF.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { arch, cpus, loadavg, platform, release } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist');
const { W2Reference, compareOutputs } = await import(join(dist, 'bench', 'w2-reference.js'));
const { W2, buildW2 } = await import(join(dist, 'bench', 'w2.js'));
const { BLEP_TABLE, BLEP_HALF, BLEP_TAPS } = await import(join(dist, 'src', 'dsp', 'lib', 'blep.js'));
const fm = await import(join(dist, 'src', 'dsp', 'lib', 'fast-math.js'));
const fmLib = fm;

setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc');

const wasmPath = process.env.W2_WASM ?? join(here, 'build', 'w2.wasm');
let wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
/** Render with the fused per-pair loop instead of the per-module passes (a variant; see README). */
let fusedMode = false;
/** Force the adsr's lane-divergent path (a variant). */
let generalMode = false;

// Constants block layout: must match K_* in assembly/w2.ts.
const K = {
  OSC_GAIN: 0, FM_AMOUNT: 1, CUTOFF: 2, K: 3, PI_OVER_FS: 4, MAX_CUTOFF: 5, ATTACK_STEP: 6, DECAY_STEP: 7,
  SUSTAIN: 8, RELEASE_SAMPLES: 9, OUT_LEVEL: 10, PAN_LEFT: 11, PAN_RIGHT: 12, RELEASE_COEF: 13,
  SIN_S3: 14, EXP2_C1: 21, TWO_PI: 28, END_EPS: 29, DENORMAL: 30, MIN_CUTOFF: 31, THRESHOLD: 32,
  MAX_OUT: 33, REDUCTION_SNAP: 34, INV_CONTROL_PERIOD: 35, EXP2_RANGE: 36, COUNT: 37,
};
if (BLEP_HALF !== 8 || BLEP_TAPS !== 16 || BLEP_TABLE.length !== 33 * 16 || fm.EXP2_RANGE !== 64) {
  throw new Error('simd-w2: geometry out of sync with src/dsp/lib');
}

/** The SIMD renderer with the reference's render() interface (gate splitting in JS). */
export class W2Simd {
  constructor(voices, gates, maxBlock) {
    const n = voices.count;
    this.voices = n;
    this.maxBlock = maxBlock;
    this.gateFrames = gates.frames;
    this.gateOn = gates.on;
    this.gateNext = 0;
    this.frame = 0;
    const inst = new WebAssembly.Instance(wasmModule, {});
    const x = inst.exports;
    this.x = x;
    x.init(n, maxBlock);
    x.setFused(fusedMode ? 1 : 0);
    x.setForceGeneralEnv(generalMode ? 1 : 0);
    // The reference's own derived constants (one source of truth: same JS expressions).
    const ref = new W2Reference(voices, gates, maxBlock);
    const buf = x.memory.buffer;
    const c = new Float64Array(buf, x.getConstPtr(), K.COUNT);
    c[K.OSC_GAIN] = ref.oscGain;
    c[K.FM_AMOUNT] = ref.fmAmount;
    c[K.CUTOFF] = ref.cutoff;
    c[K.K] = ref.k;
    c[K.PI_OVER_FS] = ref.piOverFs;
    c[K.MAX_CUTOFF] = ref.maxCutoff;
    c[K.ATTACK_STEP] = ref.attackStep;
    c[K.DECAY_STEP] = ref.decayStep;
    c[K.SUSTAIN] = ref.sustain;
    c[K.RELEASE_SAMPLES] = ref.releaseSamples;
    c[K.OUT_LEVEL] = ref.outLevel;
    c[K.PAN_LEFT] = ref.panLeft;
    c[K.PAN_RIGHT] = ref.panRight;
    c[K.RELEASE_COEF] = ref.releaseCoef;
    [fm.SIN_S3, fm.SIN_S5, fm.SIN_S7, fm.SIN_S9, fm.SIN_S11, fm.SIN_S13, fm.SIN_S15].forEach((v, i) => (c[K.SIN_S3 + i] = v));
    [fm.EXP2_C1, fm.EXP2_C2, fm.EXP2_C3, fm.EXP2_C4, fm.EXP2_C5, fm.EXP2_C6, fm.EXP2_C7].forEach((v, i) => (c[K.EXP2_C1 + i] = v));
    // bench/w2-reference.ts's module-local constants, same expressions.
    c[K.TWO_PI] = 2 * Math.PI;
    c[K.END_EPS] = 1e-9;
    c[K.DENORMAL] = 1e-20;
    c[K.MIN_CUTOFF] = 10;
    c[K.THRESHOLD] = 0.95;
    c[K.MAX_OUT] = 1 - 2 ** -24;
    c[K.REDUCTION_SNAP] = 1e-9;
    c[K.INV_CONTROL_PERIOD] = 1 / 16;
    c[K.EXP2_RANGE] = 64;
    new Float64Array(buf, x.getExp2Ptr(), fm.EXP2_INT.length).set(fm.EXP2_INT);
    new Float64Array(buf, x.getBlepPtr(), BLEP_TABLE.length).set(BLEP_TABLE);
    for (let v = 0; v < n; v++) x.setVoice(v, ref.lfoInc[v], ref.oscDt[v], ref.gain[v]);
    this.mix = new Float32Array(buf, x.getMixPtr(), maxBlock);
    this.left = new Float32Array(buf, x.getLeftPtr(), maxBlock);
    this.right = new Float32Array(buf, x.getRightPtr(), maxBlock);
  }

  get limitedSamples() {
    return this.x.getLimited();
  }

  /** Renders the next `frames` frames into this.left / this.right (and this.mix, the bus). */
  render(frames) {
    if (frames > this.maxBlock) throw new Error('simd-w2: block too large');
    const x = this.x;
    const blockStart = this.frame;
    const gateFrames = this.gateFrames;
    let pos = 0;
    while (pos < frames) {
      const now = blockStart + pos;
      while (this.gateNext < gateFrames.length && gateFrames[this.gateNext] <= now) {
        x.gate(this.gateOn[this.gateNext] === 1 ? 1 : 0);
        this.gateNext++;
      }
      const nextEvent = this.gateNext < gateFrames.length ? gateFrames[this.gateNext] - blockStart : frames;
      const end = (nextEvent < frames ? nextEvent : frames) | 0;
      x.renderRange(pos, end);
      pos = end;
    }
    this.frame = blockStart + frames;
  }
}

// ---- options ----
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const o = {
  voices: opt('--voices', 256),
  seconds: opt('--seconds', 3),
  rounds: opt('--rounds', 7),
  block: opt('--block', 128),
  checkSeconds: opt('--check-seconds', 3),
  confirm: opt('--confirm', 0),
  bench: !args.includes('--no-bench'),
  check: !args.includes('--no-check'),
};

const log = (s = '') => process.stdout.write(`${s}\n`);
const fx = (x, d = 2) => x.toFixed(d);
const stats = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
};
const st = (s, d = 2, u = '') => `${fx(s.median, d)}${u} (min ${fx(s.min, d)}${u}, max ${fx(s.max, d)}${u})`;

// ---- timing ----
function runRef(build, block, capture) {
  const ref = new W2Reference(build.voices, build.gates, block);
  const left = new Float32Array(block);
  const right = new Float32Array(block);
  const frames = build.frames;
  forceGc();
  const t0 = performance.now();
  for (let done = 0; done < frames; ) {
    const n = Math.min(block, frames - done);
    ref.render(left, right, n);
    for (let i = 0; i < n; i++) capture[done + i] = left[i];
    done += n;
  }
  const wallS = (performance.now() - t0) / 1000;
  return { wallS, rtf: frames / W2.sampleRate / wallS };
}

function runSimd(build, block, capture) {
  const s = new W2Simd(build.voices, build.gates, block);
  const left = s.left;
  const frames = build.frames;
  forceGc();
  const t0 = performance.now();
  for (let done = 0; done < frames; ) {
    const n = Math.min(block, frames - done);
    s.render(n);
    for (let i = 0; i < n; i++) capture[done + i] = left[i];
    done += n;
  }
  const wallS = (performance.now() - t0) / 1000;
  return { wallS, rtf: frames / W2.sampleRate / wallS };
}

const cpuList = cpus();
log('simd-w2: W2 in AssemblyScript f64x2 SIMD (2 voices per vector) vs the fused JS reference, one thread, one process');
log(`machine   node ${process.version}, ${cpuList[0]?.model.trim()}, ${cpuList.length} logical CPUs, ${platform()} ${release()} ${arch()}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
log(`wasm      ${wasmPath} (${readFileSync(wasmPath).length} bytes)`);

if (args.includes('--variants')) {
  // Cost probe of several builds (W2_VARIANTS=a.wasm,b.wasm,...): SIMD rounds only, the builds
  // alternating in one process (order rotated each round); medians and ratios to the first.
  // A path ending in '#fused' runs that build in its fused mode; '#general' forces the adsr's
  // lane-divergent path (the cost when voices' envelopes are in different stages).
  const paths = (process.env.W2_VARIANTS ?? wasmPath).split(',');
  const mods = paths.map((p) => new WebAssembly.Module(readFileSync(p.replace(/#(fused|general)$/, ''))));
  const fusedOf = paths.map((p) => p.endsWith('#fused'));
  const generalOf = paths.map((p) => p.endsWith('#general'));
  const build = buildW2(o.voices, o.seconds);
  const cap = new Float32Array(build.frames);
  const warm = buildW2(o.voices, 1);
  const ns = paths.map(() => []);
  const run = (k) => {
    wasmModule = mods[k];
    fusedMode = fusedOf[k];
    generalMode = generalOf[k];
    return (runSimd(build, o.block, cap).wallS * 1e9) / (build.frames * o.voices);
  };
  for (let k = 0; k < mods.length; k++) {
    wasmModule = mods[k];
    fusedMode = fusedOf[k];
    generalMode = generalOf[k];
    runSimd(warm, o.block, new Float32Array(warm.frames));
  }
  for (let r = 0; r < o.rounds; r++) for (let j = 0; j < mods.length; j++) {
    const k = (j + r) % mods.length;
    ns[k].push(run(k));
  }
  const m0 = stats(ns[0]).median;
  paths.forEach((p, k) => log(`${p}: ${st(stats(ns[k]), 2, ' ns')} per voice-sample; ${fx(m0 / stats(ns[k]).median)}x the first`));
  process.exit(0);
}

if (o.bench) {
  log(`run       ${o.voices} voices, ${o.seconds} s of audio per run, ${o.rounds} rounds (reference and SIMD alternating, order flipped each round, after 1 warm-up each), block ${o.block}`);
  const build = buildW2(o.voices, o.seconds);
  const capR = new Float32Array(build.frames);
  const capS = new Float32Array(build.frames);
  {
    const warm = buildW2(o.voices, Math.min(1, o.seconds));
    runRef(warm, o.block, new Float32Array(warm.frames));
    runSimd(warm, o.block, new Float32Array(warm.frames));
  }
  log(`${'round'.padEnd(6)}${'ref RTF'.padStart(10)}${'SIMD RTF'.padStart(10)}${'SIMD/ref'.padStart(10)}${'ref ns/v·s'.padStart(12)}${'SIMD ns/v·s'.padStart(13)}  left channel`);
  const rR = [];
  const rS = [];
  const q = [];
  const nsR = [];
  const nsS = [];
  const ns = (r) => (r.wallS * 1e9) / (build.frames * o.voices);
  for (let round = 1; round <= o.rounds; round++) {
    let r;
    let s;
    if (round % 2 === 1) {
      r = runRef(build, o.block, capR);
      s = runSimd(build, o.block, capS);
    } else {
      s = runSimd(build, o.block, capS);
      r = runRef(build, o.block, capR);
    }
    const cmp = compareOutputs(capR, capS);
    rR.push(r.rtf);
    rS.push(s.rtf);
    q.push(s.rtf / r.rtf);
    nsR.push(ns(r));
    nsS.push(ns(s));
    log(
      `${String(round).padEnd(6)}${`${fx(r.rtf)}x`.padStart(10)}${`${fx(s.rtf)}x`.padStart(10)}${`${fx(s.rtf / r.rtf)}x`.padStart(10)}` +
        `${fx(ns(r), 2).padStart(12)}${fx(ns(s), 2).padStart(13)}  ${cmp.differing === 0 ? 'identical' : `${cmp.differing} differ, max ${cmp.maxAbsDiff.toExponential(2)}`}`,
    );
  }
  const sR = stats(rR);
  const sS = stats(rS);
  log(`ref       RTF ${st(sR, 2, 'x')}; ${st(stats(nsR), 2, ' ns')} per voice-sample; voices at 1x ${st({ median: sR.median * o.voices, min: sR.min * o.voices, max: sR.max * o.voices }, 0)}`);
  log(`SIMD      RTF ${st(sS, 2, 'x')}; ${st(stats(nsS), 2, ' ns')} per voice-sample; voices at 1x ${st({ median: sS.median * o.voices, min: sS.min * o.voices, max: sS.max * o.voices }, 0)}`);
  log(`ratio     SIMD/ref per round: ${st(stats(q), 2, 'x')}`);
  if (o.confirm > 0) {
    // Confirm the estimate: SIMD at o.confirm voices, 1 s runs, alternating with nothing else.
    const b2 = buildW2(o.confirm, 1);
    const cap = new Float32Array(b2.frames);
    const rs = [];
    for (let k = 0; k < 3; k++) rs.push(runSimd(b2, o.block, cap).rtf);
    log(`confirm   SIMD at ${o.confirm} voices, 1 s runs x3: RTF ${st(stats(rs), 3, 'x')}`);
  }
  log(`load      ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

// ---- bit comparison ----
/**
 * Extra per-voice gate edges at block starts, applied identically to both renderers (the
 * reference through its per-voice adsr state, exactly as its gate() does per voice), so the
 * voices of a pair sit in different adsr stages: voice v gets gate on at block k when
 * (k + v) mod 9 == 0 and off when (k + v) mod 9 == 4.
 */
function staggerGates(ref, simd, k) {
  for (let v = 0; v < ref.voices; v++) {
    const m = (k + v) % 9;
    if (m !== 0 && m !== 4) continue;
    const on = m === 0;
    if (on) ref.envStage[v] = 1;
    else if (ref.envStage[v] !== 0 && ref.envStage[v] !== 4) {
      ref.envStage[v] = 4;
      ref.envRelStep[v] = ref.envLevel[v] / ref.releaseSamples;
    }
    simd.x.gateVoice(v, on ? 1 : 0);
  }
}

function renderBoth(voices, seconds, block, forceGeneral, fused = false, stagger = false) {
  const build = buildW2(voices, seconds);
  const ref = new W2Reference(build.voices, build.gates, block);
  const simd = new W2Simd(build.voices, build.gates, block);
  simd.x.setForceGeneralEnv(forceGeneral ? 1 : 0);
  simd.x.setFused(fused ? 1 : 0);
  const f = build.frames;
  const out = { rBus: new Float32Array(f), sBus: new Float32Array(f), rL: new Float32Array(f), sL: new Float32Array(f), rR: new Float32Array(f), sR: new Float32Array(f) };
  const l = new Float32Array(block);
  const r = new Float32Array(block);
  const state = { values: 0, differing: 0, blocksWithDiff: 0, fields: {} };
  for (let done = 0, k = 0; done < f; k++) {
    const n = Math.min(block, f - done);
    if (stagger) staggerGates(ref, simd, k);
    ref.render(l, r, n);
    simd.render(n);
    const bad = compareState(ref, simd, state.fields);
    state.differing += bad;
    if (bad > 0) state.blocksWithDiff++;
    state.values += voices * (STATE_FIELDS.length + 16 + 5);
    out.rBus.set(ref.mix.subarray(0, n), done); // the reference's float32 out bus (private field)
    out.sBus.set(simd.mix.subarray(0, n), done);
    out.rL.set(l.subarray(0, n), done);
    out.rR.set(r.subarray(0, n), done);
    out.sL.set(simd.left.subarray(0, n), done);
    out.sR.set(simd.right.subarray(0, n), done);
    done += n;
  }
  return { frames: f, out, state, limitedRef: ref.limitedSamples, limitedSimd: simd.limitedSamples };
}

// Field indices of assembly/w2.ts (F_*) against the reference's per-voice state arrays.
const STATE_FIELDS = [
  ['lfoPhase', 0], ['lfoA', 2], ['lfoD', 3], ['lfoB', 4], ['oscPhase', 5], ['fIc1', 7], ['fIc2', 8],
  ['fB11', 9], ['fDb11', 10], ['fB11t', 11], ['fB12', 12], ['fDb12', 13], ['fB12t', 14], ['fB20', 15], ['fDb20', 16], ['fB20t', 17],
  ['fLastFc', 18], ['envLevel', 19], ['envRelStep', 20],
];

/**
 * Every float64 state value of every voice, reference vs SIMD, bit for bit (the outputs are
 * float32, so they can hide a last-bit difference in the float64 state; this cannot), plus the
 * integer state (adsr stage, counters). Returns the number of differing values.
 */
function compareState(ref, simd, diffs) {
  const x = simd.x;
  const buf = x.memory.buffer;
  const n = ref.voices;
  let bad = 0;
  for (const [name, f] of STATE_FIELDS) {
    const s = new Float64Array(buf, x.getFieldPtr(f), n);
    const r = ref[name];
    for (let v = 0; v < n; v++) {
      if (!sameBits(r[v], s[v])) {
        bad++;
        diffs[name] = (diffs[name] ?? 0) + 1;
      }
    }
  }
  const ring = new Float64Array(buf, x.getRingPtr(), ((n + 1) >> 1) * 32);
  for (let v = 0; v < n; v++) {
    for (let slot = 0; slot < 16; slot++) {
      if (!sameBits(ref.oscRing[v * 16 + slot], ring[(v >> 1) * 32 + slot * 2 + (v & 1)])) {
        bad++;
        diffs.oscRing = (diffs.oscRing ?? 0) + 1;
      }
    }
  }
  const stage = new BigInt64Array(buf, x.getFieldPtr(22), n);
  const cnt = new Int32Array(buf, x.getCountersPtr(), 4 * ((n + 1) >> 1));
  for (let v = 0; v < n; v++) {
    const q = v >> 1;
    const ints = [
      ['envStage', ref.envStage[v], Number(stage[v])], ['lfoCount', ref.lfoCount[v], cnt[4 * q]], ['oscPos', ref.oscPos[v], cnt[4 * q + 1]],
      ['fPhase', ref.fPhase[v], cnt[4 * q + 2]], ['fReady', ref.fReady[v], cnt[4 * q + 3]],
    ];
    for (const [name, a, b] of ints) {
      if (a !== b) {
        bad++;
        diffs[name] = (diffs[name] ?? 0) + 1;
      }
    }
  }
  return bad;
}

/** Numerical comparison plus a bitwise one (counts +0/−0 and NaN-payload differences too). */
function cmpBits(a, b) {
  const num = compareOutputs(a, b);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bits = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) bits++;
  let peak = 0;
  let nonzero = 0;
  for (let i = 0; i < a.length; i++) {
    peak = Math.max(peak, Math.abs(a[i]));
    if (a[i] !== 0) nonzero++;
  }
  return `max |diff| ${num.maxAbsDiff}, ${num.differing} samples differ (numerically), ${bits} differ bitwise; peak ${peak.toFixed(4)}, ${nonzero} non-zero`;
}

/** Same bits (all NaNs count as one value). */
const f64bits = new Float64Array(2);
const u64 = new BigUint64Array(f64bits.buffer);
function sameBits(a, b) {
  if (a !== a && b !== b) return true;
  f64bits[0] = a;
  f64bits[1] = b;
  return u64[0] === u64[1];
}

/** The SIMD building blocks against their JS definitions over edge cases and random inputs. */
function primitiveCheck() {
  const x = new W2Simd(buildW2(2, 0.01).voices, { frames: new Float64Array(0), on: new Uint8Array(0) }, 128).x;
  let seed = 12345;
  const rnd = () => {
    // xorshift32: deterministic inputs.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const bitsBuf = new Float64Array(1);
  const bitsU = new Uint32Array(bitsBuf.buffer);
  const randomBits = () => {
    bitsU[0] = (rnd() * 4294967296) >>> 0;
    bitsU[1] = (rnd() * 4294967296) >>> 0;
    return bitsBuf[0];
  };
  const up = (v) => {
    // next double above v (finite v)
    bitsBuf[0] = v;
    if (v === 0) return Number.MIN_VALUE;
    const big = new BigInt64Array(bitsBuf.buffer);
    big[0] += v > 0 ? 1n : -1n;
    return bitsBuf[0];
  };
  const down = (v) => -up(-v);
  const edge = [0, -0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001, -0.5000000000000001,
    63.5, -63.5, 64, -64, 64.5, -64.5, 1e300, -1e300, Infinity, -Infinity, NaN, 2 ** 52 + 0.5, 2 ** 51 + 0.5, -(2 ** 51) - 0.5, 2 ** 53, 5e-324, -5e-324,
    0.25, -0.25, 0.75, -0.75, 3.4028234663852886e38, 3.4028235677973366e38, 1.401298464324817e-45, 7.006492321624085e-46];
  const inputs = [...edge];
  for (let k = -80; k <= 80; k++) for (const h of [0, 0.25, 0.5, 0.75]) {
    const v = k + h;
    inputs.push(v, up(v), down(v));
  }
  for (let k = 0; k < 200000; k++) inputs.push((rnd() - 0.5) * 140, (rnd() - 0.5) * 4, randomBits());
  const results = [];
  const fast = fmLib;
  const cases = [
    ['Math.round', (v) => Math.round(v), (v) => x.testRound(v)],
    ['Math.fround', (v) => Math.fround(v), (v) => x.testFround(v)],
    ['sinTurnsApprox', (v) => fast.sinTurnsApprox(v), (v) => x.testSin(v)],
    ['exp2Approx', (v) => fast.exp2Approx(v), (v) => x.testExp2(v)],
  ];
  for (const [name, js, wasm] of cases) {
    let bad = 0;
    let first = '';
    for (const v of inputs) {
      const a = js(v);
      const b = wasm(v);
      if (!sameBits(a, b)) {
        if (bad === 0) first = ` (first: x = ${v}: JS ${a}, WASM ${b})`;
        bad++;
      }
    }
    results.push(`${name} ${bad === 0 ? 'identical' : `${bad} differ${first}`}`);
  }
  return { n: inputs.length, results };
}

if (o.check) {
  log();
  {
    const p = primitiveCheck();
    log(`primitive check, ${p.n} inputs each (edges, k + {0, ¼, ½, ¾} ± 1 ulp for |k| ≤ 80, random in ±70, ±2, random bit patterns), bit for bit:`);
    log(`  ${p.results.join('; ')}`);
  }
  log(`bit check: reference vs SIMD, ${o.checkSeconds} s of audio, block ${o.block}; bus = the float32 out bus before the out stage; left/right = after the out stage`);
  const cases = [
    [8, false],
    [256, false],
    [7, false], // odd count: the last pair has one live lane
    [8, true], // adsr forced through the lane-divergent (general) path
    [256, false, true], // the fused-loop variant
    [8, false, false, true], // extra per-voice gates: the voices of a pair in different adsr stages
    [8, false, true, true], // ... in the fused variant
  ];
  for (const [n, general, fused, stagger] of cases) {
    const t0 = performance.now();
    const r = renderBoth(n, o.checkSeconds, o.block, general, fused, stagger);
    const label = `${n} voices${general ? ', general adsr path' : ''}${fused ? ', fused variant' : ''}${stagger ? ', staggered per-voice gates' : ''}`;
    log(`  ${label} (${r.frames} frames; both renders and the checks took ${Math.round(performance.now() - t0)} ms):`);
    log(`    bus   ${cmpBits(r.out.rBus, r.out.sBus)}`);
    log(`    left  ${cmpBits(r.out.rL, r.out.sL)}`);
    log(`    right ${cmpBits(r.out.rR, r.out.sR)}`);
    log(
      `    state ${r.state.values} values compared after every block (all float64 state, BLEP rings, stages, counters): ` +
        (r.state.differing === 0 ? 'identical' : `${r.state.differing} differ, in ${r.state.blocksWithDiff} blocks (${JSON.stringify(r.state.fields)})`),
    );
    log(`    limited samples: ref ${r.limitedRef}, SIMD ${r.limitedSimd}`);
  }
  // Block-size invariance of the SIMD renderer itself: block 128 vs block 37 (gates split ranges).
  {
    const a = renderBoth(8, 1, 128, false);
    const b = renderBoth(8, 1, 37, false);
    log(`  8 voices, 1 s, SIMD block 128 vs block 37: bus ${cmpBits(a.out.sBus.subarray(0), b.out.sBus)}`.replace(/; peak.*$/, ''));
  }
}
