// Every built-in module, registered in one place: one line per module. Both the main thread and
// the render threads call `createRegistry()`, so they agree on specs. Batch (SIMD) kernels are
// attached by type name in src/engine/batch-registry.ts, not here.

import type { ModuleDefinition } from '../kernel.js';
import { ModuleRegistry } from '../registry.js';
import { acidModule } from './acid.js';
import { adsrModule } from './adsr.js';
import { chorusModule } from './chorus.js';
import { clockdivModule } from './clockdiv.js';
import { clapModule } from './clap.js';
import { compModule } from './comp.js';
import { crushModule } from './crush.js';
import { delayModule } from './delay.js';
import { driveModule } from './drive.js';
import { eqModule } from './eq.js';
import { filterModule } from './filter.js';
import { flangerModule } from './flanger.js';
import { fmModule } from './fm.js';
import { followerModule } from './follower.js';
import { glideModule } from './glide.js';
import { hatModule } from './hat.js';
import { kickModule } from './kick.js';
import { ladderModule } from './ladder.js';
import { lfoModule } from './lfo.js';
import { limiterModule } from './limiter.js';
import { mixerModule } from './mixer.js';
import { noiseModule } from './noise.js';
import { oscModule } from './osc.js';
import { outModule } from './out.js';
import { panModule } from './pan.js';
import { phaserModule } from './phaser.js';
import { pluckModule } from './pluck.js';
import { quantModule } from './quant.js';
import { ringmodModule } from './ringmod.js';
import { reverbModule } from './reverb.js';
import { shModule } from './sh.js';
import { snareModule } from './snare.js';
import { supersawModule } from './supersaw.js';
import { vcaModule } from './vca.js';
import { wavetableModule } from './wavetable.js';
import { samplerModule } from './sampler.js';

export const BUILT_IN_MODULES: readonly ModuleDefinition[] = [
  oscModule,
  noiseModule,
  lfoModule,
  adsrModule,
  filterModule,
  mixerModule,
  vcaModule,
  outModule,
  compModule,
  limiterModule,
  delayModule,
  chorusModule,
  flangerModule,
  phaserModule,
  driveModule,
  crushModule,
  eqModule,
  panModule,
  ringmodModule,
  reverbModule,
  kickModule,
  snareModule,
  hatModule,
  clapModule,
  ladderModule,
  acidModule,
  supersawModule,
  fmModule,
  pluckModule,
  wavetableModule,
  glideModule,
  shModule,
  quantModule,
  clockdivModule,
  followerModule,
  samplerModule,
];

export function createRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const m of BUILT_IN_MODULES) registry.register(m);
  // Type names of the old Python system, kept so its clients and patches still work.
  registry.registerAlias({ alias: 'simple_sine', type: 'osc', defaults: { waveform: 0 }, doc: 'The old API\'s sine oscillator: an `osc` with waveform sine.' });
  registry.registerAlias({ alias: 'biquad_filter', type: 'filter', defaults: {}, doc: 'The old API\'s filter: a `filter` (same modes 0 lp, 1 hp, 2 bp).' });
  return registry;
}
