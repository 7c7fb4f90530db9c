// `chronus send ADDRESS [ARGS...]` and `chronus send -f FILE`.
//
// After the address every argument is a value ("- F1", "-3" included); only the send options
// themselves (--wait, --no-wait, --host H, --port N, --timeout MS) are still recognised there,
// and `--` ends even that. Errors always give a non-zero exit: without --wait the client waits
// briefly (BRIEF_WAIT_MS) for a /fail; --no-wait is fire-and-forget.
//
// Threading: main thread of the CLI process.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lookupCommand } from '../control/command-table.js';
import { OscClient, parseCliArg } from '../control/osc-client.js';
import type { IncomingMessage } from '../control/osc-transport.js';
import { clientTarget } from './client-target.js';
import { UsageError } from './usage-error.js';
import { parseScript, type ScriptCommand } from './send-script.js';

/** How long a plain `chronus send` waits for a /fail before it assumes success. */
export const BRIEF_WAIT_MS = 300;

export interface SendOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** true: --wait, false: --no-wait, undefined: wait briefly for errors. */
  readonly wait?: boolean | undefined;
  readonly timeout: number;
  readonly file?: string | undefined;
  readonly keepGoing: boolean;
  readonly verbose: boolean;
}

type Out = (text: string) => void;
const stdout: Out = (t) => process.stdout.write(t);
const stderr: Out = (t) => process.stderr.write(t);

export function formatReply(m: IncomingMessage): string {
  return `${m.address} ${m.args.map((a) => JSON.stringify(a)).join(' ')}`.trimEnd();
}

/** Pulls the send options written after the address out of `args` (see the header). */
export function splitTrailingOptions(args: readonly string[]): { values: string[]; wait?: boolean; host?: string; port?: number; timeout?: number } {
  const values: string[] = [];
  const found: { wait?: boolean; host?: string; port?: number; timeout?: number } = {};
  const valueOf = (i: number, name: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const integerOf = (text: string, name: string): number => {
    if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be an integer, not '${text}'`);
    return Number(text);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      values.push(...args.slice(i + 1));
      break;
    }
    if (a === '--wait') found.wait = true;
    else if (a === '--no-wait') found.wait = false;
    else if (a === '--host') found.host = valueOf(i++, a);
    else if (a === '--port') found.port = integerOf(valueOf(i++, a), a);
    else if (a === '--timeout') found.timeout = integerOf(valueOf(i++, a), a);
    else values.push(a);
  }
  return { values, ...found };
}

/** One command. Returns the exit code. */
export async function runSend(address: string, rawArgs: readonly string[], options: SendOptions, out: Out = stdout, err: Out = stderr): Promise<number> {
  const trailing = splitTrailingOptions(rawArgs);
  const target = clientTarget({ host: trailing.host ?? options.host, port: trailing.port ?? options.port });
  const wait = trailing.wait ?? options.wait;
  const timeout = trailing.timeout ?? options.timeout;
  const args = trailing.values.map(parseCliArg);
  const client = new OscClient(target.host, target.port);
  try {
    if (wait === false) {
      await client.send(address, ...args);
      return 0;
    }
    if (wait === true) {
      // /mod replies are opt-in: subscribe first so --wait has something to print.
      if (address.startsWith('/mod/')) await client.request('/notify', [1], timeout);
      const reply = await client.request(address, args, timeout);
      (reply.address === '/fail' ? err : out)(`${formatReply(reply)}\n`);
      return reply.address === '/fail' ? 1 : 0;
    }
    let reply: IncomingMessage;
    try {
      reply = await client.request(address, args, BRIEF_WAIT_MS);
    } catch {
      // /mod answers only errors (without /notify): silence is success. Other commands always answer.
      if (!address.startsWith('/mod/')) err(`chronus send: no reply from ${target.host}:${target.port} within ${BRIEF_WAIT_MS} ms (is the server running? --wait waits longer)\n`);
      return 0;
    }
    if (reply.address !== '/fail') return 0;
    err(`${formatReply(reply)}\n`);
    return 1;
  } catch (error) {
    err(`chronus send: ${(error as Error).message} (is the server running on ${target.host}:${target.port}?)\n`);
    return 1;
  } finally {
    client.close();
  }
}

interface LineOutcome {
  readonly command: ScriptCommand;
  reply?: IncomingMessage;
}

/**
 * `send -f FILE`: every command over one socket, subscribed with /notify so /mod lines answer too.
 * A command the engine applies (module, patch, sequencer commands) answers only once a slot has
 * decided its frame, a few blocks later; its errors are found when it arrives. So after sending
 * one, the client sends a probe (/notify 1, answered at once): the probe's answer means the
 * server has checked the command, and a /fail for it would have come first. The next line goes
 * out then; the command's own answer is collected as it comes (before exit, in any case). Other
 * commands (server ones such as /buffer/load, /patch/load) are waited for before the next line.
 * Stops at the first /fail (with its line number) unless keepGoing. Returns the exit code.
 */
export async function runSendFile(file: string, options: SendOptions, out: Out = stdout, err: Out = stderr): Promise<number> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { commands, errors } = parseScript(source);
  if (errors.length > 0) throw new UsageError(`${file} has errors, nothing was sent:\n${errors.map((e) => `  ${file}:${e.line}: ${e.message}`).join('\n')}`);
  const target = clientTarget(options);
  const client = new OscClient(target.host, target.port);
  const started = performance.now();
  const pending = new Map<string, LineOutcome[]>();
  const failed: LineOutcome[] = [];
  let answered = 0;
  const settle = (outcome: LineOutcome, reply: IncomingMessage): void => {
    outcome.reply = reply;
    answered++;
    if (options.verbose) out(`${file}:${outcome.command.line}: ${formatReply(reply)}\n`);
    if (reply.address === '/fail') {
      failed.push(outcome);
      err(`${file}:${outcome.command.line}: ${outcome.command.text}\n  ${formatReply(reply)}\n`);
    }
  };
  /** Files a reply under its line; a /fail while `current` awaits its check is current's. */
  const handle = (m: IncomingMessage, current: LineOutcome | undefined): void => {
    const address = String(m.args[0]);
    const queue = pending.get(address);
    if (queue === undefined || queue.length === 0) return;
    let k = 0;
    if (m.address === '/fail' && current !== undefined && current.command.address === address) k = Math.max(0, queue.indexOf(current));
    settle(queue.splice(k, 1)[0]!, m);
  };
  const isAnswer = (m: IncomingMessage): boolean => m.address === '/done' || m.address === '/fail';
  const isProbe = (m: IncomingMessage): boolean => m.address === '/done' && m.args[0] === '/notify';
  const expect = (): Promise<IncomingMessage> => client.next(isAnswer, options.timeout);
  let sent = 0;
  try {
    await client.request('/notify', [1], options.timeout);
    for (const command of commands) {
      if (failed.length > 0 && !options.keepGoing) break;
      const outcome: LineOutcome = { command };
      const queue = pending.get(command.address) ?? [];
      queue.push(outcome);
      pending.set(command.address, queue);
      await client.send(command.address, ...command.args);
      sent++;
      const applied = lookupCommand(command.address)?.entry.scope === 'session';
      if (applied) await client.send('/notify', 1);
      for (;;) {
        const m = await expect();
        if (isProbe(m) && command.address !== '/notify') {
          if (applied) break;
          continue;
        }
        handle(m, outcome.reply === undefined ? outcome : undefined);
        if (!applied && outcome.reply !== undefined) break;
      }
      client.drain();
    }
    while (answered < sent) handle(await expect(), undefined);
    await client.request('/notify', [0], options.timeout).catch(() => undefined);
  } catch (error) {
    const waiting = [...pending.values()].flat().map((o) => o.command.line);
    err(`chronus send: ${(error as Error).message}${waiting.length > 0 ? ` (lines without an answer: ${waiting.join(', ')})` : ''}; is the server running on ${target.host}:${target.port}?\n`);
    return 1;
  } finally {
    client.close();
  }
  const ms = performance.now() - started;
  const skipped = commands.length - sent;
  err(
    `chronus send: ${sent} of ${commands.length} commands from ${file} in ${ms.toFixed(0)} ms` +
      (failed.length === 0 ? ', all done' : `, ${failed.length} failed (first at line ${failed[0]!.command.line})`) +
      (skipped > 0 ? `; stopped, ${skipped} not sent (--keep-going sends them anyway)` : '') +
      '\n',
  );
  return failed.length === 0 ? 0 : 1;
}
