// Every built-in module, registered in one place. Both the main thread and the render threads
// call `createRegistry()`, so they agree on specs.

import { ModuleRegistry } from '../registry.js';
import { vcaModule } from './vca.js';

export function createRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const m of [vcaModule]) registry.register(m.spec, m.kernel);
  return registry;
}
