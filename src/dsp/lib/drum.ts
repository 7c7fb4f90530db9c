// The part every drum voice (kick, snare, hat, clap) shares: hits from `/gate` and from the `trig`
// input, velocity, choke, and the idle state that makes a silent drum cost almost nothing.
//
// Contract for the subclasses:
// - A hit starts on one exact sample i: `hit(i)` reads the velocity from state[D_VELOCITY] and the
//   params at sample i (a hit's sound is fixed when it starts: params are latched per hit, except
//   those a voice documents as read per sample), sets state[D_ACTIVE] = 1 and restarts the voice.
//   The first sample of the hit is sample i itself.
// - `render(from, to)` is called only while state[D_ACTIVE] is 1; it writes out[from, to), adds
//   the sum of the squares of what it wrote to outputCheck[0] and, on the sample where the voice
//   has decayed to silence (every envelope and the choke gain below IDLE_LEVEL: its output would
//   be below −120 dBFS), sets state[D_ACTIVE] = 0 and writes exact zeros from the next sample on.
//   Silence is decided per sample from the state alone, never from where a block ends, so the
//   output is bit-identical however the timeline is cut. An idle drum writes zeros (a fill) and
//   scans its connected `trig` input for edges: that is all it costs.
// - Gate on (velocity v in (0, 1]) is a hit at the next rendered sample, exactly as a `trig`
//   rising edge on that sample (same velocity, same sound). Gate off is ignored (drums are
//   one-shots). Two hits on one sample are one hit (the later velocity wins).
// - choke(): the voice fades out with a T60 of CHOKE_T60_MS (−60 dB 3 ms after the choke, within
//   the 5 ms that Kernel.choke allows): the subclass multiplies its output by the choke gain
//   state[D_CHOKE_GAIN], which is multiplied by state[D_CHOKE_COEF] every sample (1 until
//   choked). A choke cancels a hit gated at the same frame that has not started yet (the engine
//   chokes group members when another one is gated: the later gate wins), and a hit ends a choke.
//
// Render thread (constructor: patch-apply time). No allocation; no double crosses a call
// (hit and render take sample indices; velocities travel through `state`).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { scanRisingEdge } from './trigger.js';

/** Below this (−120 dB) an envelope or choke gain counts as silent. */
export const IDLE_LEVEL = 1e-6;
/** Fade-out time of a choked voice: −60 dB after this many ms. */
export const CHOKE_T60_MS = 3;
/** ln(1000): a T60 of n samples is a per-sample factor exp(−LN_1000 / n). */
export const LN_1000 = Math.log(1000);

// State slots shared by every drum; a voice's own slots start at DRUM_STATE_BASE.
/** Last sample of the trig input (edge detection across calls). */
export const D_TRIG_PREV = 0;
/** Velocity of the hit being started (from gate() or the trig edge). */
export const D_VELOCITY = 1;
/** 1 when gate() asked for a hit at the next rendered sample. */
export const D_PENDING = 2;
/** 1 while the voice sounds; 0 when idle (output exact zeros). */
export const D_ACTIVE = 3;
/** Choke gain (1 until choked) and its per-sample factor (1, or the choke fade's). */
export const D_CHOKE_GAIN = 4;
export const D_CHOKE_COEF = 5;
export const DRUM_STATE_BASE = 8;

export abstract class DrumKernel extends Kernel {
  /** Per-sample factor of the choke fade (T60 = CHOKE_T60_MS). */
  protected readonly chokeCoef: number;

  constructor(
    ctx: KernelContext,
    io: KernelIo,
    /** Index of the `trig` input. */
    private readonly trigInput: number,
    /** Index of the (mono) output. */
    private readonly output: number,
  ) {
    super(ctx, io);
    this.chokeCoef = Math.exp(-LN_1000 / ((CHOKE_T60_MS * ctx.sampleRate) / 1000));
  }

  /** Starts a hit on sample i (see the header). */
  protected abstract hit(i: number): void;

  /** Renders the sounding voice over [from, to) (see the header). */
  protected abstract render(from: number, to: number): void;

  override gate(on: boolean, velocity = 1): void {
    if (!on) return;
    const st = this.state;
    st[D_VELOCITY] = velocity > 0 ? (velocity < 1 ? velocity : 1) : 1;
    st[D_PENDING] = 1;
  }

  override choke(): void {
    const st = this.state;
    st[D_PENDING] = 0;
    if (st[D_ACTIVE] !== 0) st[D_CHOKE_COEF] = this.chokeCoef;
  }

  /** Call from a subclass `hit`: the voice sounds from sample i at full choke gain. */
  protected startVoice(): void {
    const st = this.state;
    st[D_ACTIVE] = 1;
    st[D_CHOKE_GAIN] = 1;
    st[D_CHOKE_COEF] = 1;
  }

  process(start: number, end: number): void {
    this.outputCheck[0] = 0;
    const st = this.state;
    if (st[D_PENDING] !== 0) {
      st[D_PENDING] = 0;
      this.hit(start);
    }
    const trig = this.io.inputs[this.trigInput];
    if (!trig.connected) {
      // An unconnected input reads zeros: no edges, and the last sample seen is 0.
      st[D_TRIG_PREV] = 0;
      this.span(start, end);
      return;
    }
    const input = trig.buffer;
    let i = start;
    let edge = scanRisingEdge(input, st, D_TRIG_PREV, D_VELOCITY, start, end);
    for (;;) {
      if (edge > i) this.span(i, edge);
      if (edge >= end) return;
      this.hit(edge);
      i = edge;
      edge = scanRisingEdge(input, st, D_TRIG_PREV, D_VELOCITY, edge + 1, end);
    }
  }

  private span(from: number, to: number): void {
    if (this.state[D_ACTIVE] !== 0) this.render(from, to);
    else this.io.outputs[this.output].fill(0, from, to);
  }
}
