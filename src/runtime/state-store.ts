// The state folder (`chronus serve --state-dir DIR`): what lets a server killed with -9 resume
// the same patch, parameters and sequencers. Two files:
//   state.bin      the base: a complete host snapshot at a block boundary (v8 serialisation,
//                  since it holds typed arrays), written atomically (temp file, fsync, rename);
//   journal.jsonl  a header line naming the base's epoch, then one decided journal entry per
//                  line (an encoded command and its stamps), appended as slots decide them.
// Each periodic snapshot writes a new base and rewrites the journal with only the entries after
// it (base renamed first: a crash in between leaves a journal that still covers the base), so
// both files stay bounded. A torn last line (a kill during an append) is ignored on load.
//
// Threading: main thread; synchronous file I/O, off the audio path.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { HostSnapshot } from './engine-host.js';
import type { JournalEntry } from './journal.js';

export const STATE_FORMAT = 'chronus-state';

export interface StateBase {
  readonly format: typeof STATE_FORMAT;
  readonly version: 1;
  /** Identifies one base and the journal that continues it. */
  readonly epoch: string;
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly seed: number;
  /** Block index the snapshot was taken at (its engine frame / blockSize). */
  readonly block: number;
  /** First command sequence number not inside the snapshot. */
  readonly seq: number;
  readonly host: HostSnapshot;
  /** Control-layer state kept beside the engine's (the sequencer configuration mirror), as of writing. */
  readonly extra?: unknown;
  readonly savedAtMs: number;
}

export interface LoadedState {
  readonly base: StateBase;
  /** Decided entries continuing the base, in sequence order. */
  readonly entries: JournalEntry[];
  /** Lines that could not be read (a torn last line after a kill). */
  readonly skippedLines: number;
}

export class StateStore {
  private readonly basePath: string;
  private readonly journalPath: string;
  private journalFd: number | undefined;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.basePath = join(dir, 'state.bin');
    this.journalPath = join(dir, 'journal.jsonl');
  }

  /** The saved state, or undefined when the folder has none. Throws on an unreadable base. */
  load(): LoadedState | undefined {
    if (!existsSync(this.basePath)) return undefined;
    const base = deserialize(readFileSync(this.basePath)) as StateBase;
    if (base?.format !== STATE_FORMAT || base.version !== 1) throw new Error(`${this.basePath} is not a chronus state file`);
    const entries: JournalEntry[] = [];
    let skippedLines = 0;
    if (existsSync(this.journalPath)) {
      const lines = readFileSync(this.journalPath, 'utf8').split('\n').filter((l) => l.length > 0);
      const header = parseLine(lines[0]) as { epoch?: string } | undefined;
      if (header?.epoch === base.epoch) {
        for (const line of lines.slice(1)) {
          const entry = upgradeEntry(parseLine(line));
          if (entry === undefined || typeof entry.seq !== 'number' || typeof entry.frame !== 'number') {
            skippedLines++;
            continue;
          }
          if (((entry.seq - base.seq) | 0) >= 0) entries.push(entry);
        }
      }
    }
    return { base, entries, skippedLines };
  }

  /** Writes a new base, then a journal holding `tail` (decided entries after the base). */
  writeBase(base: StateBase, tail: readonly JournalEntry[]): void {
    this.closeJournal();
    atomicWrite(this.basePath, serialize(base));
    const lines = [JSON.stringify({ epoch: base.epoch }), ...tail.map(entryLine)];
    atomicWrite(this.journalPath, Buffer.from(`${lines.join('\n')}\n`));
    this.journalFd = openSync(this.journalPath, 'a');
  }

  /** Appends decided entries (no fsync: a killed process's writes survive in the page cache). */
  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0 || this.journalFd === undefined) return;
    writeSync(this.journalFd, `${entries.map(entryLine).join('\n')}\n`);
  }

  close(): void {
    this.closeJournal();
  }

  private closeJournal(): void {
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }
}

/**
 * A journal line as an entry. Lines written before commands had one encoding held a patch or
 * control op as an object (`patch`, `control`); they become the payload text.
 */
function upgradeEntry(parsed: unknown): JournalEntry | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { patch, control, ...rest } = parsed as JournalEntry & { patch?: unknown; control?: unknown };
  const old = patch ?? control;
  return old === undefined ? rest : { ...rest, payload: JSON.stringify(old) };
}

function entryLine(entry: JournalEntry): string {
  return JSON.stringify(entry);
}

function parseLine(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function atomicWrite(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, bytes);
  const fd = openSync(temp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
