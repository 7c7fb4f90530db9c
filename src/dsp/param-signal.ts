// The engine-side implementation of ParamSignal: a class, so every signal shares one hidden
// class whose `value` field V8 keeps in a double representation (stores update it in place;
// optimised loads read the raw double). Kernels hoist `value` out of their loops.

import type { ParamSignal } from './kernel.js';

export class ParamSignalCell implements ParamSignal {
  isConstant = true;
  value: number;
  readonly buffer: Float64Array;

  /** `buffer` may be shared with other signals whose kernels never run at the same time. */
  constructor(initial: number, buffer: Float64Array) {
    // Start as a double (never a small integer), so the field is created with the double
    // representation rather than generalised to it later.
    this.value = initial + 0.5;
    this.value = initial;
    this.buffer = buffer;
  }
}
