// Module handles: the small integers engine commands name modules by (the engine looks its
// instances up by handle). A module keeps its handle across commits while its id and type
// stay; a new or retyped module gets a fresh one. The live server's command bus and a score
// assign them with this same table, so a score's commands mean the same modules as a live
// session's.
//
// Threading: main thread (or offline). Allocates.

import type { PatchDocument } from '../patch/document.js';
import type { HostSnapshot } from './engine-host.js';

interface Assigned {
  readonly type: string;
  readonly handle: number;
}

/** Handles for a patch, not yet in force: `commit` makes them the table's. */
export interface HandlePlan {
  readonly handles: Array<[string, number]>;
  /** How many modules got a fresh handle. */
  readonly created: number;
  commit(): void;
}

export class ModuleHandles {
  private byId = new Map<string, Assigned>();
  private next = 1;

  /** Every module's handle. */
  all(): Array<[string, number]> {
    return [...this.byId].map(([id, a]) => [id, a.handle]);
  }

  /** The handle of live module `id` (a map lookup). */
  get(id: string): number | undefined {
    return this.byId.get(id)?.handle;
  }

  /** Handles for `doc`: kept when id and type stay the same, fresh otherwise. Changes nothing until committed. */
  plan(doc: PatchDocument): HandlePlan {
    const planned = new Map<string, Assigned>();
    let next = this.next;
    let created = 0;
    for (const m of doc.modules) {
      const old = this.byId.get(m.id);
      if (old !== undefined && old.type === m.type) planned.set(m.id, old);
      else {
        planned.set(m.id, { type: m.type, handle: next++ });
        created++;
      }
    }
    return {
      handles: [...planned].map(([id, a]) => [id, a.handle]),
      created,
      commit: () => {
        this.byId = planned;
        this.next = next;
      },
    };
  }

  /** Assigns (and commits) handles for `doc`. */
  assign(doc: PatchDocument): Array<[string, number]> {
    const plan = this.plan(doc);
    plan.commit();
    return plan.handles;
  }

  /**
   * The table a host snapshot implies: the handles of its latest patch (the last one pending,
   * else the live one), no handle reused.
   */
  restore(snapshot: HostSnapshot): void {
    const latest = snapshot.pending.length > 0 ? snapshot.pending[snapshot.pending.length - 1]! : snapshot.live;
    const types = new Map(latest.doc.modules.map((m) => [m.id, m.type]));
    this.byId = new Map(latest.handles.map(([id, handle]) => [id, { type: types.get(id) ?? '', handle }]));
    let next = snapshot.engine.nextHandle;
    for (const [, handle] of snapshot.live.handles) next = Math.max(next, handle + 1);
    for (const p of snapshot.pending) for (const [, handle] of p.handles) next = Math.max(next, handle + 1);
    this.next = next;
  }
}
