// Allocation probe for the audio path: a GC observer plus heap growth around a loop that
// must not allocate. V8's gc() is exposed at run time so each probe starts from a clean heap.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** Below this, heap growth over the measured loop is JIT bookkeeping, not per-block garbage. */
export const HEAP_GROWTH_LIMIT = 512 * 1024;


setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

/**
 * Runs `body` `iterations` times after a warm-up and returns the number of garbage collections
 * that started while the measured loop ran, and the heap growth across it. Collections outside
 * the loop's time window (the test runner's own work while we await) are not counted.
 */
export async function allocationProbe(body: () => void, iterations: number): Promise<{ collections: number; heapGrowth: number }> {
  for (let i = 0; i < 20000; i++) body(); // warm-up: let the JIT optimise
  await new Promise((r) => setTimeout(r, 50));
  const gcStarts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  forceGc();
  const before = process.memoryUsage().heapUsed;
  const loopStart = performance.now();
  for (let i = 0; i < iterations; i++) body();
  const loopEnd = performance.now();
  const heapGrowth = process.memoryUsage().heapUsed - before;
  await new Promise((r) => setTimeout(r, 50)); // GC entries are delivered asynchronously
  observer.disconnect();
  const collections = gcStarts.filter((t) => t >= loopStart && t <= loopEnd).length;
  return { collections, heapGrowth };
}
