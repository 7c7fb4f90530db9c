// Sequencer-rendered drum beats for the analysis tests: examples/drum-kit.json driven by /seq
// commands in a score, rendered by the real offline renderer (the path `chronus render` and
// the MCP hear tool use).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { validatePatch } from '../../src/patch/validate.js';

export const BEAT_RATE = 48000;

/** One bar of sixteenths per voice (X accent, x hit, . rest), as /seq/pattern takes them. */
export interface BeatPatterns {
  readonly kick: string;
  readonly snare: string;
  readonly hat_closed: string;
}

/** Typical patterns: four-on-the-floor house, a boom-bap hip-hop bar, a two-step drum & bass bar. */
export const GROOVES: Record<string, BeatPatterns> = {
  house: { kick: 'x...x...x...x...', snare: '....x.......x...', hat_closed: '..x...x...x...x.' },
  hiphop: { kick: 'x.......x.x.....', snare: '....x.......x...', hat_closed: 'x.x.x.x.x.x.x.x.' },
  dnb: { kick: 'x.........x.....', snare: '....x.......x...', hat_closed: 'x.x.x.x.x.x.x.x.' },
};

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Renders `seconds` of the drum kit playing `patterns` at `bpm` (sixteenths), starting at 0. */
export function renderBeat(bpm: number, patterns: BeatPatterns, seconds: number): { left: Float32Array; right: Float32Array } {
  const registry = createRegistry();
  const doc = validatePatch(JSON.parse(readFileSync(`${root}examples/drum-kit.json`, 'utf8')), registry);
  if (!doc.ok) throw new Error(JSON.stringify(doc.errors));
  const score: Array<{ at: number; address: string; args: Array<string | number> }> = [{ at: 0, address: '/seq/bpm', args: [bpm] }];
  for (const [voice, pattern] of Object.entries(patterns)) {
    score.push(
      { at: 0, address: '/seq/create', args: [voice] },
      { at: 0, address: '/seq/pattern', args: [voice, pattern] },
      { at: 0, address: '/seq/assign', args: [voice, 'gate', voice] },
    );
  }
  score.push({ at: 0, address: '/seq/start', args: [] });
  const parsed = parseScore(score, doc.document, BEAT_RATE, registry);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const { left, right } = renderToArrays({ patch: doc.document, score: parsed.commands, frames: Math.round(seconds * BEAT_RATE), sampleRate: BEAT_RATE, blockSize: 128 });
  return { left, right };
}
