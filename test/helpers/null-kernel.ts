// A kernel that does nothing: for tests of specs, registries and validation, where no audio runs.

import { Kernel } from '../../src/dsp/kernel.js';

export class NullKernel extends Kernel {
  readonly state = new Float64Array(0);
  process(): void {}
}
