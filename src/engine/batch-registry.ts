// The SIMD batch kernels, attached to module types by name (src/dsp/batch.ts has the calling
// convention). A module file never imports its batch kernel: the JS kernel is the
// specification, and a batch kernel is added only where `npm run bench -- engine` shows the type
// costs a real share of a workload (docs/authoring-modules.md, docs/batch-kernels.md).
//
// Threading: read when a render thread compiles a plan (patch-apply time).

import type { BatchFactory } from '../dsp/batch.js';
import { createAdsrBatch } from '../dsp/modules/adsr-batch.js';
import { createFilterBatch } from '../dsp/modules/filter-batch.js';
import { createLfoBatch } from '../dsp/modules/lfo-batch.js';
import { createOscBatch } from '../dsp/modules/osc-batch.js';

const BATCH_KERNELS: ReadonlyMap<string, BatchFactory> = new Map([
  ['osc', createOscBatch],
  ['lfo', createLfoBatch],
  ['adsr', createAdsrBatch],
  ['filter', createFilterBatch],
]);

/** The batch kernel factory of a module type (its spec's `type`), if it has one. */
export function batchFactoryFor(type: string): BatchFactory | undefined {
  return BATCH_KERNELS.get(type);
}

/** The types that have a batch kernel (status reports, tests). */
export function batchedTypes(): string[] {
  return [...BATCH_KERNELS.keys()];
}
