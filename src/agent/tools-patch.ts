// The patch tools of `chronus mcp`: status, modules, get_patch, edit_patch, validate, commit,
// undo. Operation lists and descriptions come from the command table, module facts from the
// specs. Commit and undo are guarded by fingerprints on the server (/patch/commit and
// /patch/undo with an expected fingerprint: E_STALE when the live patch changed).
//
// Threading: main thread of the MCP process.

import { z } from 'zod';
import { COMMANDS } from '../control/command-table.js';
import { specForSchema } from '../dsp/spec.js';
import type { PatchError } from '../patch/document.js';
import { failureResult, refusal } from './failures.js';
import { closest, fixForError, fixForOp, type EditOp } from './fixes.js';
import type { AgentSession } from './session.js';
import { defineTool, type AgentTool } from './tool-kit.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

/** The first sentence of a command's doc line, for tool descriptions. */
export function commandDoc(address: string): string {
  const doc = COMMANDS.find((c) => c.address === address)?.doc ?? '';
  const end = doc.search(/\.(\s|$)/);
  return end < 0 ? doc : doc.slice(0, end + 1);
}

const value = z.union([z.number(), z.string(), z.boolean()]);
const EDIT_OP = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), id: z.string(), type: z.string() }),
  z.object({ op: z.literal('delete'), id: z.string() }),
  z.object({ op: z.literal('connect'), from: z.string(), to: z.string(), amount: z.number().optional() }),
  z.object({ op: z.literal('disconnect'), from: z.string(), to: z.string() }),
  z.object({ op: z.literal('set'), id: z.string(), param: z.string(), value }),
  z.object({ op: z.literal('clear') }),
  z.object({ op: z.literal('abort') }),
]);

function opAddress(op: EditOp): [string, Array<string | number | boolean>] {
  switch (op.op) {
    case 'create': return ['/patch/create', [op.id, op.type]];
    case 'delete': return ['/patch/delete', [op.id]];
    case 'connect': return ['/patch/connect', op.amount === undefined ? [op.from, op.to] : [op.from, op.to, op.amount]];
    case 'disconnect': return ['/patch/disconnect', [op.from, op.to]];
    case 'set': return ['/patch/set', [op.id, op.param, op.value]];
    case 'clear': return ['/patch/clear', []];
    case 'abort': return ['/patch/abort', []];
  }
}

const OPS_DOC = (['create', 'delete', 'connect', 'disconnect', 'set', 'clear', 'abort'] as const)
  .map((op) => `${op}: ${commandDoc(`/patch/${op}`)}`).join(' ');

/** Oneline description of a module type. */
function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}

export function patchTools(session: AgentSession): AgentTool[] {
  const registry = session.registry;
  const link = session.link;

  /** Sets the edits' base to the live fingerprint when the staged patch has no pending edits. */
  const noteBase = async (): Promise<void> => {
    const state = await session.state();
    if (state.ok && (state.value.stagedFingerprint === state.value.fingerprint || session.base === undefined)) session.base = state.value.fingerprint;
  };

  return [
    defineTool({
      name: 'status',
      title: 'Server status',
      description: 'The server at a glance: engine health (slots, underruns, failovers), the live patch (fingerprint, size), pending staged edits, transport and sequencers, recording. Start here.',
      input: {},
      hints: READ,
      run: async () => {
        const [status, state] = await Promise.all([link.json<Record<string, any>>('/engine/status'), session.state()]);
        if (!status.ok) return failureResult('status', status, { idempotent: true });
        if (!state.ok) return failureResult('status', state, { idempotent: true });
        const s = status.value;
        const st = state.value;
        const slots = (s['slotHealth'] as Array<Record<string, unknown>> | undefined) ?? [];
        const alive = slots.filter((x) => x['alive'] === true).length;
        const sequencers = st.sequencers.sequencers.map(([id, q]) => ({ id, running: q.running, steps: q.steps, division: q.division, pattern: q.pattern, gates: q.gates }));
        const pending = st.stagedFingerprint !== st.fingerprint;
        const rec = s['recording'] as Record<string, unknown> | undefined;
        return {
          structured: {
            summary: `${link.host}:${link.port}: ${s['sampleRate']} Hz, ${alive}/${slots.length} slots alive, underruns ${s['underruns']}; live patch ${st.fingerprint} (${st.patch.modules.length} modules)${pending ? `, staged edits pending (${st.stagedFingerprint})` : ''}; transport ${st.sequencers.transport.running ? 'running' : 'stopped'} at ${st.sequencers.transport.bpm} BPM, ${sequencers.length} sequencer(s)${rec?.['recording'] === true ? '; recording' : ''}`,
            server: { host: link.host, port: link.port, sampleRate: s['sampleRate'], blockSize: s['blockSize'], sink: s['sink'], uptimeSeconds: s['uptimeSeconds'], slotsAlive: alive, slots: slots.length, underruns: s['underruns'], failovers: s['failovers'], commits: s['commits'] },
            live: { fingerprint: st.fingerprint, modules: st.patch.modules.map((m) => `${m.id}:${m.type}`), connections: st.patch.connections.length },
            staged: { fingerprint: st.stagedFingerprint, pendingEdits: pending, base: session.base ?? null },
            transport: st.sequencers.transport,
            sequencers,
            recording: rec ?? null,
          },
        };
      },
    }),
    defineTool({
      name: 'modules',
      title: 'Module types',
      description: 'Without type: every module type with a one-line description. With type: its params (unit, range, default, enum labels), inputs and outputs, and whether it takes /gate.',
      input: { type: z.string().optional().describe('a module type, e.g. "filter"') },
      hints: READ,
      run: async ({ type }) => {
        if (type === undefined) {
          const types = registry.specs().map((s) => ({ type: s.type, gate: s.gate, doc: firstSentence(s.doc) }));
          return { structured: { summary: `${types.length} module types: ${types.map((t) => t.type).join(', ')}`, types, aliases: registry.typeAliases().map((a) => `${a.alias} → ${a.type}`) } };
        }
        const resolved = registry.resolve(type);
        if (resolved === undefined) {
          const near = closest(type, registry.types());
          return refusal('modules', 'E_UNKNOWN_TYPE', `no module type '${type}'`, near === undefined ? 'call modules without a type for the list' : `did you mean '${near}'?`);
        }
        const spec = specForSchema(resolved.definition.spec);
        const params = spec.params.map((p) => ({
          id: p.id, unit: p.unit, min: p.min, max: p.max, default: resolved.defaults[p.id] ?? p.default,
          ...(p.labels === undefined ? {} : { labels: p.labels }), ...(p.aliases === undefined ? {} : { aliases: p.aliases }),
          ...(p.modulatable === false || p.unit === 'enum' ? { modulatable: false } : {}), ...(p.tempoSync === true ? { noteValues: true } : {}),
          doc: p.doc,
        }));
        return {
          structured: {
            summary: `${spec.type}: ${firstSentence(spec.doc)} ${params.length} params, inputs ${spec.inputs.map((i) => i.id).join(', ') || 'none'}, outputs ${spec.outputs.map((o) => o.id).join(', ') || 'none'}${spec.gate ? ', takes gates' : ''}`,
            type: spec.type, doc: spec.doc, gate: spec.gate, stereo: spec.stereo,
            params,
            inputs: spec.inputs.map((i) => ({ id: i.id, doc: i.doc })),
            outputs: spec.outputs.map((o) => ({ id: o.id, doc: o.doc })),
            ...(spec.loopDelayMs === undefined ? {} : { closesLoops: true }),
          },
        };
      },
    }),
    defineTool({
      name: 'get_patch',
      title: 'Get the live or staged patch',
      description: 'The live patch (what plays) or the staged copy (your pending edits), as JSON with its fingerprint; history: the commits undo can go back to.',
      input: { which: z.enum(['live', 'staged']).default('live'), history: z.boolean().default(false).describe('include the commit history (newest first)') },
      hints: READ,
      run: async ({ which, history }) => {
        const got = await session.patch(which);
        if (!got.ok) return failureResult('get_patch', got, { idempotent: true });
        const past = history ? await link.json<unknown[]>('/patch/history') : undefined;
        return {
          structured: {
            summary: `${which} patch ${got.fingerprint}: ${got.doc.modules.length} modules, ${got.doc.connections.length} connections`,
            which, fingerprint: got.fingerprint, patch: got.doc,
            ...(past?.ok === true ? { history: past.value } : {}),
          },
        };
      },
    }),
    defineTool({
      name: 'edit_patch',
      title: 'Edit the staged patch',
      description: `Apply operations to the staged patch, in order, stopping at the first refused one (earlier ones stay applied). Nothing plays until commit. Endpoints: "<id>" or "<id>.<port>", a param as "<id>.<param>". ${OPS_DOC}`,
      input: { ops: z.array(EDIT_OP).min(1) },
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      run: async ({ ops }) => {
        await noteBase();
        let applied = 0;
        for (const op of ops as EditOp[]) {
          const [address, args] = opAddress(op);
          const answer = await link.call(address, args);
          if (!answer.ok) {
            const staged = await session.patch('staged');
            const fix = staged.ok ? fixForOp(op, answer.code, staged.doc, registry) : undefined;
            return failureResult(`edit_patch op ${applied} (${op.op})`, answer, {
              idempotent: false,
              extra: { applied, failedOp: op, ...(fix === undefined ? {} : { fix }), ...(applied > 0 ? { note: `ops 0..${applied - 1} were applied to the staged patch` } : {}) },
            });
          }
          applied++;
        }
        if (ops.some((op) => op.op === 'abort')) await noteBase();
        const staged = await session.patch('staged');
        return {
          structured: {
            summary: `${applied} op(s) applied to the staged patch${staged.ok ? ` (now ${staged.fingerprint}, ${staged.doc.modules.length} modules)` : ''}; based on live ${session.base}. Next: validate, hear source=staged, commit`,
            applied,
            staged: staged.ok ? staged.fingerprint : null,
            base: session.base ?? null,
          },
        };
      },
    }),
    defineTool({
      name: 'validate',
      title: 'Validate the staged patch',
      description: 'Dry run of commit: every error of the staged patch with its JSON path and code, and a fix (with edit_patch ops) where one is obvious. Changes nothing.',
      input: {},
      hints: READ,
      run: async () => {
        const result = await link.json<{ ok: boolean; errors: PatchError[]; staged: string; live: string }>('/patch/validate');
        if (!result.ok) return failureResult('validate', result, { idempotent: true });
        const v = result.value;
        const staged = v.ok ? undefined : await session.patch('staged');
        const errors = v.errors.map((e) => {
          const fix = staged?.ok === true ? fixForError(e, staged.doc, registry) : undefined;
          return { ...e, ...(fix === undefined ? {} : { fix }) };
        });
        return {
          structured: {
            summary: v.ok ? `the staged patch ${v.staged} is valid${v.staged === v.live ? ' (same as live: nothing to commit)' : ''}` : `${errors.length} error(s): ${errors.map((e) => `${e.path}: ${e.code}`).join('; ')}`,
            ok: v.ok, errors, staged: v.staged, live: v.live, base: session.base ?? null,
          },
        };
      },
    }),
    defineTool({
      name: 'commit',
      title: 'Commit the staged patch',
      description: 'Make the staged patch live (crossfading where the topology changed), only if the live patch still has the fingerprint your edits were based on (default: the one noted at your first edit; E_STALE otherwise). Atomic on the server.',
      input: {
        expectedFingerprint: z.string().optional().describe('live fingerprint the edits were based on (default: noted at your first edit)'),
        crossfadeMs: z.number().min(0).max(1000).default(20),
      },
      hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
      run: async ({ expectedFingerprint, crossfadeMs }) => {
        const expected = expectedFingerprint ?? session.base ?? '';
        const answer = await link.call('/patch/commit', [crossfadeMs, expected], { timeoutMs: 10000 });
        if (!answer.ok) {
          if (answer.code === 'E_PATCH_INVALID') {
            const errors = answer.message.replace(/^\d+ error\(s\): /, '').split('; ');
            return failureResult('commit', answer, { idempotent: false, extra: { errors } });
          }
          return failureResult('commit', answer, { idempotent: false });
        }
        const fingerprint = String(answer.args[1]);
        const previous = expected === '' ? undefined : expected;
        session.base = undefined;
        session.lastCommitted = fingerprint;
        return { structured: { summary: `committed: live patch is now ${fingerprint} from frame ${String(answer.args[0])}${previous === undefined ? ' (unguarded: no base fingerprint)' : ` (was ${previous})`}`, frame: answer.args[0], fingerprint, previous: previous ?? null } };
      },
    }),
    defineTool({
      name: 'undo',
      title: 'Undo the last commit',
      description: 'Go back to the patch committed before the live one (server-side history; staged edits are dropped), only if the live patch is the one your last commit made (or expectedFingerprint). Repeat to go further back.',
      input: { expectedFingerprint: z.string().optional().describe('default: the fingerprint of your last commit') },
      hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
      run: async ({ expectedFingerprint }) => {
        const expected = expectedFingerprint ?? session.lastCommitted ?? '';
        const answer = await link.call('/patch/undo', [expected], { timeoutMs: 10000 });
        if (!answer.ok) return failureResult('undo', answer, { idempotent: false });
        const fingerprint = String(answer.args[1]);
        session.base = undefined;
        session.lastCommitted = fingerprint;
        return { structured: { summary: `undone: live patch is back to ${fingerprint} from frame ${String(answer.args[0])}`, frame: answer.args[0], fingerprint, undone: expected === '' ? null : expected } };
      },
    }),
  ];
}
