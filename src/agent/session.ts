// What one `chronus mcp` process remembers between tool calls: the link to the server, the
// fingerprint its staged edits were based on (commit's default guard), the fingerprint of its
// last commit (undo's default guard), and the previous hear (for deltas).
//
// Threading: main thread of the MCP process.

import type { ModuleRegistry } from '../dsp/registry.js';
import type { PatchDocument } from '../patch/document.js';
import type { HeardMemory } from './hear.js';
import type { Answer, ChronusLink } from './link.js';
import type { ServerState } from './render-state.js';

export class AgentSession {
  /** The live fingerprint the staged edits were planned on (set at the first edit after a commit). */
  base: string | undefined;
  /** The fingerprint this session's last commit (or undo) made live. */
  lastCommitted: string | undefined;
  previousHear: HeardMemory | undefined;
  private hears = 0;

  constructor(readonly link: ChronusLink, readonly registry: ModuleRegistry, readonly outDir: string) {}

  nextHearName(source: string, tap: string | undefined): string {
    this.hears++;
    return `hear-${this.hears}-${source}${tap === undefined ? '' : `-${tap.replace(/[^a-z0-9_]/g, '_')}`}`;
  }

  async state(): Promise<{ ok: true; value: ServerState } | Extract<Answer, { ok: false }>> {
    return this.link.json<ServerState>('/state/get');
  }

  async patch(which: 'live' | 'staged'): Promise<{ ok: true; doc: PatchDocument; fingerprint: string } | Extract<Answer, { ok: false }>> {
    const answer = await this.link.json<PatchDocument>('/patch/get', [which]);
    return answer.ok ? { ok: true, doc: answer.value, fingerprint: String(answer.args[1]) } : answer;
  }
}
