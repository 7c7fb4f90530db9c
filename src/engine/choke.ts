// Choke groups: modules that declare a `choke` param (drums, the sampler) silence each other. When
// an instance whose `choke` is g > 0 is gated on, every other instance of the live patch with
// choke g gets Kernel.choke() at that same frame (before the new note's gate), so a closed
// hi-hat cuts an open one's tail exactly where it lands, identically in every slot and offline.
//
// Threading: render thread. rebuild allocates (patch-apply time); chokeOthers does not.

import { FAULT_NONE, type ModuleInstance } from './instance.js';

export class ChokeGroups {
  private members: readonly ModuleInstance[] = [];
  /** Per member: the index of its `choke` param. */
  private params = new Int32Array(0);

  /** The live instances that have a `choke` param. */
  rebuild(instances: Iterable<ModuleInstance>): void {
    const members: ModuleInstance[] = [];
    const params: number[] = [];
    for (const m of instances) {
      const p = m.definition.spec.params.findIndex((q) => q.id === 'choke');
      if (p < 0) continue;
      members.push(m);
      params.push(p);
    }
    this.members = members;
    this.params = Int32Array.from(params);
  }

  /** `gated` was just gated on: choke the other members of its group. `fault` records a throw. */
  chokeOthers(gated: ModuleInstance, fault: (instance: ModuleInstance) => void): void {
    const members = this.members;
    const at = members.indexOf(gated);
    if (at < 0) return;
    const group = gated.params.target(this.params[at]!);
    if (!(group > 0)) return;
    for (let k = 0; k < members.length; k++) {
      const other = members[k]!;
      if (k === at || other.fault !== FAULT_NONE || other.params.target(this.params[k]!) !== group) continue;
      try {
        other.kernel.choke();
      } catch {
        fault(other);
      }
    }
  }
}
