// Generates the Markdown module reference from the registry specs, so docs never drift from
// the code. Pure: same registry → same text. Modules and aliases are listed alphabetically.

import type { ModuleRegistry } from '../dsp/registry.js';
import { findParam, hasStereoPair, paramValueForOutput } from '../dsp/spec.js';
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
    '**Stereo.** Ports named `left` and `right` form a stereo pair. A connection that names no',
    'port on either side, from a module with a stereo output pair into one with a stereo input',
    'pair, connects both sides (`{"from": "verb", "to": "out"}`). A mono source into a module',
    'whose first input is `left` feeds both sides. A stereo source into a mono input (or a param)',
    'is summed at half the amount per side; name a side (`"verb.left"`) to take one.',
    '',
    '**Feedback.** A loop of connections is legal when it passes through the audio input of a',
    'module marked "closes loops" below (e.g. `delay`): the engine renders the loop in chunks no',
    'longer than that module\'s minimum delay, so the output stays exact at any block size. Any',
    'other loop is refused with an error that names it.',
    '',
    '**Tempo.** Params marked "or note value" take a note value as well as ms: `1/4`, `1/8.`',
    '(dotted), `1/16t` (triplet), `1/1`, `2/1`; the time follows the transport\'s tempo.',
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
  if (spec.bufferParams !== undefined && spec.bufferParams.length > 0) {
    lines.push('', 'Buffer params (a loaded sample buffer\'s name, set like a param; see [samples.md](samples.md)):', '', ...spec.bufferParams.map((b) => `- \`${b.id}\`: ${oneLine(b.doc)}`));
  }
  lines.push('', ...portList('Inputs', spec.inputs, 'first input: the target of `"to": "<module>"`'));
  lines.push('', ...portList('Outputs', spec.outputs, 'first output: the source of `"from": "<module>"`'));
  lines.push(
    '',
    `- Gate: ${spec.gate ? 'yes (reacts to `/gate/<id>`)' : 'no'}`,
    `- Block-size invariant: ${yesNo(spec.blockSizeInvariant)}`,
    `- Silent in, silent out: ${yesNo(spec.silentInSilentOut)}`,
  );
  if (hasStereoPair(spec.inputs) || hasStereoPair(spec.outputs)) {
    const sides = [hasStereoPair(spec.inputs) ? 'inputs' : '', hasStereoPair(spec.outputs) ? 'outputs' : ''].filter((x) => x !== '').join(' and ');
    lines.push(`- Stereo: ${sides} (\`left\`/\`right\`)`);
  }
  if (spec.loopDelayMs !== undefined) lines.push(`- Closes loops: yes (minimum delay ${spec.loopDelayMs} ms from its audio input to its output)`);
  if (spec.latency !== undefined) {
    const parts = [
      spec.latency.samples === undefined ? '' : `${spec.latency.samples} samples`,
      spec.latency.ms === undefined ? '' : `${spec.latency.ms} ms (rounded down to whole samples)`,
      spec.latency.param === undefined ? '' : `\`${spec.latency.param}\``,
    ];
    lines.push(`- Latency: ${parts.filter((x) => x !== '').join(' + ')}`);
  }
  return lines;
}

function paramRow(p: ParamSpec): string {
  const isEnum = p.unit === 'enum';
  const range = isEnum ? (p.labels ?? []).map((l, i) => `\`${l}\` (${i})`).join(', ') : `${p.min} … ${p.max}${p.scale === 'exp' ? ' (exp)' : ''}`;
  const def = isEnum ? `\`${String(paramValueForOutput(p, p.default))}\`` : String(p.default);
  const smoothing = p.smoothingMs === 0 ? 'none' : `${p.smoothingMs} ms`;
  const modulatable = yesNo(p.modulatable !== false && !isEnum);
  const aliases = (p.aliases ?? []).map((a) => `\`${a}\``).join(', ') || '—';
  const unit = p.tempoSync === true ? `${p.unit} or note value` : p.unit;
  return row([`\`${p.id}\``, unit, range, def, smoothing, modulatable, aliases, p.doc]);
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
