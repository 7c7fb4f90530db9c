// clockdiv: clock divider and multiplier. Pulses out at mult/div times the rate of the clock in.
//
// Sources: the modular clock divider (a counter reset every N edges, as the CD4017/CD4520
// counters of Doepfer's A-160 divider; its reset input restarts the count) and the clock
// multiplier that measures the incoming period and subdivides it (Doepfer A-160-5 / A-163 style:
// "measures the time between two clock pulses and outputs N evenly spaced pulses in that time").
// Edges follow spec.ts VOICE_PORTS and lib/trigger.ts: a sample > 0 after one ≤ 0 is a rising
// edge on that exact sample.
//
// Contract (D = round(div) in 1–32, M = round(mult) in 1–8, read at each clock edge; W = the
// pulse width in samples, max(1, round(width·fs/1000)), read at each pulse):
// - Division: clock edges are counted 0, 1, …, D − 1, 0, …; an edge counted 0 starts an output
//   pulse on its own sample (so ÷D pulses on the 1st, (D+1)th, (2D+1)th… edge). The first edge
//   after construction, reset or a `reset` edge is counted 0.
// - Reset: a rising edge on `reset` at sample n sets the count to 0 and cancels the pulses still
//   due from a multiplication; it acts before a clock edge on the same sample, so that clock
//   edge pulses (a reset and a clock on one sample restart the pattern on that sample).
// - Multiplication: the clock period P is the number of samples between the last two clock
//   edges. An edge counted 0 with P known starts a group: M pulses at its sample plus
//   round(k·D·P/M) samples, k = 0 … M − 1 (evenly spaced within ½ sample over the D clock
//   periods the group spans). First period: until two edges have been seen P is unknown and
//   only the edge pulses (k = 0) are output. The next edge counted 0, or a reset, ends a group:
//   pulses not yet due are dropped (a clock that speeds up is followed from its next period).
// - Pulses: the output is 1 for W samples from a pulse's sample, else 0 (a gate for `trig` and
//   `gate` inputs: its first sample is a rising edge). Once P is known, W is limited to half
//   the output period (D·P/M / 2, at least 1 sample) so that consecutive pulses stay apart; a
//   pulse that starts while the output is still high (a clock far faster than measured)
//   extends it without a new edge.
// Silence in, silence out: without clock edges there are no pulses.
//
// Render thread; no allocation. process() runs one per-sample loop on doubles in locals.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';

const decl = defineModule({
  type: 'clockdiv',
  doc:
    'Clock divider / multiplier: pulses at mult/div × the rate of the `trig` clock. ÷div: a pulse on the 1st, ' +
    '(div+1)th, … clock edge (on the edge\'s sample). ×mult: mult pulses evenly spaced (within ½ sample) over div clock ' +
    'periods, from the period measured between the last two clock edges (until two edges have been seen, only the edge ' +
    'pulses). A `reset` edge restarts the count (a clock edge on the same sample pulses). Pulses are `width` ms of 1 (at ' +
    'most half the output period).',
  params: [
    { id: 'div', unit: 'ratio', min: 1, max: 32, default: 2, smoothingMs: 0, doc: 'Divide the clock by this (rounded to an integer): a pulse every div clock edges.' },
    { id: 'mult', unit: 'ratio', min: 1, max: 8, default: 1, smoothingMs: 0, doc: 'Multiply the clock by this (rounded to an integer): mult pulses per div clock periods.' },
    { id: 'width', unit: 'ms', min: 0, max: 1000, default: 5, smoothingMs: 0, doc: 'Pulse length (at least 1 sample, at most half the output period once it is known).' },
  ],
  inputs: [
    { id: 'trig', doc: 'Clock: each rising edge (a sample > 0 after one ≤ 0) is a clock tick on that sample.' },
    { id: 'reset', doc: 'A rising edge restarts the count: the next clock edge (or one on the same sample) pulses.' },
  ],
  outputs: [{ id: 'out', doc: 'Pulses of 1 (else 0), rising on the exact sample; for `trig`/`gate` inputs.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const S_TRIG_PREV = 0;
const S_RESET_PREV = 1;
const S_COUNT = 2; // edges counted since the last pulse edge (0 … D − 1)
const S_SINCE = 3; // samples since the last clock edge
const S_PERIOD = 4; // last measured clock period in samples (0: unknown)
const S_SEEN = 5; // 1 once a clock edge has been seen
const S_HIGH_LEFT = 6; // output samples still high
const S_GROUP_POS = 7; // samples since the group's edge
const S_SPACING = 8; // D·P/M
const S_NEXT_K = 9; // next pulse index k of the group
const S_SUBS_LEFT = 10; // pulses of the group still due
const STATE_SIZE = 11;

export class ClockdivKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.samplesPerMs = ctx.sampleRate / 1000;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const trigPort = this.io.inputs[IN.trig];
    const resetPort = this.io.inputs[IN.reset];
    const trig = trigPort.buffer;
    const reset = resetPort.buffer;
    const trigConnected = trigPort.connected;
    const resetConnected = resetPort.connected;
    const out = this.io.outputs[OUT.out];
    const p = this.io.params;
    const divP = p[P.div];
    const multP = p[P.mult];
    const widthP = p[P.width];
    const samplesPerMs = this.samplesPerMs;
    let trigPrev = st[S_TRIG_PREV];
    let resetPrev = st[S_RESET_PREV];
    let count = st[S_COUNT];
    let since = st[S_SINCE];
    let period = st[S_PERIOD];
    let seen = st[S_SEEN];
    let highLeft = st[S_HIGH_LEFT];
    let groupPos = st[S_GROUP_POS];
    let spacing = st[S_SPACING];
    let k = st[S_NEXT_K];
    let subsLeft = st[S_SUBS_LEFT];
    let sq = 0;
    for (let i = start; i < end; i++) {
      const r = resetConnected ? reset[i] : 0;
      if (r > 0 && resetPrev <= 0) {
        count = 0;
        subsLeft = 0;
      }
      resetPrev = r;
      const t = trigConnected ? trig[i] : 0;
      const edge = t > 0 && trigPrev <= 0;
      trigPrev = t;
      since++;
      groupPos++;
      let pulse = false;
      if (edge) {
        if (seen !== 0) period = since;
        seen = 1;
        since = 0;
        const dv = Math.floor((divP.isConstant ? divP.value : divP.buffer[i]) + 0.5);
        const div = dv > 1 ? (dv < 32 ? dv : 32) : 1;
        if (count >= div) count = 0;
        if (count === 0) {
          pulse = true;
          const mv = Math.floor((multP.isConstant ? multP.value : multP.buffer[i]) + 0.5);
          const mult = mv > 1 ? (mv < 8 ? mv : 8) : 1;
          subsLeft = 0;
          if (period > 0) {
            spacing = (div * period) / mult;
            subsLeft = mult - 1;
            groupPos = 0;
            k = 1;
          }
        }
        count++;
        if (count >= div) count = 0;
      }
      // A pulse of the group (also on the sample of a clock edge that is not counted 0).
      if (!pulse && subsLeft > 0 && groupPos >= Math.floor(k * spacing + 0.5)) {
        pulse = true;
        k++;
        subsLeft--;
      }
      if (pulse) {
        const w = Math.floor((widthP.isConstant ? widthP.value : widthP.buffer[i]) * samplesPerMs + 0.5);
        const half = Math.floor(spacing / 2);
        const limit = period > 0 ? (half > 1 ? half : 1) : w;
        const len = w < limit ? w : limit;
        highLeft = len > 1 ? len : 1;
      }
      let y = 0;
      if (highLeft > 0) {
        y = 1;
        highLeft--;
      }
      out[i] = y;
      sq += y;
    }
    st[S_TRIG_PREV] = trigPrev;
    st[S_RESET_PREV] = resetPrev;
    st[S_COUNT] = count;
    st[S_SINCE] = since;
    st[S_PERIOD] = period;
    st[S_SEEN] = seen;
    st[S_HIGH_LEFT] = highLeft;
    st[S_GROUP_POS] = groupPos;
    st[S_SPACING] = spacing;
    st[S_NEXT_K] = k;
    st[S_SUBS_LEFT] = subsLeft;
    this.outputCheck[0] = sq;
  }
}

export const clockdivModule = decl.withKernel(ClockdivKernel);
