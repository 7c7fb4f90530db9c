// sampler: plays a loaded sample buffer (`/buffer/load`, named by the `buffer` param) at a
// variable rate, one-shot or gated, with forward and ping-pong loops, stereo out.
//
// Sources: O. Niemitalo, "Polynomial Interpolators for High-Quality Resampling of Oversampled
// Audio" (2001), the 4-point, 3rd-order Hermite (Catmull-Rom) interpolator in its "x-form":
//   c0 = y0, c1 = (y1 − y₋₁)/2, c2 = y₋₁ − 5y0/2 + 2y1 − y2/2, c3 = (y2 − y₋₁)/2 + 3(y0 − y1)/2,
//   y(x) = ((c3·x + c2)·x + c1)·x + c0, x in [0, 1) the fractional position;
// linear interpolation y0 + x·(y1 − y0) is offered for comparison (interp = linear). At x = 0
// both return y0 exactly, so rate 1 from an integer position is a bit-exact copy. Loop modes
// as in the SoundFont 2.01 specification (sample loop modes; ping-pong = alternating loop).
//
// Definitions (fs the engine rate; buffers are resampled to fs when loaded):
// - A note starts on one exact sample n0 (a /gate on, or a rising edge of the `gate` input with
//   its value as velocity v, voices.md): the output at n0 is the buffer at p = start·frames.
//   Params `start`, `end`, `loop`, `mode` are latched at the note's start; `transpose`, `rate`,
//   `level`, `interp` and the `pitch` input are read per sample.
// - Position advance per sample: rate · 2^(transpose/12) · 2^(pitch input) frames (times −1 while a
//   ping-pong loop runs backwards).
// - Region [S, E) = [start·frames, end·frames). loop off: the note ends when p ≥ E (exact zeros
//   from that sample). forward: p wraps to p − (E − S). ping_pong: reflects at E − 1 and at S.
//   A region shorter than 2 frames plays nothing.
// - Interpolation reads neighbours clamped to [0, frames − 1] (the buffer's own ends, not the
//   loop's), so a loop point joins with the samples around it, as in most hardware samplers.
// - Output = y · v · env · level on `left` and `right` (a mono buffer feeds both).
//   env is 1 while the note plays; on a gate off in `gated` mode it falls with a T60 of
//   `release` ms; on a choke (another module of the `choke` group gated on) with a T60 of
//   CHOKE_T60_MS = 3 ms (≤ −60 dB within 5 ms). one_shot ignores gate offs.
// - Idle: the voice goes idle on the sample where env < 1e-6 (−120 dB) or the region ends
//   (loop off); from then on it writes exact zeros and only watches its gate input. Decided
//   per sample from the state, so the output does not depend on how the timeline is cut.
// - No buffer bound (the name is not loaded, e.g. a sample file missing after a restart):
//   silence; a rebinding to another buffer (the patch names another one) stops the note.
//
// Render thread. process/gate/choke allocate nothing; the per-sample loop keeps its state in
// locals (no double crosses a call) and writes it back once per call.

import { defineModule } from '../define.js';
import { Kernel } from '../kernel.js';
import type { SampleBuffer } from '../sample-buffer.js';

const decl = defineModule({
  type: 'sampler',
  doc:
    'Sample player: plays the loaded buffer named by `buffer` (/buffer/load) from `start` to `end` (fractions of its ' +
    'length) at rate · 2^(transpose/12), one-shot or gated, loop off | forward | ping-pong, 4-point Hermite interpolation ' +
    '(Niemitalo). A /gate on or a rising edge on the `gate` input starts a note on that sample (velocity scales the ' +
    'level); a mono buffer feeds both outputs. Choke group as the drums.',
  bufferParams: [{ id: 'buffer', doc: 'Name of a loaded buffer (/buffer/load <name> <file>); a patch naming a buffer that is not loaded is refused.' }],
  params: [
    { id: 'transpose', unit: 'semitones', min: -48, max: 48, default: 0, smoothingMs: 5, doc: 'Transposition in semitones (the playback rate is multiplied by 2^(transpose/12)). Read per sample.' },
    { id: 'rate', unit: 'ratio', min: 0.0625, max: 16, default: 1, smoothingMs: 5, scale: 'exp', doc: 'Playback rate factor (1 = the sample\'s own speed). Read per sample.' },
    { id: 'start', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 0, doc: 'Start of the region as a fraction of the buffer\'s length (latched at the note\'s start).' },
    { id: 'end', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 0, doc: 'End of the region (exclusive) as a fraction of the buffer\'s length (latched at the note\'s start).' },
    { id: 'loop', unit: 'enum', min: 0, max: 2, default: 0, smoothingMs: 0, modulatable: false, labels: ['off', 'forward', 'ping_pong'], doc: 'off: the note ends at `end`; forward: jumps back to `start`; ping_pong: alternates direction between `start` and `end`.' },
    { id: 'mode', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, modulatable: false, labels: ['one_shot', 'gated'], doc: 'one_shot: a note plays on whatever the gate does; gated: a gate off fades it out over `release`.' },
    { id: 'interp', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, modulatable: false, labels: ['hermite', 'linear'], doc: 'Interpolation between samples: 4-point 3rd-order Hermite (default) or linear.' },
    { id: 'release', unit: 'ms', min: 1, max: 10000, default: 20, smoothingMs: 0, scale: 'exp', doc: 'Gated mode: time to fall by 60 dB after the gate off.' },
    { id: 'level', unit: 'level', min: 0, max: 2, default: 1, smoothingMs: 5, doc: 'Output gain (1 = the buffer\'s level at velocity 1). Read per sample.' },
    { id: 'choke', unit: 'ratio', min: 0, max: 16, default: 0, smoothingMs: 0, modulatable: false, doc: 'Choke group (0 = none): a note of another module of the group fades this one out (−60 dB in 3 ms).' },
  ],
  inputs: [
    { id: 'gate', doc: 'Gate as a signal: a rise above 0 starts a note on that sample (its value, at most 1, the velocity); a fall to ≤ 0 is the note off.' },
    { id: 'pitch', doc: 'Pitch offset in octaves (1 V/oct): the rate is multiplied by 2^pitch, per sample.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left channel (the buffer\'s only channel when it is mono).' },
    { id: 'right', doc: 'Right channel (the buffer\'s only channel when it is mono).' },
  ],
  gate: true,
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** −60 dB after this many ms when choked. */
export const CHOKE_T60_MS = 3;
/** Below this (−120 dB) the envelope counts as silent and the voice goes idle. */
const IDLE_LEVEL = 1e-6;
const LN_1000 = Math.log(1000);

const LOOP_OFF = 0;
const LOOP_FORWARD = 1;
const MODE_GATED = 1;
const INTERP_LINEAR = 1;

// State slots.
const S_ACTIVE = 0;
const S_POS = 1;
const S_DIR = 2;
const S_ENV = 3;
const S_ENV_COEF = 4;
const S_VELOCITY = 5;
const S_REGION_START = 6;
const S_REGION_END = 7;
const S_LOOP = 8;
const S_MODE = 9;
const S_GATE_PREV = 10;
/** 1: a /gate on waits for the next sample; 2: a /gate off does. */
const S_PENDING = 11;
const S_PENDING_VELOCITY = 12;
const STATE_SIZE = 13;

export class SamplerKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private buffer: SampleBuffer | undefined = undefined;
  private left: Float32Array = new Float32Array(1);
  private right: Float32Array = this.left;
  private frames = 0;
  private readonly chokeCoef: number;

  constructor(...args: ConstructorParameters<typeof Kernel>) {
    super(...args);
    this.chokeCoef = Math.exp(-LN_1000 / ((CHOKE_T60_MS * this.ctx.sampleRate) / 1000));
    this.init();
  }

  protected override init(): void {
    this.state[S_DIR] = 1;
  }

  override bindBuffer(_index: number, buffer: SampleBuffer | undefined): void {
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.frames = buffer === undefined ? 0 : buffer.frames;
    this.left = buffer === undefined ? new Float32Array(1) : buffer.left;
    this.right = buffer === undefined ? this.left : buffer.right;
    this.state[S_ACTIVE] = 0;
  }

  override gate(on: boolean, velocity = 1): void {
    const st = this.state;
    if (on) {
      st[S_PENDING] = 1;
      st[S_PENDING_VELOCITY] = velocity > 0 ? (velocity < 1 ? velocity : 1) : 1;
    } else if (st[S_PENDING] !== 1) {
      st[S_PENDING] = 2;
    }
  }

  override choke(): void {
    const st = this.state;
    if (st[S_PENDING] === 1) st[S_PENDING] = 0;
    if (st[S_ACTIVE] !== 0) st[S_ENV_COEF] = this.chokeCoef;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const outL = this.io.outputs[OUT.left];
    const outR = this.io.outputs[OUT.right];
    const L = this.left;
    const R = this.right;
    const last = this.frames - 1;
    const params = this.io.params;
    const pitch = params[P.transpose];
    const rate = params[P.rate];
    const level = params[P.level];
    const interp = params[P.interp];
    const interpConstant = interp.isConstant;
    const interpValue = interp.value;
    const levelConstant = level.isConstant;
    const levelValue = level.value;
    const gatePort = this.io.inputs[IN.gate];
    const gateIn = gatePort.buffer;
    const gateConnected = gatePort.connected;
    const pitchPort = this.io.inputs[IN.pitch];
    const pitchIn = pitchPort.buffer;
    const pitchConnected = pitchPort.connected;
    // The increment when nothing varies within the call (the common case): one pow per call.
    const constantStep = pitch.isConstant && rate.isConstant && !pitchConnected;
    const step0 = constantStep ? rate.value * Math.pow(2, pitch.value / 12) : 0;
    let active = st[S_ACTIVE];
    let pos = st[S_POS];
    let dir = st[S_DIR];
    let env = st[S_ENV];
    let envCoef = st[S_ENV_COEF];
    let velocity = st[S_VELOCITY];
    let regionStart = st[S_REGION_START];
    let regionEnd = st[S_REGION_END];
    let loop = st[S_LOOP];
    let mode = st[S_MODE];
    let gatePrev = gateConnected ? st[S_GATE_PREV] : 0;
    let pending = st[S_PENDING];
    let check = 0;
    for (let i = start; i < end; i++) {
      // Note events on this sample: a /gate (first sample of the call) or the gate input.
      let on = 0;
      let off = false;
      if (pending !== 0) {
        if (pending === 1) on = st[S_PENDING_VELOCITY];
        else off = true;
        pending = 0;
      }
      if (gateConnected) {
        const x = gateIn[i];
        if (x > 0 && gatePrev <= 0) on = x < 1 ? x : 1;
        else if (x <= 0 && gatePrev > 0) off = true;
        gatePrev = x;
      }
      if (on > 0) {
        const frames = this.frames;
        const s = (params[P.start].isConstant ? params[P.start].value : params[P.start].buffer[i]) * frames;
        const e = (params[P.end].isConstant ? params[P.end].value : params[P.end].buffer[i]) * frames;
        loop = params[P.loop].isConstant ? params[P.loop].value : params[P.loop].buffer[i];
        mode = params[P.mode].isConstant ? params[P.mode].value : params[P.mode].buffer[i];
        regionStart = s;
        regionEnd = e;
        pos = s;
        dir = 1;
        env = 1;
        envCoef = 1;
        velocity = on;
        active = frames > 0 && e - s >= 2 ? 1 : 0;
      } else if (off && active !== 0 && mode === MODE_GATED && envCoef === 1) {
        const releaseMs = params[P.release].isConstant ? params[P.release].value : params[P.release].buffer[i];
        envCoef = Math.exp(-LN_1000 / ((releaseMs * this.ctx.sampleRate) / 1000));
      }
      if (active === 0) {
        outL[i] = 0;
        outR[i] = 0;
        continue;
      }
      // Interpolate at pos (neighbours clamped to the buffer).
      const n = Math.floor(pos);
      const x = pos - n;
      let im1 = n - 1;
      let i0 = n;
      let i1 = n + 1;
      let i2 = n + 2;
      if (n < 1 || i2 > last) {
        im1 = im1 < 0 ? 0 : im1 > last ? last : im1;
        i0 = i0 < 0 ? 0 : i0 > last ? last : i0;
        i1 = i1 < 0 ? 0 : i1 > last ? last : i1;
        i2 = i2 < 0 ? 0 : i2 > last ? last : i2;
      }
      let yl: number;
      let yr: number;
      if ((interpConstant ? interpValue : interp.buffer[i]) === INTERP_LINEAR) {
        const l0 = L[i0];
        const r0 = R[i0];
        yl = l0 + x * (L[i1] - l0);
        yr = r0 + x * (R[i1] - r0);
      } else {
        const lm = L[im1];
        const l0 = L[i0];
        const l1 = L[i1];
        const l2 = L[i2];
        const lc1 = 0.5 * (l1 - lm);
        const lc2 = lm - 2.5 * l0 + 2 * l1 - 0.5 * l2;
        const lc3 = 0.5 * (l2 - lm) + 1.5 * (l0 - l1);
        yl = ((lc3 * x + lc2) * x + lc1) * x + l0;
        const rm = R[im1];
        const r0 = R[i0];
        const r1 = R[i1];
        const r2 = R[i2];
        const rc1 = 0.5 * (r1 - rm);
        const rc2 = rm - 2.5 * r0 + 2 * r1 - 0.5 * r2;
        const rc3 = 0.5 * (r2 - rm) + 1.5 * (r0 - r1);
        yr = ((rc3 * x + rc2) * x + rc1) * x + r0;
      }
      const g = velocity * env * (levelConstant ? levelValue : level.buffer[i]);
      const a = yl * g;
      const b = yr * g;
      outL[i] = a;
      outR[i] = b;
      check += a * a + b * b;
      // Advance: envelope, then position.
      env *= envCoef;
      if (env < IDLE_LEVEL) {
        active = 0;
        continue;
      }
      let step = step0;
      if (!constantStep) {
        const semis = pitch.isConstant ? pitch.value : pitch.buffer[i];
        const octaves = semis / 12 + (pitchConnected ? pitchIn[i] : 0);
        step = (rate.isConstant ? rate.value : rate.buffer[i]) * Math.pow(2, octaves);
      }
      pos += dir * step;
      if (loop === LOOP_OFF) {
        if (pos >= regionEnd) active = 0;
      } else if (loop === LOOP_FORWARD) {
        const span = regionEnd - regionStart;
        while (pos >= regionEnd) pos -= span;
      } else {
        const top = regionEnd - 1;
        for (let k = 0; k < 8 && (pos > top || pos < regionStart); k++) {
          if (pos > top) {
            pos = 2 * top - pos;
            dir = -1;
          } else {
            pos = 2 * regionStart - pos;
            dir = 1;
          }
        }
        if (pos > top) pos = top;
        else if (pos < regionStart) pos = regionStart;
      }
    }
    st[S_ACTIVE] = active;
    st[S_POS] = pos;
    st[S_DIR] = dir;
    st[S_ENV] = env;
    st[S_ENV_COEF] = envCoef;
    st[S_VELOCITY] = velocity;
    st[S_REGION_START] = regionStart;
    st[S_REGION_END] = regionEnd;
    st[S_LOOP] = loop;
    st[S_MODE] = mode;
    st[S_GATE_PREV] = gatePrev;
    st[S_PENDING] = pending;
    this.outputCheck[0] = check;
  }
}

export const samplerModule = decl.withKernel(SamplerKernel);
