// Generates docs/osc.md, the OSC reference, from the command table and the error-code lists,
// so the documentation cannot drift from the code (test/server/osc-docs.test.ts compares the
// file with oscReferenceMarkdown(), and greps the sources for error codes missing from
// OSC_ERROR_CODES). Regenerate with `npm run docs` (src/cli/docs-command.ts).
//
// Pure: same table → same text.

import { fileURLToPath } from 'node:url';
import { PATCH_ERROR_CODES } from '../patch/errors.js';
import { BUFFER_ERROR_CODES } from './buffer-library.js';
import { COMMAND_ERRORS } from './address.js';
import { SEQ_ERRORS } from './seq-commands.js';
import { COMMANDS, type ArgSpec, type CommandEntry } from './command-table.js';
import { MAX_TCP_FRAME, MAX_UDP_REPLY } from './osc-transport.js';

/** docs/osc.md at the package root (this file is dist/src/control/osc-docs.js). */
export const OSC_DOCS_PATH = fileURLToPath(new URL('../../../docs/osc.md', import.meta.url));

export type ErrorCodeGroup = 'command' | 'patch' | 'notification';

export interface ErrorCodeDoc {
  readonly code: string;
  readonly group: ErrorCodeGroup;
  readonly description: string;
}

/**
 * Codes the control surface produces itself (command table, server, patch editor, transports),
 * beyond the module-command codes of address.ts COMMAND_ERRORS.
 */
const SERVER_ERRORS: Readonly<Record<string, string>> = {
  E_BAD_NAME: "A file name given over OSC is not a plain name ([A-Za-z0-9_.-], at most 64 characters, no '/', '\\\\' or '..').",
  E_NOT_FOUND: 'The named file does not exist or cannot be read (/patch/load).',
  E_PATCH_INVALID: 'The staged (or loaded) patch does not validate; the message lists every error as `<path>: <code>: <message>` separated by `; `. Nothing changes.',
  E_RECORDING: 'Already recording: /record/stop first.',
  E_FORBIDDEN: 'The server does not allow this command (/debug/fault needs --allow-fault-injection).',
  E_NOT_RECORDING: '/record/stop while not recording.',
  E_NOT_CONNECTED: '/patch/disconnect of a connection the staged patch does not have.',
  E_BUSY: "A slot's command ring is full; try again.",
  E_NO_SLOT: 'No slot took the command in time (every slot is down or stalled).',
  E_TOO_FAR: 'A bundle timetag lies more than 600 s ahead.',
  E_LATE_DROPPED: 'A timetagged bundle arrived after its time and this client asked to drop late bundles (/client/late drop).',
  E_INTERNAL: 'A command handler failed unexpectedly (a server bug; the server keeps running).',
  E_MALFORMED: 'The packet is not valid OSC (`/fail ? E_MALFORMED <message>`).',
  E_REPLY_TOO_BIG: `A reply longer than a UDP datagram (${MAX_UDP_REPLY} bytes; e.g. /patch/get or /engine/status of a patch of about a thousand modules): \`/fail <command> E_REPLY_TOO_BIG <message>\`; send that command over TCP (same port).`,
  E_OVERSIZE: `A TCP frame header announces more than ${MAX_TCP_FRAME} bytes, or a negative size (\`/fail ? E_OVERSIZE <message>\`); the server closes the connection.`,
};

/** Codes carried by notifications (`/module/fault <module> <code> <frame>`) to /notify subscribers. */
const NOTIFICATION_CODES: Readonly<Record<string, string>> = {
  E_MODULE_THREW: "A module's code threw; the module is muted until /module/reset.",
  E_MODULE_NON_FINITE: 'A module produced NaN or infinite output; the module is muted until /module/reset.',
};

/**
 * Every error code a client can see over OSC: in a `/fail` reply, inside an E_PATCH_INVALID
 * message, or in a notification. A code is listed once per group (E_UNKNOWN_MODULE, for one, is
 * both a command error and a patch error).
 */
export const OSC_ERROR_CODES: readonly ErrorCodeDoc[] = (() => {
  const out: ErrorCodeDoc[] = [];
  const seen = new Set<string>();
  const add = (group: ErrorCodeGroup, entries: Readonly<Record<string, string>>): void => {
    for (const [code, description] of Object.entries(entries)) {
      if (seen.has(`${group} ${code}`)) continue;
      seen.add(`${group} ${code}`);
      out.push({ code, group, description });
    }
  };
  add('command', COMMAND_ERRORS);
  add('command', SERVER_ERRORS);
  add('command', SEQ_ERRORS);
  add('command', BUFFER_ERROR_CODES);
  add('patch', PATCH_ERROR_CODES);
  add('notification', NOTIFICATION_CODES);
  return out;
})();

/** Groups of the command tables, by the first address segment; unknown segments go to 'Other'. */
const GROUPS: ReadonlyArray<readonly [title: string, segments: readonly string[], intro: string]> = [
  ['Live control', ['mod', 'gate', 'module'], 'Commands on modules of the live patch, applied at a sample-exact frame (the next safe block, or the frame of a bundle timetag).'],
  ['Patch editing', ['patch'], 'Edits go to a staged copy of the live patch; `/patch/commit` validates the whole staged patch and applies it to every slot at one block boundary.'],
  ['Sequencing', ['seq'], 'One transport (tempo, swing, bar grid) and up to 32 step sequencers running inside the engine, driven by rendered frames: every step lands on its exact sample, identically in every slot and offline. See [sequencing.md](sequencing.md).'],
  ['Recording', ['record'], 'Files go to `<data-dir>/recordings/`.'],
  ['Engine', ['engine'], ''],
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
