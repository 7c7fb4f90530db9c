// pan: places a mono input in the stereo field, or balances a stereo input.
//
// Mono `in` (equal-power pan, the sine/cosine law of C. Roads, "The Computer Music Tutorial",
// 1996, ch. 9 "Sound spatialization"; the same law as `out.pan`):
//   θ = (pos + 1)·π/4,  left = in·cos θ,  right = in·sin θ
//   so gL² + gR² = 1 at every position, centre = cos(π/4) = −3.01 dB per side, hard left /
//   right = exactly (1, 0) / (0, 1) up to the rounding of cos(π/2) ≈ 6e-17.
// Stereo `left`/`right` (balance, as a console's balance control: the side the image moves
// away from is faded, the other side stays at unity, so the centre leaves a stereo signal
// untouched):
//   left  += left_in  · (pos > 0 ? cos(pos·π/2) : 1)
//   right += right_in · (pos < 0 ? cos(−pos·π/2) : 1)
//   i.e. the faded side is −3.01 dB at |pos| = ½ and silent at |pos| = 1.
// Both may be connected: the outputs are the sum of the two. The gains are recomputed only on
// samples where `pos` differs from the previous sample's value.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';

const decl = defineModule({
  type: 'pan',
  doc:
    'Panner: the mono `in` is placed by `pos` with the equal-power sine/cosine law (L² + R² = 1, −3.01 dB per side at centre); ' +
    'a stereo pair on `left`/`right` is balanced (the side moved away from fades by cos(|pos|·π/2), the other stays at unity). ' +
    'Both may be connected; their results are summed.',
  params: [
    { id: 'pos', unit: 'ratio', min: -1, max: 1, default: 0, smoothingMs: 20, aliases: ['pan'], doc: 'Position: −1 left, 0 centre, 1 right.' },
  ],
  inputs: [
    { id: 'in', doc: 'Mono input, panned (the default target: a mono source connected without a port name lands here).' },
    { id: 'left', doc: 'Left side of a stereo input, balanced.' },
    { id: 'right', doc: 'Right side of a stereo input, balanced.' },
  ],
  outputs: [
    { id: 'left', doc: 'Left channel.' },
    { id: 'right', doc: 'Right channel.' },
  ],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const QUARTER_PI = Math.PI / 4;
const HALF_PI = Math.PI / 2;

// State layout: the cached gains and the position they belong to (NaN before the first sample).
const S_POS = 0;
const S_PAN_L = 1;
const S_PAN_R = 2;
const S_BAL_L = 3;
const S_BAL_R = 4;
const STATE_SIZE = 5;

export class PanKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.init();
  }

  protected override init(): void {
    this.state[S_POS] = Number.NaN;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const outL = this.io.outputs[OUT.left];
    const outR = this.io.outputs[OUT.right];
    const mono = this.io.inputs[IN.in];
    const inL = this.io.inputs[IN.left];
    const inR = this.io.inputs[IN.right];
    const monoBuffer = mono.buffer;
    const leftBuffer = inL.buffer;
    const rightBuffer = inR.buffer;
    const useMono = mono.connected;
    const useStereo = inL.connected || inR.connected;
    const posP = this.io.params[P.pos];
    const posConst = posP.isConstant;
    const posValue = posP.value;
    const posBuffer = posP.buffer;
    let last = st[S_POS];
    let panL = st[S_PAN_L];
    let panR = st[S_PAN_R];
    let balL = st[S_BAL_L];
    let balR = st[S_BAL_R];
    let sq = 0; // Kernel.outputCheck
    for (let i = start; i < end; i++) {
      const p = posConst ? posValue : posBuffer[i];
      if (p !== last) {
        last = p;
        const theta = (p + 1) * QUARTER_PI;
        panL = Math.cos(theta);
        panR = Math.sin(theta);
        balL = p > 0 ? Math.cos(p * HALF_PI) : 1;
        balR = p < 0 ? Math.cos(-p * HALF_PI) : 1;
      }
      let l = 0;
      let r = 0;
      if (useMono) {
        const x = monoBuffer[i];
        l = x * panL;
        r = x * panR;
      }
      if (useStereo) {
        l += leftBuffer[i] * balL;
        r += rightBuffer[i] * balR;
      }
      outL[i] = l;
      outR[i] = r;
      sq += l * l + r * r;
    }
    st[S_POS] = last;
    st[S_PAN_L] = panL;
    st[S_PAN_R] = panR;
    st[S_BAL_L] = balL;
    st[S_BAL_R] = balR;
    this.outputCheck[0] = sq;
  }
}

export const panModule = decl.withKernel(PanKernel);
