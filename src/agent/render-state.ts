// What `hear` renders: the live (or staged) state of a server, as /state/get reports it, turned
// into an offline render: the patch (with recorded /mod values), and a score of control ops at
// frame 0 that rebuilds the transport and every sequencer as commanded (tempo, swing, steps,
// patterns, targets, lanes, gate length, accent) and starts those that run. So the render
// begins at a bar line with fresh module state (held gates on from the first sample), not at
// the live playback position.
// Optionally the master is replaced by one module's output (a tap).
//
// Threading: main thread of the MCP process; allocates.

import type { ModuleRegistry } from '../dsp/registry.js';
import { hasStereoPair } from '../dsp/spec.js';
import type { ControlOp, StepLaneKind } from '../engine/sequencer/ops.js';
import { MASTER_ID, type PatchDocument } from '../patch/document.js';
import { parseEndpoint } from '../patch/validate.js';
import type { MirrorSequencer } from '../control/seq-mirror.js';
import { parseScore, type TimedCommand } from '../control/score.js';

/** The /state/get reply. */
export interface ServerState {
  readonly sampleRate: number;
  readonly seed: number;
  readonly fingerprint: string;
  readonly patch: PatchDocument;
  readonly stagedFingerprint: string;
  readonly staged: PatchDocument;
  /** Modules whose last /gate was on. */
  readonly gates: readonly string[];
  readonly sequencers: { readonly transport: { bpm: number; swing: number; running: boolean }; readonly sequencers: ReadonlyArray<readonly [string, MirrorSequencer]> };
}

/** The control ops that rebuild the sequencers of `state` in a fresh engine, in order. */
export function sequencerOps(state: ServerState['sequencers']): ControlOp[] {
  const ops: ControlOp[] = [{ op: 'transport.bpm', bpm: state.transport.bpm }, { op: 'transport.swing', swing: state.transport.swing }];
  for (const [id, s] of state.sequencers) {
    ops.push({ op: 'seq.create', id });
    ops.push({ op: 'seq.config', id, steps: s.steps, division: s.division, immediate: true });
    ops.push({ op: 'seq.pattern', id, pattern: s.pattern, immediate: true });
    for (const module of s.gates) ops.push({ op: 'seq.gate', id, module });
    for (const [lane, l] of Object.entries(s.lanes)) {
      if (l.module !== null && l.param !== null) ops.push({ op: 'seq.param', id, lane, module: l.module, param: l.param });
      if (l.values.length > 0) ops.push({ op: 'seq.lane', id, lane, values: l.values, immediate: true });
    }
    ops.push({ op: 'seq.gate_len', id, gateLen: s.gateLen });
    for (const a of s.accents) ops.push({ op: 'seq.accent', id, module: a.module, param: a.param, amount: a.amount });
    for (const [kind, values] of Object.entries(s.stepLanes) as Array<[StepLaneKind, Array<number | string | null>]>) {
      if (kind === 'cond') {
        const pairs = values.map((v) => (typeof v === 'string' ? v.split(':').map(Number) : null));
        ops.push({ op: 'seq.steps', id, kind, values: pairs.map((p) => (p === null ? null : p[0]!)), of: pairs.map((p) => (p === null ? null : p[1]!)), immediate: true });
      } else {
        ops.push({ op: 'seq.steps', id, kind, values: values.map((v) => (typeof v === 'number' ? v : null)), immediate: true });
      }
    }
    if (s.glideMs > 0) ops.push({ op: 'seq.glide', id, ms: s.glideMs });
    if (s.seed !== null) ops.push({ op: 'seq.seed', id, seed: s.seed });
  }
  for (const [id, s] of state.sequencers) if (s.running) ops.push({ op: 'seq.start', id });
  return ops;
}

export function sequencerScore(state: ServerState['sequencers']): TimedCommand[] {
  return sequencerOps(state).map((op) => ({ frame: 0, address: `/${op.op.replace('.', '/')}`, command: { kind: 'control', op } }));
}

/** Gates on at frame 0 for the held modules that `doc` has and that take gates. */
export function gateScore(doc: PatchDocument, gates: readonly string[], sampleRate: number, registry: ModuleRegistry): TimedCommand[] {
  const held = gates.filter((id) => {
    const m = doc.modules.find((x) => x.id === id);
    return m !== undefined && registry.resolve(m.type)?.definition.spec.gate === true;
  });
  const parsed = parseScore(held.map((id) => ({ at: 0, address: `/gate/${id}`, args: [1] })), doc, sampleRate, registry);
  return parsed.ok ? parsed.commands : [];
}

/** What the sequencers imply for an analysis: the tempo and step grid actually running. */
export function expectedGrid(state: ServerState['sequencers']): { bpm: number; stepsPerBeat?: number; gridStartSeconds: number; running: boolean } {
  const running = state.sequencers.filter(([, s]) => s.running);
  const gated = running.find(([, s]) => s.gates.length > 0) ?? running[0];
  return {
    bpm: state.transport.bpm,
    ...(gated === undefined ? {} : { stepsPerBeat: gated[1].division / 4 }),
    gridStartSeconds: 0,
    running: running.length > 0,
  };
}

/**
 * `doc` with the master fed by `tap` (`<id>` or `<id>.<output>`) alone: every connection into
 * `out` is removed and the tap connected in its place (a stereo pair side by side). The
 * master's level and pan stay. Returns an error sentence when the tap names nothing.
 */
export function tapPatch(doc: PatchDocument, tap: string, registry: ModuleRegistry): PatchDocument | string {
  const ep = parseEndpoint(tap);
  if (ep === undefined) return `tap '${tap}' is not <module> or <module>.<output>`;
  const module = doc.modules.find((m) => m.id === ep.module);
  if (module === undefined) return `no module '${ep.module}' in the patch (modules: ${doc.modules.map((m) => m.id).join(', ')})`;
  if (ep.module === MASTER_ID) return 'tap a module other than the master';
  const spec = registry.resolve(module.type)?.definition.spec;
  if (spec === undefined) return `unknown type '${module.type}'`;
  if (spec.outputs.length === 0) return `${ep.module} (${spec.type}) has no output`;
  if (ep.port !== undefined && !spec.outputs.some((o) => o.id === ep.port)) return `${ep.module} (${spec.type}) has no output '${ep.port}' (outputs: ${spec.outputs.map((o) => o.id).join(', ')})`;
  const intoMaster = (to: string): boolean => parseEndpoint(to)?.module === MASTER_ID;
  const connections = doc.connections.filter((c) => !intoMaster(c.to));
  if (ep.port === undefined && hasStereoPair(spec.outputs)) {
    connections.push({ from: `${ep.module}.left`, to: `${MASTER_ID}.left` }, { from: `${ep.module}.right`, to: `${MASTER_ID}.right` });
  } else {
    connections.push({ from: tap, to: MASTER_ID });
  }
  return { ...structuredClone(doc), connections };
}
