// Registry of module types. Specs are validated when registered, so a malformed spec fails at
// start-up rather than when a user first creates the module. Main thread and workers each
// build the same registry from `modules/index.ts`.

import type { ModuleDefinition } from './kernel.js';
import { findParam, specProblems, type ModuleSpec, type TypeAlias } from './spec.js';

export class ModuleRegistry {
  private readonly definitions = new Map<string, ModuleDefinition>();
  private readonly aliases = new Map<string, TypeAlias>();

  /** Registers a module type (from defineModule(...).withKernel(...)). Throws on a bad spec. */
  register(definition: ModuleDefinition): void {
    const { spec, kernel } = definition;
    const problems = specProblems(spec);
    if (this.definitions.has(spec.type) || this.aliases.has(spec.type)) problems.push(`type '${spec.type}' registered twice`);
    if (problems.length > 0) throw new Error(`invalid module spec:\n  ${problems.join('\n  ')}`);
    this.definitions.set(spec.type, { spec, kernel });
  }

  registerAlias(alias: TypeAlias): void {
    const target = this.definitions.get(alias.type);
    if (target === undefined) throw new Error(`alias '${alias.alias}' targets unknown type '${alias.type}'`);
    if (this.definitions.has(alias.alias) || this.aliases.has(alias.alias)) throw new Error(`alias '${alias.alias}' registered twice`);
    for (const [name, value] of Object.entries(alias.defaults)) {
      const param = findParam(target.spec, name);
      if (param === undefined || value < param.min || value > param.max) {
        throw new Error(`alias '${alias.alias}': bad default ${name}=${value}`);
      }
    }
    this.aliases.set(alias.alias, alias);
  }

  /** Resolves a type name or alias to its definition and the alias's default overrides. */
  resolve(typeName: string): { definition: ModuleDefinition; defaults: Readonly<Record<string, number>> } | undefined {
    const direct = this.definitions.get(typeName);
    if (direct !== undefined) return { definition: direct, defaults: {} };
    const alias = this.aliases.get(typeName);
    if (alias === undefined) return undefined;
    const definition = this.definitions.get(alias.type);
    return definition === undefined ? undefined : { definition, defaults: alias.defaults };
  }

  get(typeName: string): ModuleDefinition | undefined {
    return this.resolve(typeName)?.definition;
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }

  specs(): ModuleSpec[] {
    return [...this.definitions.values()].map((d) => d.spec);
  }

  typeAliases(): TypeAlias[] {
    return [...this.aliases.values()];
  }
}
