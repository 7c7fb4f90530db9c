// The playing tools of `chronus mcp`: control (params and gates, now or at a time), sequencer
// (tempo, patterns, targets, lanes, start/stop), record, hear, and osc (the escape hatch: any
// address of the command table).
//
// Threading: main thread of the MCP process.

import { z } from 'zod';
import { COMMANDS, type OscValue } from '../control/command-table.js';
import { failureResult, refusal } from './failures.js';
import { hear, MAX_HEAR_SECONDS } from './hear.js';
import type { AgentSession } from './session.js';
import { commandDoc } from './tools-patch.js';
import { defineTool, type AgentTool } from './tool-kit.js';

const value = z.union([z.number(), z.string(), z.boolean()]);

export function playTools(session: AgentSession): AgentTool[] {
  const link = session.link;

  /** After a /mod changed the live patch: move this session's guards along if they named it. */
  const follow = async (before: string | undefined): Promise<void> => {
    const after = await session.patch('live');
    if (!after.ok || before === undefined) return;
    if (session.base === before) session.base = after.fingerprint;
    if (session.lastCommitted === before) session.lastCommitted = after.fingerprint;
  };

  const sendAll = async (what: string, calls: ReadonlyArray<readonly [string, OscValue[]]>, atUnixMs?: number): Promise<{ ok: true; frames: Array<{ address: string; frame: OscValue | undefined }> } | { ok: false; result: ReturnType<typeof failureResult> }> => {
    const frames: Array<{ address: string; frame: OscValue | undefined }> = [];
    for (const [address, args] of calls) {
      const answer = await link.call(address, args, atUnixMs === undefined ? {} : { atUnixMs });
      if (!answer.ok) return { ok: false, result: failureResult(`${what}: ${address}`, answer, { idempotent: false, extra: { sent: frames } }) };
      frames.push({ address, frame: answer.args[0] });
    }
    return { ok: true, frames };
  };

  return [
    defineTool({
      name: 'control',
      title: 'Set params and gates of the live patch',
      description: `Play the live patch: each action sets a param (target "<id>.<param>", value in the param's unit or an enum label; ${commandDoc('/mod/')}) or gates a module (target "<id>", value 1/0). All now, or at "at" seconds from now (sample-exact). Changes the live patch's fingerprint (params are recorded).`,
      input: {
        actions: z.array(z.object({ target: z.string(), value })).min(1),
        at: z.number().min(0).max(600).optional().describe('seconds from now'),
      },
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
      run: async ({ actions, at }) => {
        const calls = actions.map((a): [string, OscValue[]] => {
          const [id, param] = a.target.split('.');
          return param === undefined ? [`/gate/${id}`, [a.value]] : [`/mod/${id}/${param}`, [a.value]];
        });
        const before = calls.some(([address]) => address.startsWith('/mod/')) ? await session.patch('live') : undefined;
        const sent = await sendAll('control', calls, at === undefined ? undefined : Date.now() + at * 1000);
        if (before?.ok === true) await follow(before.fingerprint);
        if (!sent.ok) return sent.result;
        return { structured: { summary: `${sent.frames.length} action(s) applied${at === undefined ? '' : ` at +${at} s`}, from frame ${String(sent.frames[0]?.frame)}`, applied: sent.frames } };
      },
    }),
    defineTool({
      name: 'sequencer',
      title: 'Configure the transport and a sequencer',
      description: 'Transport tempo/swing, and one sequencer (created if new): steps and division, pattern (X accent, x note, . rest), the module it gates, lanes that set params per step (numbers, m60, note names like C2), gate length, accent; then start/stop/reset/delete. Changes apply at the next bar unless now=true. Replies with the sequencer as configured.',
      input: {
        id: z.string().optional().describe('sequencer id (needed for everything but bpm/swing/start all/stop all)'),
        bpm: z.number().optional(), swing: z.number().optional(),
        steps: z.number().int().optional(), division: z.number().int().optional().describe('a step lasts 4/division beats (16: sixteenths)'),
        pattern: z.string().optional(),
        gate: z.string().optional().describe('module gated by the notes'),
        lanes: z.array(z.object({ lane: z.string(), module: z.string(), param: z.string(), values: z.string().describe('per step, space-separated; - = no change') })).optional(),
        gateLen: z.number().optional(),
        accent: z.object({ module: z.string(), param: z.string(), amount: z.number() }).optional(),
        action: z.enum(['start', 'stop', 'reset', 'delete']).optional(),
        now: z.boolean().default(false),
      },
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      run: async (a) => {
        const now: OscValue[] = a.now ? ['now'] : [];
        const calls: Array<[string, OscValue[]]> = [];
        if (a.bpm !== undefined) calls.push(['/seq/bpm', [a.bpm]]);
        if (a.swing !== undefined) calls.push(['/seq/swing', [a.swing]]);
        const id = a.id;
        const needsId = a.steps !== undefined || a.division !== undefined || a.pattern !== undefined || a.gate !== undefined || a.lanes !== undefined || a.gateLen !== undefined || a.accent !== undefined || a.action === 'reset' || a.action === 'delete';
        if (id === undefined && needsId) return refusal('sequencer', 'E_BAD_ARGS', 'give the sequencer id');
        if (id !== undefined) {
          const state = await session.state();
          if (state.ok && !state.value.sequencers.sequencers.some(([s]) => s === id) && a.action !== 'delete') calls.push(['/seq/create', [id]]);
          if (a.steps !== undefined || a.division !== undefined) {
            const current = state.ok ? state.value.sequencers.sequencers.find(([s]) => s === id)?.[1] : undefined;
            calls.push(['/seq/config', [id, a.steps ?? current?.steps ?? 16, a.division ?? current?.division ?? 16, ...now]]);
          }
          if (a.pattern !== undefined) calls.push(['/seq/pattern', [id, a.pattern, ...now]]);
          if (a.gate !== undefined) calls.push(['/seq/assign', [id, 'gate', a.gate]]);
          for (const lane of a.lanes ?? []) {
            calls.push(['/seq/assign', [id, 'param', lane.lane, lane.module, lane.param]]);
            calls.push(['/seq/lane', [id, lane.lane, lane.values, ...now]]);
          }
          if (a.gateLen !== undefined) calls.push(['/seq/gate_len', [id, a.gateLen]]);
          if (a.accent !== undefined) calls.push(['/seq/accent', [id, a.accent.module, a.accent.param, a.accent.amount]]);
        }
        if (a.action !== undefined) calls.push([`/seq/${a.action}`, id === undefined ? [] : [id]]);
        if (calls.length === 0) return refusal('sequencer', 'E_BAD_ARGS', 'nothing to do: give bpm, swing, an id with settings, or an action');
        const sent = await sendAll('sequencer', calls);
        if (!sent.ok) return sent.result;
        const described = id === undefined || a.action === 'delete' ? undefined : await link.json<Record<string, unknown>>('/seq/get', [id]);
        return {
          structured: {
            summary: `${calls.length} sequencer command(s) applied${id === undefined ? '' : ` to '${id}'`}${a.now ? ' now' : ' (from the next bar)'}`,
            applied: sent.frames,
            ...(described?.ok === true ? { sequencer: described.value } : {}),
          },
        };
      },
    }),
    defineTool({
      name: 'record',
      title: 'Record what the server plays',
      description: `start: ${commandDoc('/record/start')} stop: ${commandDoc('/record/stop')} status: whether it records, for how long.`,
      input: { action: z.enum(['start', 'stop', 'status']), name: z.string().optional(), format: z.enum(['s16', 'f32']).default('f32') },
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      run: async ({ action, name, format }) => {
        const answer = action === 'start' ? await link.call('/record/start', [name ?? `mcp-${new Date().toISOString().replace(/[:.]/g, '-')}`, format])
          : action === 'stop' ? await link.call('/record/stop') : await link.call('/record/status');
        if (!answer.ok) return failureResult(`record ${action}`, answer, { idempotent: action === 'status' });
        const args = answer.args;
        if (action === 'start') return { structured: { summary: `recording to ${String(args[0])}`, path: args[0] } };
        if (action === 'stop') return { structured: { summary: `recorded ${Number(args[1]).toFixed(2)} s to ${String(args[0])}`, path: args[0], seconds: args[1], firstFrame: args[2] } };
        return { structured: { summary: args[0] === 1 ? `recording ${Number(args[1]).toFixed(1)} s to ${String(args[3])}` : 'not recording', recording: args[0] === 1, seconds: args[1], bytes: args[2], path: args[3] } };
      },
    }),
    defineTool({
      name: 'hear',
      title: 'Hear the patch (offline render + analysis)',
      description: `Render seconds of the live state (patch, params, sequencers, tempo; from a bar line, fresh module state) or of the staged patch (hear before committing), offline and deterministically, optionally tapping one module ("<id>" or "<id>.<output>") instead of the master. Writes a WAV (and PNG, JSON) and returns their paths, levels, the analysis with the sequencer's real tempo and grid, your checks, and the change since the previous hear.`,
      input: {
        source: z.enum(['live', 'staged']).default('live'),
        seconds: z.number().gt(0).max(MAX_HEAR_SECONDS).default(4),
        tap: z.string().optional(),
        checks: z.array(z.string()).optional().describe('e.g. "f0 ≈ 220 Hz ±5 cents", "lufs in [-16, -12]", "no_clip", "onsets = 16"'),
        arrays: z.boolean().default(false).describe('full arrays in the report'),
      },
      hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
      run: async ({ source, seconds, tap, checks, arrays }) => {
        const state = await session.state();
        if (!state.ok) return failureResult('hear', state, { idempotent: true });
        const outcome = await hear(state.value, { source, seconds, arrays, ...(tap === undefined ? {} : { tap }), ...(checks === undefined ? {} : { checks }) }, {
          registry: session.registry, outDir: session.outDir, name: session.nextHearName(source, tap),
          ...(session.previousHear === undefined ? {} : { previous: session.previousHear }),
        });
        if (!outcome.ok) return refusal('hear', outcome.code, outcome.message);
        session.previousHear = outcome.memory;
        return { structured: outcome.result };
      },
    }),
    defineTool({
      name: 'osc',
      title: 'Send any OSC command',
      description: `Escape hatch: send one command of the OSC reference (resource chronus://reference/osc) and get its reply. Addresses: ${[...new Set(COMMANDS.map((c) => c.usage))].join(' ')}.`,
      input: { address: z.string(), args: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).default([]), at: z.number().min(0).max(600).optional().describe('seconds from now') },
      hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
      run: async ({ address, args, at }) => {
        if (address === '/quit') return refusal('osc', 'E_FORBIDDEN', '/quit would stop the server for every client; stop it from where it was started');
        const answer = await link.call(address, args, { timeoutMs: 10000, ...(at === undefined ? {} : { atUnixMs: Date.now() + at * 1000 }) });
        if (!answer.ok) return failureResult(address, answer, { idempotent: false });
        const text = JSON.stringify(answer.args);
        return { structured: { summary: `${address}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`, reply: answer.args } };
      },
    }),
  ];
}
