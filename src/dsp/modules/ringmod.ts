// ringmod: ring modulation, the product of the input and a carrier, mono.
//
//   wet = in · carrier,  out = (1 − mix)·in + mix·wet
// For in = A·sin(2πf1·t) and carrier = B·sin(2πf2·t) the product is
//   (A·B/2)·[cos(2π(f1 − f2)t) − cos(2π(f1 + f2)t)]:
// the sum and difference frequencies at half the product amplitude (−6.02 dB each) and no
// trace of f1 or f2 (the ideal balanced modulator; U. Zölzer (ed.), "DAFX: Digital Audio
// Effects", 2nd ed. 2011, ch. 3 "Modulators and demodulators", ring modulation).
// The carrier is the `carrier` input when it is connected, otherwise an internal unit sine at
// `freq` (phase accumulator in state, advanced only while the internal carrier is in use;
// sin(2π·phase) by the polynomial of lib/fast-math.ts, sinTurnsApprox, written out: absolute
// error < 1e-11, i.e. its harmonics lie below −200 dB).

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';
import {
  SIN_S3 as LIB_S3, SIN_S5 as LIB_S5, SIN_S7 as LIB_S7, SIN_S9 as LIB_S9, SIN_S11 as LIB_S11, SIN_S13 as LIB_S13, SIN_S15 as LIB_S15,
} from '../lib/fast-math.js';

const decl = defineModule({
  type: 'ringmod',
  doc:
    'Ring modulator: in × carrier (sum and difference frequencies, −6.02 dB each, no carrier leak). The carrier is the `carrier` ' +
    'input when connected, else an internal sine at `freq`. Mono.',
  params: [
    { id: 'freq', unit: 'Hz', min: 0.1, max: 20000, default: 440, smoothingMs: 5, scale: 'exp', aliases: ['frequency'], doc: 'Frequency of the internal sine carrier (used while `carrier` is unconnected).' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 1, smoothingMs: 20, doc: 'Dry/wet: 0 = dry only, 1 = product only.' },
  ],
  inputs: [
    { id: 'in', doc: 'Audio to modulate.' },
    { id: 'carrier', doc: 'Carrier multiplied into `in`; when unconnected, an internal unit sine at `freq`.' },
  ],
  outputs: [{ id: 'out', doc: 'Ring-modulated audio.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

// lib/fast-math.ts constants as module-local bindings (V8 folds those in hot code, not imports).
const SIN_S3 = LIB_S3;
const SIN_S5 = LIB_S5;
const SIN_S7 = LIB_S7;
const SIN_S9 = LIB_S9;
const SIN_S11 = LIB_S11;
const SIN_S13 = LIB_S13;
const SIN_S15 = LIB_S15;
const TWO_PI = 2 * Math.PI;

const S_PHASE = 0; // internal carrier phase in [0, 1)
const STATE_SIZE = 1;

export class RingmodKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly invSampleRate = 1 / this.ctx.sampleRate;

  process(start: number, end: number): void {
    const out = this.io.outputs[OUT.out];
    const input = this.io.inputs[IN.in].buffer;
    const carrierPort = this.io.inputs[IN.carrier];
    const mixP = this.io.params[P.mix];
    const mixConst = mixP.isConstant;
    const mixValue = mixP.value;
    const mixBuffer = mixP.buffer;
    let sq = 0; // Kernel.outputCheck
    if (carrierPort.connected) {
      const carrier = carrierPort.buffer;
      for (let i = start; i < end; i++) {
        const x = input[i];
        const m = mixConst ? mixValue : mixBuffer[i];
        const y = (1 - m) * x + m * (x * carrier[i]);
        out[i] = y;
        sq += y * y;
      }
      this.outputCheck[0] = sq;
      return;
    }
    const st = this.state;
    const freqP = this.io.params[P.freq];
    const freqConst = freqP.isConstant;
    const freqValue = freqP.value;
    const freqBuffer = freqP.buffer;
    const inv = this.invSampleRate;
    let phase = st[S_PHASE];
    for (let i = start; i < end; i++) {
      // sin(2π·phase): sinTurnsApprox (lib/fast-math.ts) written out.
      let r = phase - Math.round(phase);
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      const t = TWO_PI * r;
      const t2 = t * t;
      const c = t * (1 + t2 * (SIN_S3 + t2 * (SIN_S5 + t2 * (SIN_S7 + t2 * (SIN_S9 + t2 * (SIN_S11 + t2 * (SIN_S13 + t2 * SIN_S15)))))));
      phase += (freqConst ? freqValue : freqBuffer[i]) * inv;
      if (phase >= 1) phase -= Math.floor(phase);
      const x = input[i];
      const m = mixConst ? mixValue : mixBuffer[i];
      const y = (1 - m) * x + m * (x * c);
      out[i] = y;
      sq += y * y;
    }
    st[S_PHASE] = phase;
    this.outputCheck[0] = sq;
  }
}

export const ringmodModule = decl.withKernel(RingmodKernel);
