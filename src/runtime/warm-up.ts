// JIT warm-up for a spare slot worker: renders a throwaway patch holding one module of every
// registered type (oscillators in every waveform, gates toggling) so that when the spare is
// adopted its first blocks run optimised code instead of the interpreter. Measured: a cold
// engine renders its first few hundred blocks many times slower than a warm one, which was most
// of a rejoin's catch-up time.
//
// Threading: the spare worker, before adoption (nothing else runs on it). Allocates freely.

import type { ModuleRegistry } from '../dsp/registry.js';
import { CMD_GATE, applyCommand } from './engine-command.js';
import { PATCH_FORMAT, PATCH_VERSION, MASTER_ID, type PatchDocument } from '../patch/document.js';
import { EngineHost, type HostSettings } from './engine-host.js';

/** Renders `blocks` blocks of a patch using every module type once per waveform/shape variant. */
export function warmUp(settings: HostSettings, registry: ModuleRegistry, blocks: number): void {
  const modules: PatchDocument['modules'] = [];
  const connections: PatchDocument['connections'] = [];
  for (const spec of registry.specs()) {
    if (spec.type === MASTER_ID) continue;
    // Every label of the first enum param (waveforms, shapes, modes, colours), each as a module.
    const choice = spec.params.find((p) => p.unit === 'enum');
    const variants = choice?.labels?.length ?? 1;
    for (let v = 0; v < variants; v++) {
      const id = `w_${spec.type}_${v}`;
      modules.push({ id, type: spec.type, params: choice === undefined ? {} : { [choice.id]: v } });
      if (spec.outputs.length > 0) connections.push({ from: id, to: MASTER_ID, amount: 0.01 });
    }
  }
  const doc: PatchDocument = { format: PATCH_FORMAT, version: PATCH_VERSION, modules, connections };
  const handles = modules.map((m, i): [string, number] => [m.id, i + 1]);
  let host: EngineHost;
  try {
    host = EngineHost.fresh(settings, registry, { doc, handles, crossfadeFrames: 0 });
  } catch {
    return; // a patch the registry refuses (a module that needs an input): no warm-up, no harm
  }
  const block = settings.blockSize;
  const left = new Float32Array(block);
  const right = new Float32Array(block);
  for (let b = 0; b < blocks; b++) {
    const frame = b * block + (b % 7) * 3;
    for (let h = 1; h <= handles.length; h++) {
      if (b % 16 === 0) applyCommand(host, frame, CMD_GATE, h, 0, (b >> 4) % 2, 0, undefined, undefined);
    }
    host.renderBlock(left, right, block);
  }
}
