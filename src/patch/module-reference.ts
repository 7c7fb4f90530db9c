// Generates the Markdown module reference from the registry specs, so docs never drift from
// the code. Pure: same registry → same text. Modules and aliases are listed alphabetically.

import type { ModuleRegistry } from '../dsp/registry.js';
import { findParam, paramValueForOutput } from '../dsp/spec.js';
import type { ModuleSpec, ParamSpec, PortSpec, TypeAlias } from '../dsp/spec.js';

export function moduleReferenceMarkdown(registry: ModuleRegistry): string {
  const specs = [...registry.specs()].sort((a, b) => a.type.localeCompare(b.type));
  const aliases = [...registry.typeAliases()].sort((a, b) => a.alias.localeCompare(b.alias));
  const lines: string[] = [
    '# Module reference',
    '',
    '<!-- Generated from the module specs by moduleReferenceMarkdown(); do not edit by hand. -->',
    '',
    'Connections: `"from": "<module>"` uses its first output, `"to": "<module>"` its first input;',
    'name a port or param with `"<module>.<name>"`. A connection to a param modulates it by',
    '`amount` (in the param unit). Param names may be given by id or by alias.',
    '',
    ...specs.map((s) => `- [\`${s.type}\`](#${s.type})`),
  ];
  if (aliases.length > 0) lines.push('- [Type aliases](#type-aliases)');
  for (const spec of specs) lines.push('', ...moduleSection(spec));
  if (aliases.length > 0) lines.push('', ...aliasSection(aliases, registry));
  return lines.join('\n') + '\n';
}

function moduleSection(spec: ModuleSpec): string[] {
  const lines = [`## ${spec.type}`, '', spec.doc.trim(), ''];
  if (spec.params.length === 0) {
    lines.push('No params.');
  } else {
    lines.push(
      '| Param | Unit | Range | Default | Smoothing | Modulatable | Aliases | Description |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...spec.params.map(paramRow),
    );
  }
  lines.push('', ...portList('Inputs', spec.inputs, 'first input: the target of `"to": "<module>"`'));
  lines.push('', ...portList('Outputs', spec.outputs, 'first output: the source of `"from": "<module>"`'));
  lines.push(
    '',
    `- Gate: ${spec.gate ? 'yes (reacts to `/gate/<id>`)' : 'no'}`,
    `- Block-size invariant: ${yesNo(spec.blockSizeInvariant)}`,
    `- Silent in, silent out: ${yesNo(spec.silentInSilentOut)}`,
  );
  return lines;
}

function paramRow(p: ParamSpec): string {
  const isEnum = p.unit === 'enum';
  const range = isEnum ? (p.labels ?? []).map((l, i) => `\`${l}\` (${i})`).join(', ') : `${p.min} … ${p.max}${p.scale === 'exp' ? ' (exp)' : ''}`;
  const def = isEnum ? `\`${String(paramValueForOutput(p, p.default))}\`` : String(p.default);
  const smoothing = p.smoothingMs === 0 ? 'none' : `${p.smoothingMs} ms`;
  const modulatable = yesNo(p.modulatable !== false && !isEnum);
  const aliases = (p.aliases ?? []).map((a) => `\`${a}\``).join(', ') || '—';
  return row([`\`${p.id}\``, p.unit, range, def, smoothing, modulatable, aliases, p.doc]);
}

function portList(title: string, ports: readonly PortSpec[], firstNote: string): string[] {
  if (ports.length === 0) return [`${title}: none.`];
  return [`${title}:`, '', ...ports.map((p, i) => `- \`${p.id}\`${i === 0 ? ` (${firstNote})` : ''}: ${oneLine(p.doc)}`)];
}

function aliasSection(aliases: readonly TypeAlias[], registry: ModuleRegistry): string[] {
  return [
    '## Type aliases',
    '',
    'Old type names kept for compatibility: the same module with other param defaults. Saved patches use the canonical type with these params made explicit.',
    '',
    '| Alias | Type | Defaults | Description |',
    '| --- | --- | --- | --- |',
    ...aliases.map((a) => row([`\`${a.alias}\``, `[\`${a.type}\`](#${a.type})`, aliasDefaults(a, registry), a.doc])),
  ];
}

function aliasDefaults(alias: TypeAlias, registry: ModuleRegistry): string {
  const spec = registry.get(alias.type)?.spec;
  const parts = Object.entries(alias.defaults).map(([name, value]) => {
    const p = spec === undefined ? undefined : findParam(spec, name);
    return p === undefined ? `\`${name}\` = ${value}` : `\`${p.id}\` = \`${String(paramValueForOutput(p, value))}\``;
  });
  return parts.join(', ') || '—';
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => oneLine(c).replace(/\|/g, '\\|')).join(' | ')} |`;
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}
