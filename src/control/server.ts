// The Chronus server: the supervisor (slots, output, recording) plus the control surface
// (OSC transports, command table, staged patches, data folder). Every message that is not a
// high-rate parameter set is answered: `/done <address> ...` or `/fail <address> <code> <msg>`.
//
// Threading: main thread.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ModuleRegistry } from '../dsp/registry.js';
import { specForSchema } from '../dsp/spec.js';
import type { PatchDocument } from '../patch/document.js';
import { patchJsonSchema } from '../patch/schema.js';
import { validatePatchText } from '../patch/validate.js';
import type { RecordingStatus } from '../runtime/recorder.js';
import type { EngineCommand } from '../runtime/engine-command.js';
import { CLOCK_T0, CTL_CLOCK_STARTED } from '../runtime/shared-state.js';
import { DEFAULT_ADAPTIVE_LEAD } from '../runtime/adaptive-lead.js';
import type { FaultKind } from '../runtime/slot-protocol.js';
import { Supervisor } from '../runtime/supervisor.js';
import { done, failure, type OscValue, type Reply } from './command-table.js';
import { CommandDispatcher, MAX_SCHEDULE_AHEAD_S, type ServerCounters } from './dispatcher.js';
import { OscTransport, type IncomingMessage } from './osc-transport.js';
import { LatencyProbe, LatencyStats } from './latency-stats.js';
import { PatchEditor } from './patch-editor.js';
import type { SentPatch, ServerContext } from './server-context.js';
import { SequencerMirror } from './seq-mirror.js';
import { BufferLibrary } from './buffer-library.js';
import type { Outcome } from './command-table.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly slots: 1 | 2;
  readonly lead: number;
  readonly adaptiveLead: boolean;
  readonly seed: number;
  readonly dataDir: string;
  /** The sink chosen at start-up (reported in /engine/status); 'device' plays through audify. */
  readonly sink: 'null' | 'device';
  /** RtAudio device id for the device sink (default output device when absent). */
  readonly deviceId?: number;
  readonly initialPatch: PatchDocument;
  readonly allowFrom?: (address: string) => boolean;
  readonly log: (line: string) => void;
  /** Journal and periodic snapshots go here; a server restarted on it resumes. */
  readonly stateDir?: string;
  /** Interval between periodic snapshots, ms. */
  readonly snapshotEveryMs?: number;
  /** Accept /debug/fault (tests and demos only). */
  readonly allowFaultInjection?: boolean;
  /** Keep a pre-started worker for fast rejoins (default true). */
  readonly spareWorker?: boolean;
}

/**
 * Something the server did that an observer (the dashboard's event log) may show: a notice
 * sent to subscribed clients (`/engine/failover`, `/engine/rejoin`, `/engine/outage`,
 * `/module/fault`), a committed patch, or a `/fail` or `/late` reply to any client.
 */
export interface ServerEvent {
  readonly kind: 'notice' | 'commit' | 'fail' | 'late';
  readonly address: string;
  readonly args: readonly OscValue[];
  readonly client?: string;
}

/** Longest string echoed back in a reply, so a reply always fits a UDP datagram. */
const MAX_REPLY_STRING = 1024;

/** Makes a reply argument encodable (OSC strings end at NUL) and, if `bounded`, short. */
function sanitize(value: OscValue, bounded: boolean): OscValue {
  if (typeof value !== 'string') return value;
  const clean = value.includes('\u0000') ? value.replace(/\u0000/g, '\\0') : value;
  return bounded && clean.length > MAX_REPLY_STRING ? `${clean.slice(0, MAX_REPLY_STRING)}…` : clean;
}

export class ChronusServer implements ServerContext {
  readonly editor: PatchEditor;
  readonly supervisor: Supervisor;
  readonly transport: OscTransport;
  readonly dispatcher: CommandDispatcher;
  readonly sequencers = new SequencerMirror();
  /** Sample buffers (/buffer/*): `<data-dir>/samples/`. */
  readonly buffers: BufferLibrary;
  port = 0;
  private quitRequested: (() => void) | undefined;
  private readonly quitPromise: Promise<void>;
  /** Arrival → effect latency of immediate module commands, ms. */
  readonly latency = new LatencyStats();
  private readonly latencyProbe: LatencyProbe;
  private readonly probeTimer: NodeJS.Timeout;
  /** Observers of ServerEvents (called synchronously on the main thread; must not throw). */
  readonly observers = new Set<(event: ServerEvent) => void>();

  constructor(private readonly registry: ModuleRegistry, private readonly options: ServerOptions) {
    this.editor = new PatchEditor(registry, options.initialPatch, { bufferLoaded: (name) => this.buffers.has(name) });
    const samplesDir = join(options.dataDir, 'samples');
    this.supervisor = new Supervisor({
      sampleRate: options.sampleRate,
      blockSize: options.blockSize,
      slots: options.slots,
      lead: options.lead,
      ...(options.adaptiveLead ? { adaptiveLead: DEFAULT_ADAPTIVE_LEAD } : {}),
      seed: options.seed,
      initialPatch: this.editor.live,
      onModuleFault: (module, code, frame) => this.notify('/module/fault', [module, code, frame]),
      onNotice: (address, args) => this.notify(address, args),
      saveExtra: () => ({ sequencers: this.sequencers.save() }),
      ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
      ...(options.snapshotEveryMs === undefined ? {} : { snapshotEveryMs: options.snapshotEveryMs }),
      allowFaultInjection: options.allowFaultInjection === true,
      spare: options.spareWorker !== false,
      sink: options.sink,
      samplesDir,
      ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }),
    });
    // The engine handles the supervisor gave the initial patch's modules.
    this.editor.setHandles(this.supervisor.bus.handles.all());
    this.dispatcher = new CommandDispatcher(this, {
      frameForTime: (unixMs) => this.frameForTime(unixMs),
      earliestFrame: () => this.supervisor.bus.earliestFrame(),
      decidedFrame: (seq, requested) => this.supervisor.bus.decidedFrame(seq, requested),
    }, options.sampleRate);
    this.transport = new OscTransport((messages, client, reply) => this.onMessages(messages, client, reply), options.allowFrom);
    this.quitPromise = new Promise((resolveQuit) => (this.quitRequested = resolveQuit));
    this.latencyProbe = new LatencyProbe(this.supervisor.bus, this.latency, options.sampleRate);
    this.probeTimer = setInterval(() => this.latencyProbe.resolve(), 20);
    this.probeTimer.unref();
    mkdirSync(join(options.dataDir, 'recordings'), { recursive: true });
    mkdirSync(join(options.dataDir, 'patches'), { recursive: true });
    mkdirSync(samplesDir, { recursive: true });
    this.buffers = new BufferLibrary(this.supervisor, samplesDir, options.sampleRate);
  }

  async start(): Promise<void> {
    await this.supervisor.start();
    const resumed = this.supervisor.resumed;
    this.buffers.resume(this.supervisor.startBuffers);
    for (const f of this.supervisor.bufferFaults) this.options.log(`chronus: buffer '${f.name}' (${f.file}) not restored: ${f.code}: ${f.message}; it plays as silence`);
    if (resumed !== undefined) {
      this.editor.resume(this.supervisor.startPatch, this.supervisor.bus.handles.all());
      for (const p of resumed.params) {
        const module = this.editor.liveModule(p.id);
        const index = module?.spec.params.findIndex((q) => q.id === p.paramId) ?? -1;
        if (module !== undefined && index >= 0) this.editor.recordParam(module, index, p.value);
      }
      this.sequencers.load((resumed.extra as { sequencers?: unknown } | undefined)?.sequencers);
      for (const op of resumed.controls) this.sequencers.apply(op);
      this.options.log(`chronus: resumed from ${this.options.stateDir}: block ${resumed.block}, ${resumed.entries} journal entries replayed in ${resumed.ms} ms`);
    }
    this.port = await this.transport.listen(this.options.host, this.options.port);
  }

  get sampleRate(): number {
    return this.options.sampleRate;
  }

  get seed(): number {
    return this.options.seed;
  }

  get counters(): ServerCounters {
    return this.dispatcher.counters;
  }

  /** Resolves when a client sent /quit (or requestQuit was called). */
  get quit(): Promise<void> {
    return this.quitPromise;
  }

  async stop(): Promise<void> {
    clearInterval(this.probeTimer);
    await this.transport.close();
    await this.supervisor.stop();
  }

  // ------------------------------------------------------------------ dispatch

  /**
   * Handles messages from a client that is not an OSC transport (the dashboard's pages): the
   * same dispatcher, command table, replies, counters and journal as OSC. `client` names it
   * (e.g. `dashboard:3`); `reply` gets every reply.
   */
  handleMessages(messages: readonly IncomingMessage[], client: string, reply: (address: string, args: readonly OscValue[]) => void): void {
    this.onMessages(messages, client, reply);
  }

  private emit(event: ServerEvent): void {
    for (const observer of this.observers) observer(event);
  }

  private onMessages(messages: readonly IncomingMessage[], client: string, reply: (address: string, args: readonly OscValue[]) => void): void {
    // A reply that cannot be encoded or sent must never take the server down.
    const safeReply = (address: string, args: readonly OscValue[]): void => {
      if (this.observers.size > 0 && (address === '/fail' || address === '/late')) this.emit({ kind: address === '/fail' ? 'fail' : 'late', address, args, client });
      try {
        // Error replies echo client input: bound it so the reply always fits a datagram.
        const bounded = address === '/fail' || address === '/late';
        reply(address, args.map((a) => sanitize(a, bounded)));
      } catch (error) {
        this.counters.internalErrors++;
        process.stderr.write(`chronus: could not send ${address} reply: ${String(error)}\n`);
      }
    };
    this.dispatcher.onMessages(messages, client, safeReply);
  }

  /**
   * Maps a wall-clock time (Unix ms) to a frame of the sink's clock (the frame the sink plays at
   * that time). 0 ("as soon as possible") before the clock runs; 'too-far' beyond the horizon.
   */
  private frameForTime(unixMs: number): number | 'too-far' {
    const shared = this.supervisor.shared;
    if (Atomics.load(shared.ctl, CTL_CLOCK_STARTED) !== 1) return 0;
    const perfMs = unixMs - performance.timeOrigin;
    if (perfMs - performance.now() > MAX_SCHEDULE_AHEAD_S * 1000) return 'too-far';
    return Math.max(0, Math.round(((perfMs - shared.clock[CLOCK_T0]!) / 1000) * this.options.sampleRate));
  }

  /** The sink clock's position now, in frames (fractional), or undefined before it starts. */
  private sinkFrameNow(): number | undefined {
    const shared = this.supervisor.shared;
    if (Atomics.load(shared.ctl, CTL_CLOCK_STARTED) !== 1) return undefined;
    return ((performance.now() - shared.clock[CLOCK_T0]!) / 1000) * this.options.sampleRate;
  }

  /** The sink clock's frame 0 as Unix time (ms), or null before the clock runs. */
  private clockAnchor(): { t0UnixMs: number | null } {
    const shared = this.supervisor.shared;
    if (Atomics.load(shared.ctl, CTL_CLOCK_STARTED) !== 1) return { t0UnixMs: null };
    return { t0UnixMs: performance.timeOrigin + shared.clock[CLOCK_T0]! };
  }

  private notify(address: string, args: readonly OscValue[]): void {
    if (this.observers.size > 0) this.emit({ kind: 'notice', address, args });
    for (const client of this.dispatcher.subscribers) this.transport.send(client, address, args);
  }

  // ------------------------------------------------------------------ ServerContext

  send(command: Exclude<EngineCommand, { kind: 'patch' }>, frame: number | undefined): number | undefined {
    const seq = this.supervisor.bus.send(command, frame ?? 0);
    // Arrival → effect latency of immediate module commands.
    if (seq !== undefined && frame === undefined && command.kind !== 'control') this.latencyProbe.track(seq, this.sinkFrameNow());
    return seq;
  }

  canSend(): boolean {
    return this.supervisor.bus.canSend();
  }

  sendPatch(doc: PatchDocument, crossfadeMs: number): SentPatch | undefined | 'too-big' {
    const sent = this.supervisor.bus.commitPatch(doc, crossfadeMs);
    if (sent !== undefined && sent !== 'too-big' && this.observers.size > 0) {
      this.emit({ kind: 'commit', address: '/patch/commit', args: [sent.seq, doc.modules.length, doc.connections.length] });
    }
    return sent;
  }

  setLatePolicy(client: string, policy: 'apply' | 'drop'): void {
    this.dispatcher.setLatePolicy(client, policy);
  }

  savePatch(name: string): Reply {
    const path = join(this.options.dataDir, 'patches', `${name}.json`);
    const temp = `${path}.tmp-${process.pid}`;
    writeFileSync(temp, `${JSON.stringify(this.editor.live, null, 2)}\n`);
    renameSync(temp, path);
    return done(resolve(path));
  }

  stagePatchFile(name: string): Reply | undefined {
    const path = join(this.options.dataDir, 'patches', `${name}.json`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return failure('E_NOT_FOUND', `cannot read ${name}.json: ${(error as Error).message}`);
    }
    const result = validatePatchText(text, this.registry);
    if (!result.ok) {
      return failure('E_PATCH_INVALID', result.errors.map((e) => `${e.path}: ${e.code}: ${e.message}`).join('; '));
    }
    this.editor.stage(result.document);
    return undefined;
  }

  startRecording(name: string | undefined, format: 's16' | 'f32' = 's16'): Reply {
    if (this.supervisor.recorder.active) return failure('E_RECORDING', 'already recording; /record/stop first');
    const base = name ?? `chronus-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const path = resolve(join(this.options.dataDir, 'recordings', base.endsWith('.wav') ? base : `${base}.wav`));
    this.supervisor.recorder.start(path, format);
    return done(path);
  }

  stopRecording(): Reply {
    const status = this.supervisor.recorder.stop();
    if (status === undefined) return failure('E_NOT_RECORDING', 'not recording');
    return done(status.path ?? '', status.seconds, status.firstFrame);
  }

  recordingStatus(): RecordingStatus {
    return this.supervisor.recorder.status();
  }

  status(): Record<string, unknown> {
    return {
      ...this.supervisor.status(),
      sink: this.options.sink,
      port: this.port,
      buffers: this.buffers.status(),
      control: { ...this.counters, latencyMs: this.latency.summary(), transport: this.transport.counters },
      // Timetags map to frames through this anchor: frame = round((unixMs − t0UnixMs) / 1000 · sampleRate).
      clock: this.clockAnchor(),
    };
  }

  schema(): Record<string, unknown> {
    return {
      modules: this.registry.specs().map(specForSchema),
      aliases: this.registry.typeAliases(),
      patch: patchJsonSchema(),
    };
  }

  switchActive(): number {
    return this.supervisor.switchActive();
  }

  injectFault(slot: number, kind: FaultKind, ms: number): Reply {
    if (this.options.allowFaultInjection !== true) return failure('E_FORBIDDEN', 'fault injection is disabled; start the server with --allow-fault-injection');
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.options.slots)) return failure('E_BAD_ARGS', `slot must be an integer in [0, ${this.options.slots - 1}]`);
    try {
      this.supervisor.injectFault(slot, kind, ms);
    } catch (error) {
      return failure('E_NO_SLOT', (error as Error).message);
    }
    return done(slot, kind, ms);
  }

  async sync(): Promise<void> {
    const last = this.supervisor.bus.lastSequence;
    if (last < 0) return;
    const frame = await this.supervisor.bus.decidedFrame(last);
    if (frame !== undefined) await this.supervisor.whenRendered(frame);
  }

  loadBuffer(name: string, file: string): Promise<Outcome> {
    return this.buffers.load(name, file);
  }

  freeBuffer(name: string): Outcome {
    return this.buffers.free(name, (n) => this.editor.liveUsesBuffer(n));
  }

  listBuffers(): Reply {
    return this.buffers.list();
  }

  setSubscribed(client: string, on: boolean): void {
    this.dispatcher.setSubscribed(client, on);
  }

  requestQuit(): void {
    // Let the /done /quit reply leave before the sockets close.
    setTimeout(() => this.quitRequested?.(), 100);
  }
}
