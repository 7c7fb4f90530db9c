// Slot worker threads: starting them, keeping one spare warm, adopting a worker into a slot,
// and terminating one. A worker takes tens of ms to load (figures: docs/performance.md, "Thread
// stalls on the VM"); a spare that has already loaded turns a rejoin's start-up into a message
// round trip.
//
// Threading: main thread.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { RuntimeConfig } from './shared-state.js';
import type { SlotAdoption, SlotReport } from './slot-protocol.js';

/** Heap limits per slot worker: the engine needs little; a runaway allocation dies early. */
const SLOT_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

export interface SlotWorkerHandle {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Resolves when the worker has applied its start state and backlog. */
  readonly ready: Promise<void>;
}

/** Longest wait for a started worker to load, ms. */
const LOAD_TIMEOUT_MS = 10_000;

export interface AdoptOptions {
  readonly slot: number;
  readonly start: SlotAdoption['start'];
  readonly backlog: SlotAdoption['backlog'];
  readonly samples: SlotAdoption['samples'];
  readonly onReport: (report: SlotReport) => void;
  /** Called once when the worker ends: error (uncaught, out of memory) or exit code. */
  readonly onEnd: (reason: string) => void;
}

export class SlotPool {
  private spare: Worker | undefined;
  /** Per started worker: resolves true once it has loaded, false if it ended first. */
  private readonly loaded = new WeakMap<Worker, Promise<boolean>>();

  constructor(private readonly config: RuntimeConfig, private readonly buffer: SharedArrayBuffer, private readonly seed: number, private readonly keepSpare: boolean) {}

  /** Starts the spare worker (if the pool keeps one). */
  warm(): void {
    if (!this.keepSpare || this.spare !== undefined) return;
    const worker = this.spawn(true);
    worker.once('exit', () => {
      if (this.spare === worker) this.spare = undefined;
    });
    this.spare = worker;
  }

  /**
   * A loaded worker, ready to adopt: the spare if there is one (`useSpare`; start-up passes
   * false, the spare may still be warming up), else a new one. Throws if none loads.
   */
  async acquire(useSpare: boolean): Promise<Worker> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const spare = useSpare ? this.spare : undefined;
      if (spare !== undefined) this.spare = undefined;
      const worker = spare ?? this.spawn(false);
      if (await this.loaded.get(worker)) return worker;
      void worker.terminate();
    }
    throw new Error('no slot worker could be started');
  }

  /** Makes `worker` (from acquire) slot `slot`. */
  adopt(worker: Worker, options: AdoptOptions): SlotWorkerHandle {
    const { port1, port2 } = new MessageChannel();
    let ended = false;
    const end = (reason: string): void => {
      if (ended) return;
      ended = true;
      options.onEnd(reason);
    };
    const ready = new Promise<void>((resolve, reject) => {
      port1.on('message', (m: SlotReport) => {
        if (m.type === 'ready') resolve();
        options.onReport(m);
      });
      worker.once('error', (error: Error & { code?: string }) => {
        const reason = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : `error: ${error.message}`;
        reject(new Error(`slot ${options.slot} worker failed: ${reason}`));
        end(reason);
      });
      worker.once('exit', (code) => {
        reject(new Error(`slot ${options.slot} worker exited with code ${code}`));
        end(`exit ${code}`);
      });
    });
    ready.catch(() => undefined);
    const adoption: SlotAdoption = { type: 'adopt', slot: options.slot, port: port2, start: options.start, backlog: options.backlog, samples: options.samples };
    worker.postMessage(adoption, [port2]);
    this.warm();
    return { worker, port: port1, ready };
  }

  /** Stops the spare (shutdown). */
  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined) await spare.terminate();
  }

  get spareReady(): boolean {
    return this.spare !== undefined;
  }

  /** `warmUp`: a spare, which optimises the engine's code on a throwaway patch while it waits. */
  private spawn(warmUp: boolean): Worker {
    const worker = new Worker(new URL('./slot-worker.js', import.meta.url), {
      workerData: { config: this.config, buffer: this.buffer, seed: this.seed, warmUp },
      resourceLimits: SLOT_RESOURCE_LIMITS,
    });
    // Errors of adopted workers are handled by adopt(); a spare's error ends it (warm() again later).
    worker.on('error', () => undefined);
    this.loaded.set(worker, new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => resolve(false), LOAD_TIMEOUT_MS);
      worker.once('message', (m: { type?: string }) => {
        clearTimeout(timeout);
        resolve(m.type === 'loaded');
      });
      worker.once('exit', () => {
        clearTimeout(timeout);
        resolve(false);
      });
    }));
    return worker;
  }
}
