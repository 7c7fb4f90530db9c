// Every built-in module, registered in one place. Both the main thread and the render threads
// call `createRegistry()`, so they agree on specs.

import type { ModuleDefinition } from '../kernel.js';
import { ModuleRegistry } from '../registry.js';
import { adsrModule } from './adsr.js';
import { createAdsrBatch } from './adsr-batch.js';
import { filterModule } from './filter.js';
import { createFilterBatch } from './filter-batch.js';
import { lfoModule } from './lfo.js';
import { createLfoBatch } from './lfo-batch.js';
import { mixerModule } from './mixer.js';
import { noiseModule } from './noise.js';
import { oscModule } from './osc.js';
import { createOscBatch } from './osc-batch.js';
import { outModule } from './out.js';
import { vcaModule } from './vca.js';

/** The filter with its SIMD batch kernel (filter-batch.ts; kept out of filter.ts to avoid an import cycle). */
const filterWithBatch: ModuleDefinition = { ...filterModule, batch: createFilterBatch };
/** The osc with its SIMD batch kernel (osc-batch.ts). */
const oscWithBatch: ModuleDefinition = { ...oscModule, batch: createOscBatch };
/** The lfo with its SIMD batch kernel (lfo-batch.ts). */
const lfoWithBatch: ModuleDefinition = { ...lfoModule, batch: createLfoBatch };
/** The adsr with its SIMD batch kernel (adsr-batch.ts). */
const adsrWithBatch: ModuleDefinition = { ...adsrModule, batch: createAdsrBatch };

export const BUILT_IN_MODULES: readonly ModuleDefinition[] = [
  oscWithBatch, noiseModule, lfoWithBatch, adsrWithBatch, filterWithBatch, mixerModule, vcaModule, outModule,
];

export function createRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const m of BUILT_IN_MODULES) registry.register(m.spec, m.kernel, m.batch);
  // Type names of the old Python system, kept so its clients and patches still work.
  registry.registerAlias({ alias: 'simple_sine', type: 'osc', defaults: { waveform: 0 }, doc: 'The old API\'s sine oscillator: an `osc` with waveform sine.' });
  registry.registerAlias({ alias: 'biquad_filter', type: 'filter', defaults: {}, doc: 'The old API\'s filter: a `filter` (same modes 0 lp, 1 hp, 2 bp).' });
  return registry;
}
