// `chronus serve`: starts the real-time server and runs until SIGINT/SIGTERM or /quit.

import { readFileSync } from 'node:fs';
import { parseAllowList } from '../control/cidr.js';
import { defaultPatch } from '../control/default-patch.js';
import { ChronusServer } from '../control/server.js';
import { createRegistry } from '../dsp/modules/index.js';
import type { PatchDocument } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import { UsageError } from './render-command.js';

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly rate: number;
  readonly block: number;
  readonly lead: number;
  readonly adaptiveLead: boolean;
  readonly sink: string;
  readonly patch?: string;
  readonly slots: number;
  readonly dataDir: string;
  readonly seed: number;
  readonly allowFrom?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Picks the sink. The sound-card sink is not built yet: auto falls back to the null sink. */
function chooseSink(requested: string, log: (line: string) => void): string {
  if (requested === 'null') return 'null';
  if (requested === 'device') throw new UsageError('--sink device: sound card output is not available in this build yet (use --sink null or auto)');
  if (requested !== 'auto') throw new UsageError(`--sink must be auto, device or null, not '${requested}'`);
  log('chronus: no sound card output available (the device sink is not built yet); using the clocked null sink: audio is rendered in real time and can be recorded with /record/start');
  return 'null';
}

export async function runServe(options: ServeOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  if (options.slots !== 1 && options.slots !== 2) throw new UsageError('--slots must be 1 or 2');
  if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) throw new UsageError('--port must be in [0, 65535]');
  if (!(Number.isInteger(options.block) && options.block >= 16 && options.block <= 4096)) throw new UsageError('--block must be an integer in [16, 4096]');
  if (!(Number.isInteger(options.lead) && options.lead >= 1 && options.lead <= 31)) throw new UsageError('--lead must be an integer in [1, 31] blocks');
  const registry = createRegistry();
  let initial: PatchDocument = defaultPatch();
  if (options.patch !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(options.patch, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read patch ${options.patch}: ${(error as Error).message}`);
    }
    const result = validatePatch(doc, registry);
    if (!result.ok) throw new UsageError(`the patch is invalid:\n${result.errors.map((e) => `  ${e.path}: ${e.code}: ${e.message}`).join('\n')}`);
    initial = result.document;
  }
  const sink = chooseSink(options.sink, log);
  if (!LOOPBACK.has(options.host)) {
    log(`chronus: warning: listening on ${options.host}, beyond loopback; OSC has no authentication${options.allowFrom === undefined ? ' (consider --allow-from)' : ''}`);
  }
  const server = new ChronusServer(registry, {
    host: options.host,
    port: options.port,
    sampleRate: options.rate,
    blockSize: options.block,
    slots: options.slots,
    lead: options.lead,
    adaptiveLead: options.adaptiveLead,
    seed: options.seed,
    dataDir: options.dataDir,
    sink,
    initialPatch: initial,
    ...(options.allowFrom === undefined ? {} : { allowFrom: parseAllowList(options.allowFrom) }),
    log,
  });
  await server.start();
  log(`chronus: listening for OSC on ${options.host}:${server.port} (UDP and TCP), ${options.rate} Hz, block ${options.block}, lead ${options.lead}${options.adaptiveLead ? ' (adaptive)' : ''}, ${options.slots} slot(s), sink ${sink}`);
  const signal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const reason = await Promise.race([signal, server.quit.then(() => '/quit')]);
  log(`chronus: ${reason}: shutting down`);
  await server.stop();
  log('chronus: stopped');
}
