// `chronus serve`: starts the real-time server and runs until SIGINT/SIGTERM or /quit.

import { readFileSync } from 'node:fs';
import { parseAllowList } from '../control/cidr.js';
import { defaultPatch } from '../control/default-patch.js';
import { ChronusServer } from '../control/server.js';
import type { Dashboard } from '../dashboard/dashboard-server.js';
import { createRegistry } from '../dsp/modules/index.js';
import type { PatchDocument } from '../patch/document.js';
import { validatePatch } from '../patch/validate.js';
import { probeDevice } from '../runtime/device-probe.js';
import { UsageError } from './usage-error.js';

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
  readonly stateDir?: string;
  readonly snapshotEvery: number;
  readonly allowFaultInjection: boolean;
  readonly spareWorker: boolean;
  /** Serve the dashboard (src/dashboard/) on uiHost:uiPort. */
  readonly ui?: boolean;
  readonly uiPort?: number;
  readonly uiHost?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface SinkChoice {
  readonly sink: 'null' | 'device';
  readonly deviceId?: number;
  /** For the start-up line, e.g. "device (Default ALSA Device, id 129, ALSA)". */
  readonly label: string;
}

/**
 * Picks the sink. `null`: the clocked null sink. `device` or `device:<id>`: the sound card
 * through audify (an RtAudio device id; default output device otherwise), refused with a clear
 * error if it cannot be opened. `auto`: the sound card when audify is installed and an output
 * device opens, else the null sink with one line saying why. The probe runs in a child process
 * (device-probe.ts) before any worker starts; the output worker then opens the same device.
 */
async function chooseSink(requested: string, sampleRate: number, blockSize: number, log: (line: string) => void): Promise<SinkChoice> {
  if (requested === 'null') return { sink: 'null', label: 'null' };
  const device = /^device(?::(\d+))?$/.exec(requested);
  if (requested !== 'auto' && device === null) throw new UsageError(`--sink must be auto, device, device:<id> or null, not '${requested}'`);
  const deviceId = device?.[1] === undefined ? -1 : Number(device[1]);
  const probe = await probeDevice({ sampleRate, blockSize, deviceId });
  if (probe.ok) return { sink: 'device', deviceId: probe.deviceId, label: `device (${probe.deviceName}, id ${probe.deviceId}, ${probe.api})` };
  if (device !== null) throw new UsageError(`--sink ${requested}: ${probe.reason}`);
  const why = probe.kind === 'no-audify' ? probe.reason : probe.kind === 'no-device' ? `no sound card (${probe.reason})` : `the sound card cannot be used (${probe.reason})`;
  log(`chronus: ${why}; using the clocked null sink: audio is rendered in real time and can be recorded with /record/start`);
  return { sink: 'null', label: 'null' };
}

export async function runServe(options: ServeOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  if (options.slots !== 1 && options.slots !== 2) throw new UsageError('--slots must be 1 or 2');
  if (!(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) throw new UsageError('--port must be in [0, 65535]');
  if (!(Number.isInteger(options.block) && options.block >= 16 && options.block <= 4096)) throw new UsageError('--block must be an integer in [16, 4096]');
  if (!(options.snapshotEvery >= 0.1 && options.snapshotEvery <= 86_400)) throw new UsageError('--snapshot-every must be in [0.1, 86400] seconds');
  if (!(Number.isInteger(options.lead) && options.lead >= 1 && options.lead <= 31)) throw new UsageError('--lead must be an integer in [1, 31] blocks');
  const uiPort = options.uiPort ?? 8080;
  if (options.ui === true && !(Number.isInteger(uiPort) && uiPort >= 0 && uiPort <= 65535)) throw new UsageError('--ui-port must be in [0, 65535]');
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
  const choice = await chooseSink(options.sink, options.rate, options.block, log);
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
    sink: choice.sink,
    ...(choice.deviceId === undefined ? {} : { deviceId: choice.deviceId }),
    initialPatch: initial,
    ...(options.allowFrom === undefined ? {} : { allowFrom: parseAllowList(options.allowFrom) }),
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    snapshotEveryMs: options.snapshotEvery * 1000,
    allowFaultInjection: options.allowFaultInjection,
    spareWorker: options.spareWorker,
    log,
  });
  try {
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is in use (another chronus serve?): choose another with --port <n>, or --port 0 for a free one`);
    if (code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${options.host}: no such local address (--host)`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${options.host}:${options.port}: choose a port above 1023 with --port <n>`);
    throw error;
  }
  log(`chronus: listening for OSC on ${options.host}:${server.port} (UDP and TCP), ${options.rate} Hz, block ${options.block}, lead ${options.lead}${options.adaptiveLead ? ' (adaptive)' : ''}, ${options.slots} slot(s), sink ${choice.label}`);
  let dashboard: Dashboard | undefined;
  if (options.ui === true) {
    // Loaded only with --ui: fastify and the page cost every other serve start-up.
    const { Dashboard } = await import('../dashboard/dashboard-server.js');
    dashboard = new Dashboard(server, { host: options.uiHost ?? '127.0.0.1', port: uiPort, log });
    try {
      await dashboard.start();
    } catch (error) {
      await server.stop();
      throw new UsageError(`the dashboard cannot listen on ${options.uiHost ?? '127.0.0.1'}:${uiPort}: ${(error as Error).message}`);
    }
    log(`chronus: dashboard on ${dashboard.url}${dashboard.token === undefined ? '' : ` (beyond loopback: token ${dashboard.token})`}`);
  }
  const signal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const reason = await Promise.race([signal, server.quit.then(() => '/quit')]);
  log(`chronus: ${reason}: shutting down`);
  await dashboard?.stop();
  await server.stop();
  log('chronus: stopped');
}
