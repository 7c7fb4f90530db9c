// Loads one sample file off the main thread (sample-loader-worker.ts): the main thread only
// waits for the message. Threading: main thread; allocates.

import { Worker } from 'node:worker_threads';
import type { DecodedSample, SampleErrorCode } from '../io/sample-file.js';

export type LoadedSample = { readonly ok: true; readonly sample: DecodedSample } | { readonly ok: false; readonly code: SampleErrorCode; readonly message: string };

/** Reads, decodes and resamples `path` to `rate` in a worker. Never rejects. */
export function loadSampleFile(path: string, rate: number): Promise<LoadedSample> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./sample-loader-worker.js', import.meta.url), { workerData: { path, rate } });
    let settled = false;
    const settle = (result: LoadedSample): void => {
      if (settled) return;
      settled = true;
      resolve(result);
      void worker.terminate();
    };
    worker.once('message', (m: LoadedSample) => settle(m));
    worker.once('error', (error) => settle({ ok: false, code: 'E_UNSUPPORTED_FORMAT', message: `decoder failed: ${error.message}` }));
    worker.once('exit', () => settle({ ok: false, code: 'E_UNSUPPORTED_FORMAT', message: 'decoder ended without an answer' }));
  });
}
