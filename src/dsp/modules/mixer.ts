// mixer: 8-channel mono mixer. out = gain × Σ gain_k·in_k, summed in double precision over
// the CONNECTED inputs only, in input order (unconnected inputs are skipped for speed).

import { Kernel } from '../kernel.js';
import type { ParamSignal } from '../kernel.js';
import { defineModule, type ParamDeclaration } from '../define.js';
import type { PortSpec } from '../spec.js';

const CHANNELS = 8;

const channelGains: ParamDeclaration[] = [];
const channelInputs: PortSpec[] = [];
for (let c = 1; c <= CHANNELS; c++) {
  channelGains.push({ id: `gain${c}`, unit: 'level', min: 0, max: 2, default: 1, smoothingMs: 5, doc: `Gain of input in${c} (1 = unity).` });
  channelInputs.push({ id: `in${c}`, doc: `Input ${c}.` });
}

const decl = defineModule({
  type: 'mixer',
  doc: 'Eight-input mono mixer: out = gain × Σ gainN × inN over the connected inputs.',
  params: [
    ...channelGains,
    { id: 'gain', unit: 'level', min: 0, max: 2, default: 1, smoothingMs: 5, doc: 'Master gain applied to the sum (1 = unity).' },
  ],
  inputs: channelInputs,
  outputs: [{ id: 'out', doc: 'The mix.' }],
  silentInSilentOut: true,
});

/** The master gain's index (the channel gains are params 0 … CHANNELS − 1). */
const PARAM_MASTER = decl.param.gain;

export class MixerKernel extends Kernel {
  readonly state = new Float64Array(0);
  /** Per-call double-precision accumulator (fully rewritten every call: not state). */
  private readonly sum = new Float64Array(this.ctx.maxBlock);

  process(start: number, end: number): void {
    const out = this.io.outputs[0];
    const acc = this.sum;
    const inputs = this.io.inputs;
    const params = this.io.params;
    let first = true;
    for (let c = 0; c < CHANNELS; c++) {
      const port = inputs[c];
      if (!port.connected) continue;
      const x = port.buffer;
      const g = params[c];
      if (g.isConstant) {
        const gv = g.value;
        if (first) for (let i = start; i < end; i++) acc[i] = gv * x[i];
        else for (let i = start; i < end; i++) acc[i] += gv * x[i];
      } else {
        const gb = g.buffer;
        if (first) for (let i = start; i < end; i++) acc[i] = gb[i] * x[i];
        else for (let i = start; i < end; i++) acc[i] += gb[i] * x[i];
      }
      first = false;
    }
    if (first) {
      out.fill(0, start, end);
      return;
    }
    applyMaster(out, acc, params[PARAM_MASTER], start, end);
  }
}

function applyMaster(out: Float32Array, acc: Float64Array, master: ParamSignal, start: number, end: number): void {
  if (master.isConstant) {
    const m = master.value;
    for (let i = start; i < end; i++) out[i] = m * acc[i];
  } else {
    const mb = master.buffer;
    for (let i = start; i < end; i++) out[i] = mb[i] * acc[i];
  }
}

export const mixerModule = decl.withKernel(MixerKernel);
