// Hands a validated module command to an engine at a frame.
// Threading: whichever thread owns the engine; no allocation.

import type { Engine } from '../engine/engine.js';
import type { ScoreCommand } from './score.js';

/** Returns false when the module is gone or the engine's event queue is full. */
export function scheduleModuleCommand(engine: Engine, frame: number, command: ScoreCommand): boolean {
  if (command.kind === 'control') {
    engine.scheduleControl(frame, command.op);
    return true;
  }
  const instance = engine.instance(command.id);
  if (instance === undefined) return false;
  switch (command.kind) {
    case 'param':
      return engine.scheduleParam(frame, instance.handle, command.param, command.value);
    case 'gate':
      return engine.scheduleGate(frame, instance.handle, command.on);
    case 'reset':
      return engine.scheduleReset(frame, instance.handle);
  }
}
