// vca: voltage-controlled amplifier. out = in × gain (× cv when the cv input is connected).
// `gain` takes modulation connections (e.g. an envelope into `vca.gain`).

import { Kernel } from '../kernel.js';
import type { ModuleDefinition } from '../kernel.js';
import type { ModuleSpec } from '../spec.js';

export const vcaSpec: ModuleSpec = {
  type: 'vca',
  doc: 'Amplifier: out = in × gain, multiplied by the `cv` input when it is connected.',
  params: [
    { id: 'gain', unit: 'level', min: 0, max: 4, default: 1, smoothingMs: 5, scale: 'linear', aliases: ['amp', 'level'], doc: 'Gain factor (1 = unity).' },
  ],
  inputs: [
    { id: 'in', doc: 'Audio to amplify.' },
    { id: 'cv', doc: 'Control signal multiplied into the gain (e.g. an envelope or LFO).' },
  ],
  outputs: [{ id: 'out', doc: 'Amplified audio.' }],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: true,
};

const PARAM_GAIN = 0;
const INPUT_IN = 0;
const INPUT_CV = 1;

export class VcaKernel extends Kernel {
  readonly state = new Float64Array(0);

  process(start: number, end: number): void {
    const out = this.io.outputs[0];
    const input = this.io.inputs[INPUT_IN].buffer;
    const cvPort = this.io.inputs[INPUT_CV];
    const gain = this.io.params[PARAM_GAIN];
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

export const vcaModule: ModuleDefinition = { spec: vcaSpec, kernel: VcaKernel };
