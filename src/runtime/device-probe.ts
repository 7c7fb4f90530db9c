// Decides, before the server starts, whether the sound-card sink can work: runs
// device-probe-child.js in a separate process (so ALSA's stderr chatter, RtAudio's
// process-wide state and any native crash stay out of the server) and returns its verdict.
//
// Threading: main thread (serve-command), once at start-up; async, never throws.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProbeRequest {
  readonly sampleRate: number;
  readonly blockSize: number;
  /** RtAudio device id, or -1 for the default output device. */
  readonly deviceId: number;
}

export type ProbeResult =
  | { readonly ok: true; readonly deviceId: number; readonly deviceName: string; readonly api: string }
  | {
    readonly ok: false;
    /** no-audify: not installed or not loadable; no-device: no (such) output device; open-failed: it would not open as asked. */
    readonly kind: 'no-audify' | 'no-device' | 'open-failed' | 'probe-failed';
    readonly reason: string;
  };

const PROBE_TIMEOUT_MS = 15000;

export function probeDevice(request: ProbeRequest): Promise<ProbeResult> {
  const child = fileURLToPath(new URL('./device-probe-child.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [child, JSON.stringify(request)], { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const result = JSON.parse(line) as ProbeResult;
        if (typeof result.ok === 'boolean') {
          resolve(result);
          return;
        }
      } catch {
        // fall through: no verdict
      }
      const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').pop();
      const why = error === null ? 'it printed no verdict' : error.killed ? `it timed out after ${PROBE_TIMEOUT_MS} ms` : `it failed: ${error.message.split('\n')[0]}`;
      resolve({ ok: false, kind: 'probe-failed', reason: `the sound-card probe gave no answer (${why})${last === undefined ? '' : `; last message: ${last}`}` });
    });
  });
}
