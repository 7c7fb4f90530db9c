// The sample buffers of a live server, on the control side (`/buffer/load`, `/buffer/list`,
// `/buffer/free`): names, what each was loaded from, which loads are under way. Files come
// from `<data-dir>/samples/` only (plain file names). Decoding and resampling run in a loader
// worker (runtime/sample-loader.ts); the decoded data goes to the slots as shared memory and
// becomes usable through a ring command (Supervisor.loadBuffer), so every slot sees it from the
// same frame. A bad file answers /fail with a stable code and changes nothing.
//
// Threading: main thread.

import { join } from 'node:path';
import { BUFFER_NAME_PATTERN } from '../dsp/spec.js';
import type { BufferMeta } from '../runtime/sample-buffers.js';
import { loadSampleFile } from '../runtime/sample-loader.js';
import type { BufferFault, Supervisor } from '../runtime/supervisor.js';
import { checkName, done, failure, type Outcome, type Reply } from './command-table.js';

/** The /fail codes of /buffer/* (docs/samples.md; sample-file.ts has the decoding ones). */

export class BufferLibrary {
  private readonly loaded = new Map<string, BufferMeta>();
  private readonly loading = new Set<string>();
  private nextId = 1;

  constructor(private readonly supervisor: Supervisor, private readonly samplesDir: string, private readonly sampleRate: number) {}

  /** After a resume: the buffers the engine holds (those whose file was missing play as silence). */
  resume(buffers: readonly BufferMeta[]): void {
    for (const meta of buffers) {
      this.loaded.set(meta.name, meta);
      this.nextId = Math.max(this.nextId, meta.id + 1);
    }
  }

  has(name: string): boolean {
    return this.loaded.has(name);
  }

  async load(name: string, file: string): Promise<Outcome> {
    if (!BUFFER_NAME_PATTERN.test(name)) return failure('E_BAD_NAME', `buffer name '${name}' must match ${BUFFER_NAME_PATTERN.source}`);
    const badFile = checkName(file);
    if (badFile !== undefined) return badFile;
    if (this.loaded.has(name) || this.loading.has(name)) return failure('E_BUFFER_EXISTS', `buffer '${name}' is already ${this.loading.has(name) ? 'loading' : 'loaded'}; /buffer/free it first`);
    this.loading.add(name);
    try {
      const result = await loadSampleFile(join(this.samplesDir, file), this.sampleRate);
      if (!result.ok) return failure(result.code, `${file}: ${result.message}`);
      const s = result.sample;
      const meta: BufferMeta = { id: this.nextId++, name, file, hash: s.hash, frames: s.frames, channels: s.channels, sourceRate: s.sourceRate };
      const seq = this.supervisor.loadBuffer({ meta, data: s.data });
      if (seq === undefined) return failure('E_BUSY', 'command ring full; try again');
      this.loaded.set(name, meta);
      return { sent: seq, requested: 0, timed: false, what: 'command' };
    } finally {
      this.loading.delete(name);
    }
  }

  free(name: string, liveUses: (name: string) => boolean): Outcome {
    const meta = this.loaded.get(name);
    if (meta === undefined) return failure('E_BUFFER_UNKNOWN', `no buffer '${name}' is loaded`);
    if (liveUses(name)) return failure('E_BUFFER_IN_USE', `the live patch plays buffer '${name}'; commit a patch without it first`);
    const seq = this.supervisor.freeBuffer(name, meta.id);
    if (seq === undefined) return failure('E_BUSY', 'command ring full; try again');
    this.loaded.delete(name);
    return { sent: seq, requested: 0, timed: false, what: 'command' };
  }

  /** `/done /buffer/list <json>`: every loaded buffer, in load order. */
  list(): Reply {
    const missing = new Set(this.supervisor.bufferFaults.map((f) => f.name));
    return done(JSON.stringify([...this.loaded.values()].map((m) => ({
      name: m.name, file: m.file, frames: m.frames, channels: m.channels, seconds: m.frames / this.sampleRate, sourceRate: m.sourceRate,
      sha256: m.hash, ...(missing.has(m.name) ? { missing: true } : {}),
    }))));
  }

  /** For /engine/status. */
  status(): { count: number; faults: readonly BufferFault[] } {
    return { count: this.loaded.size, faults: this.supervisor.bufferFaults };
  }
}
