// A short-lived worker that reads, decodes and resamples one sample file (sample-file.ts), so
// the main thread keeps answering OSC while a long file is converted. Posts back the decoded
// sample (its SharedArrayBuffer is shared, not copied) or an error code.

import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { SampleFileError, decodeSample } from '../io/sample-file.js';

const { path, rate } = workerData as { path: string; rate: number };
try {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SampleFileError('E_NOT_FOUND', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  parentPort!.postMessage({ ok: true, sample: await decodeSample(bytes, rate) });
} catch (error) {
  const code = error instanceof SampleFileError ? error.code : 'E_UNSUPPORTED_FORMAT';
  parentPort!.postMessage({ ok: false, code, message: (error as Error).message });
}
