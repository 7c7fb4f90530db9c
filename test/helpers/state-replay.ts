// Offline re-render of a state folder: the base snapshot plus the journal, rendered with the
// same host code the slots use, so the result equals what the live server's slots rendered
// (and, with no underrun, what its sink played) sample for sample.
//
// Used by the failover tests (failover-rig.ts) and the failover bench; the product never
// re-renders a state folder. Threading: any; allocates freely (not for the audio path).

import { createRegistry } from '../../src/dsp/modules/index.js';
import { EngineHost } from '../../src/runtime/engine-host.js';
import { replayJournal } from '../../src/runtime/replay.js';
import { StateStore } from '../../src/runtime/state-store.js';

export interface ReplayedAudio {
  readonly left: Float32Array;
  readonly right: Float32Array;
  /** Engine frame of the first sample. */
  readonly fromFrame: number;
}

/** Renders frames [fromFrame, fromFrame + frames) of the server whose state folder is `dir`. */
export function renderStateDir(dir: string, fromFrame: number, frames: number): ReplayedAudio {
  const loaded = new StateStore(dir).load();
  if (loaded === undefined) throw new Error(`${dir} holds no chronus state`);
  const { base, entries } = loaded;
  const host = EngineHost.fromSnapshot({ sampleRate: base.sampleRate, blockSize: base.blockSize, seed: base.seed }, createRegistry(), base.host);
  if (fromFrame < host.frame) throw new Error(`frame ${fromFrame} is before the state's base (frame ${host.frame})`);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const end = fromFrame + frames;
  const until = Math.ceil(end / base.blockSize) * base.blockSize;
  replayJournal(host, entries, until, (l, r, start) => {
    for (let i = 0; i < l.length; i++) {
      const f = start + i;
      if (f >= fromFrame && f < end) {
        left[f - fromFrame] = l[i]!;
        right[f - fromFrame] = r[i]!;
      }
    }
  });
  return { left, right, fromFrame };
}
