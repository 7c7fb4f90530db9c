// vca: voltage-controlled amplifier. out = in × gain (× cv when the cv input is connected).
// `gain` takes modulation connections (e.g. an envelope into `vca.gain`).

import { Kernel } from '../kernel.js';
import { defineModule } from '../define.js';

const decl = defineModule({
  type: 'vca',
  doc: 'Amplifier: out = in × gain, multiplied by the `cv` input when it is connected.',
  params: [
    { id: 'gain', unit: 'level', min: 0, max: 4, default: 1, smoothingMs: 5, aliases: ['amp', 'level'], doc: 'Gain factor (1 = unity).' },
  ],
  inputs: [
    { id: 'in', doc: 'Audio to amplify.' },
    { id: 'cv', doc: 'Control signal multiplied into the gain (e.g. an envelope or LFO).' },
  ],
  outputs: [{ id: 'out', doc: 'Amplified audio.' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;

export class VcaKernel extends Kernel {
  readonly state = new Float64Array(0);

  process(start: number, end: number): void {
    const out = this.io.outputs[0];
    const input = this.io.inputs[IN.in].buffer;
    const cvPort = this.io.inputs[IN.cv];
    const gain = this.io.params[P.gain];
    const gainBuffer = gain.buffer;
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    if (cvPort.connected) {
      const cv = cvPort.buffer;
      for (let i = start; i < end; i++) out[i] = input[i] * (gainConstant ? gainValue : gainBuffer[i]) * cv[i];
    } else {
      for (let i = start; i < end; i++) out[i] = input[i] * (gainConstant ? gainValue : gainBuffer[i]);
    }
  }
}

export const vcaModule = decl.withKernel(VcaKernel);
