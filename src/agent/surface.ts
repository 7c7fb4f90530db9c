// The whole `chronus mcp` surface: twelve tools (patch: status, modules, get_patch,
// edit_patch, validate, commit, undo; playing: control, sequencer, record, hear, osc), the
// module and OSC references as resources (generated from the specs and the command table),
// and three prompts.
//
// Threading: main thread of the MCP process.

import { oscReferenceMarkdown } from '../control/osc-docs.js';
import { moduleReferenceMarkdown } from '../patch/module-reference.js';
import type { AgentSession } from './session.js';
import type { AgentPrompt, AgentResource, AgentSurface } from './tool-kit.js';
import { patchTools } from './tools-patch.js';
import { playTools } from './tools-play.js';

export const INSTRUCTIONS = [
  'Chronus is a modular synthesizer server. Work like this: status; modules (types, params);',
  'edit_patch edits a staged copy; validate; hear source=staged to listen before committing;',
  'commit (guarded by the fingerprint your edits were based on); hear live; undo if worse.',
  'control sets params and gates of the live patch; sequencer runs patterns at a tempo.',
  'Every result has a one-line summary; errors say whether anything changed and whether a retry is safe.',
].join(' ');

function resources(session: AgentSession): AgentResource[] {
  return [
    { name: 'modules', uri: 'chronus://reference/modules', title: 'Module reference', description: 'Every module type: params (units, ranges, defaults), inputs, outputs.', mimeType: 'text/markdown', read: () => moduleReferenceMarkdown(session.registry) },
    { name: 'osc', uri: 'chronus://reference/osc', title: 'OSC reference', description: 'Every OSC address, its arguments and replies, and every error code.', mimeType: 'text/markdown', read: () => oscReferenceMarkdown() },
  ];
}

const PROMPTS: AgentPrompt[] = [
  {
    name: 'build_patch', title: 'Build a patch', description: 'Build a patch for a described sound, hearing it before committing.',
    args: { goal: 'the sound or part to build, e.g. "a 303-style bassline at 128 BPM"' },
    text: ({ goal }) => [
      `Build a Chronus patch for: ${goal ?? 'a simple pleasant tone'}.`,
      '1. status, then modules (no type) to see what exists; modules <type> for the ones you pick.',
      '2. edit_patch with create/set/connect ops (everything into "out"); validate and apply the fixes it gives.',
      '3. hear source=staged with checks that state what you expect (e.g. "no_clip", a pitch, a loudness range); adjust until the report matches.',
      '4. commit, then hear live. If it is worse than before, undo.',
      'For rhythm: sequencer with bpm, pattern, gate (and lanes for notes), then hear: the report compares onsets with the grid the sequencer ran.',
    ].join('\n'),
  },
  {
    name: 'why_silent', title: 'Why is it silent?', description: 'Find out why the server makes no sound, step by step.',
    args: {},
    text: () => [
      'Chronus plays nothing (or too little). Find out why, changing nothing until you know:',
      '1. status: are slots alive, underruns, is a patch live, are sequencers running?',
      '2. get_patch live: is anything connected to "out"? Is out.level above 0? Are gains/levels 0?',
      '3. hear live; if silent, hear with tap on each module along the chain (source first) to find where the signal stops.',
      '4. Envelopes (adsr...) only sound while gated: control target=<env> value=1, or a running sequencer with gate set.',
      '5. Check /module/fault (a muted module): osc /module/reset <id> brings it back.',
      'Then propose the smallest fix, apply it staged, hear source=staged, commit.',
    ].join('\n'),
  },
  {
    name: 'louder_safely', title: 'Make it louder safely', description: 'Raise the level without clipping, checking each step by ear.',
    args: { target: 'target loudness, e.g. "-14 LUFS" (default: as loud as is clean)' },
    text: ({ target }) => [
      `Make Chronus louder${target === undefined ? '' : ` (target ${target})`} without clipping.`,
      '1. hear live with checks ["no_clip"] and note the peak, true peak and loudness.',
      '2. Headroom = -1 dBFS minus the true peak. Raise gains in the staged patch by less than that (out.level, or the quietest source), or add a limiter before out.',
      '3. hear source=staged with checks ["no_clip", "true_peak <= -1 dBFS"' + (target === undefined ? '' : `, "lufs in [${target}]"`) + ']; commit only when it passes.',
      '4. hear live to confirm; undo if anything clipped.',
    ].join('\n'),
  },
];

export function agentSurface(session: AgentSession, version: string): AgentSurface {
  return { name: 'chronus', version, instructions: INSTRUCTIONS, tools: [...patchTools(session), ...playTools(session)], resources: resources(session), prompts: PROMPTS };
}
