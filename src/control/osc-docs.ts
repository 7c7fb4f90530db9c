// Generates docs/osc.md, the OSC reference, from the command table and the error-code lists,
// so the documentation cannot drift from the code (test/server/osc-docs.test.ts compares the
// file with oscReferenceMarkdown()); the error codes come from the registry, error-codes.ts. Regenerate with `npm run docs` (src/cli/docs-command.ts).
//
// Pure: same table → same text.

import { fileURLToPath } from 'node:url';
import { COMMANDS, type ArgSpec, type CommandEntry } from './command-table.js';
import { OSC_ERROR_CODES, type ErrorCodeGroup } from './error-codes.js';
import { MAX_TCP_FRAME } from './osc-transport.js';

/** docs/osc.md at the package root (this file is dist/src/control/osc-docs.js). */
export const OSC_DOCS_PATH = fileURLToPath(new URL('../../../docs/osc.md', import.meta.url));





/** Groups of the command tables, by the first address segment; unknown segments go to 'Other'. */
const GROUPS: ReadonlyArray<readonly [title: string, segments: readonly string[], intro: string]> = [
  ['Live control', ['mod', 'gate', 'module'], 'Commands on modules of the live patch, applied at a sample-exact frame (the next safe block, or the frame of a bundle timetag).'],
  ['Patch editing', ['patch'], 'Edits go to a staged copy of the live patch; `/patch/commit` validates the whole staged patch and applies it to every slot at one block boundary.'],
  ['Sequencing', ['seq'], 'One transport (tempo, swing, bar grid) and up to 32 step sequencers running inside the engine, driven by rendered frames: every step lands on its exact sample, identically in every slot and offline. See [sequencing.md](sequencing.md).'],
  ['Recording', ['record'], 'Files go to `<data-dir>/recordings/`.'],
  ['Engine', ['engine', 'state'], ''],
  ['Session', ['sync', 'notify', 'quit', 'client'], ''],
];

function segmentOf(entry: CommandEntry): string {
  return entry.address.split('/')[1] ?? '';
}

function argsCell(args: readonly ArgSpec[]): string {
  if (args.length === 0) return '—';
  return args.map((a) => (a.optional === true ? `\`[${a.name}: ${a.type}]\`` : `\`<${a.name}: ${a.type}>\``)).join(' ');
}

function replyCell(entry: CommandEntry): string {
  if (entry.replyAddress !== undefined) return `\`${entry.replyAddress} …\``;
  if (entry.reply === 'opt-in') return `\`/done ${entry.usage} …\` to /notify subscribers only`;
  return `\`/done ${entry.usage} …\``;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.trim().replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`;
}

function commandTable(entries: readonly CommandEntry[]): string[] {
  return [
    '| Address | Args | Reply on success | Description |',
    '| --- | --- | --- | --- |',
    ...entries.map((e) => row([`\`${e.usage}\``, argsCell(e.args), replyCell(e), e.doc])),
  ];
}

function codeTable(group: ErrorCodeGroup): string[] {
  return [
    '| Code | Meaning |',
    '| --- | --- |',
    ...OSC_ERROR_CODES.filter((c) => c.group === group).map((c) => row([`\`${c.code}\``, c.description])),
  ];
}

export function oscReferenceMarkdown(): string {
  const lines: string[] = [
    '# OSC reference',
    '',
    '<!-- Generated from src/control/command-table.ts by oscReferenceMarkdown() (src/control/osc-docs.ts); do not edit by hand.',
    '     Regenerate: npm run docs -->',
    '',
    'The server listens for OSC 1.0 on one port, over UDP and over TCP (each packet prefixed by its',
    'length as a big-endian int32, as liblo and SuperCollider frame it), on 127.0.0.1 unless',
    '`chronus serve --host` says otherwise. Messages may come alone or in bundles (which may nest).',
    '',
    '## Replies',
    '',
    '- Success: `/done <address> [results…]`, sent to the address and port the command came from',
    '  (on TCP: the same connection). `<address>` is the full address of the command, e.g.',
    '  `/done /gate/adsr1 96256`.',
    '- Failure: `/fail <address> <code> <message>`: a stable code from the lists below and a',
    '  readable message. Errors are always answered, opt-in commands included.',
    '- Some commands answer at their own address instead: `/engine/status` → `/engine/status.reply <json>`,',
    '  `/sync <id>` → `/synced <id>`.',
    '- Opt-in: `/mod/…` succeeds silently (it is meant for high rates) unless the client subscribed',
    '  with `/notify 1`; subscribers also receive notifications such as',
    '  `/module/fault <module> <code> <frame>`.',
    '- Frames: `<frame>` results are engine sample frames (48000 per second at 48 kHz) at which a',
    '  command takes effect.',
    '- Timed bundles: the messages of a bundle with a timetag other than "immediately" take effect at',
    "  the frame of the timetag on the sink's clock. A timetag already too close to be honoured is",
    '  answered `/late <seconds late> <address>` and the command is applied as soon as possible.',
    '- Undecodable packets are answered `/fail ? E_MALFORMED <message>`; a TCP frame header larger than',
    `  ${MAX_TCP_FRAME} bytes (or negative) is answered \`/fail ? E_OVERSIZE <message>\` and the connection is closed.`,
    '- Arguments: `string` must be an OSC string; `number` an int32, float32, double or int64;',
    '  `value` anything (numbers, strings such as enum labels or "on"/"off", true/false). Wrong',
    '  count or type: `E_BAD_ARGS`. An address no command has: `E_UNKNOWN_ADDRESS`.',
    '',
    '## Commands',
  ];
  const placed = new Set<CommandEntry>();
  const sections: Array<[string, string, CommandEntry[]]> = GROUPS.map(([title, segments, intro]) => {
    const entries = COMMANDS.filter((e) => segments.includes(segmentOf(e)));
    for (const e of entries) placed.add(e);
    return [title, intro, entries];
  });
  const rest = COMMANDS.filter((e) => !placed.has(e));
  if (rest.length > 0) sections.push(['Other', '', rest]);
  for (const [title, intro, entries] of sections) {
    if (entries.length === 0) continue;
    lines.push('', `### ${title}`, '');
    if (intro !== '') lines.push(intro, '');
    lines.push(...commandTable(entries));
  }
  lines.push(
    '',
    '## Error codes',
    '',
    'Codes are stable: never renamed or reused, only added.',
    '',
    '### Command errors',
    '',
    'The `<code>` of a `/fail` reply.',
    '',
    ...codeTable('command'),
    '',
    '### Patch errors',
    '',
    'Reported by `/patch/*` edits that can be checked on their own, and listed inside the message of',
    '`E_PATCH_INVALID` (by `/patch/commit` and `/patch/load`) with the JSON path of each problem.',
    '',
    ...codeTable('patch'),
    '',
    '### Notification codes',
    '',
    'Carried by `/module/fault <module> <code> <frame>`, sent to /notify subscribers.',
    '',
    ...codeTable('notification'),
  );
  return `${lines.join('\n')}\n`;
}
