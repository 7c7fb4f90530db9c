// The history of committed patches, newest last, for /patch/history and /patch/undo: each entry
// is the document as committed, its fingerprint and the wall-clock time of the commit. Bounded
// (the oldest entries are dropped). An undo commits the entry before the newest and drops the
// newest, so repeated undos walk back in time (there is no redo).
//
// Threading: main thread / offline; allocates.

import type { PatchDocument } from '../patch/document.js';
import { patchFingerprint } from './patch-fingerprint.js';

export interface CommitRecord {
  readonly fingerprint: string;
  /** ISO 8601 time of the commit. */
  readonly time: string;
  /** How the patch became live: the start-up patch, a commit (or /patch/load), or an undo. */
  readonly via: 'start' | 'commit' | 'undo';
  readonly document: PatchDocument;
}

export const HISTORY_LIMIT = 32;

export class CommitHistory {
  private readonly records: CommitRecord[] = [];

  constructor(private readonly limit = HISTORY_LIMIT, private readonly now: () => Date = () => new Date()) {}

  get entries(): readonly CommitRecord[] {
    return this.records;
  }

  /** The patch an undo would go back to (the one committed before the live one). */
  previous(): CommitRecord | undefined {
    return this.records.length >= 2 ? this.records[this.records.length - 2] : undefined;
  }

  /** Records `doc` as the newly live patch (returns its fingerprint). An undo replaces the two newest entries by one. */
  record(doc: PatchDocument, via: CommitRecord['via']): string {
    const entry: CommitRecord = { fingerprint: patchFingerprint(doc), time: this.now().toISOString(), via, document: structuredClone(doc) };
    if (via === 'undo') this.records.splice(Math.max(0, this.records.length - 2), 2);
    this.records.push(entry);
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    return entry.fingerprint;
  }

  /** Newest first, without the documents (the /patch/history reply). */
  describe(): Array<Omit<CommitRecord, 'document'> & { modules: number; connections: number }> {
    return this.records
      .map((r) => ({ fingerprint: r.fingerprint, time: r.time, via: r.via, modules: r.document.modules.length, connections: r.document.connections.length }))
      .reverse();
  }
}
