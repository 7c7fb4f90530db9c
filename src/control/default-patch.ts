// The patch a server starts with when none is given: the old system's default chain, so
// `/gate/adsr1 1` makes a sound right away and its clients work unchanged.

import { PATCH_FORMAT, PATCH_VERSION, type PatchDocument } from '../patch/document.js';

export function defaultPatch(): PatchDocument {
  return {
    format: PATCH_FORMAT,
    version: PATCH_VERSION,
    modules: [
      { id: 'sine1', type: 'osc', params: { waveform: 'sine', freq: 440, gain: 0.25 } },
      { id: 'adsr1', type: 'adsr', params: { attack: 10, decay: 100, sustain: 0.7, release: 100 } },
      { id: 'filter1', type: 'filter', params: { mode: 'lp', cutoff: 2000, q: 1 } },
    ],
    connections: [
      { from: 'sine1', to: 'adsr1' },
      { from: 'adsr1', to: 'filter1' },
      { from: 'filter1', to: 'out' },
    ],
  };
}
