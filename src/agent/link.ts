// The MCP process's link to a Chronus server: a TCP OSC connection to a running server
// (host/port as other clients, CHRONUS_HOST/CHRONUS_PORT when set), or to one it starts itself
// (`chronus mcp --serve`: a child `chronus serve` on a free port, stopped with the MCP process).
// A dropped connection is reopened on the next call.
//
// Threading: main thread of the MCP process.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OscValue } from '../control/command-table.js';
import { OscTcpClient } from './osc-tcp-client.js';

/** A command's answer: `/done` arguments after the address (or a reply address's arguments), or the /fail. */
export type Answer = { readonly ok: true; readonly args: readonly OscValue[] } | { readonly ok: false; readonly code: string; readonly message: string; readonly transport?: boolean };

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  /** Start a server (`chronus serve`) with these extra arguments instead of connecting to one. */
  readonly serve?: readonly string[];
  readonly log?: (line: string) => void;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export class ChronusLink {
  private client: OscTcpClient | undefined;
  private child: ChildProcess | undefined;
  host: string;
  port: number;

  constructor(private readonly options: LinkOptions) {
    this.host = options.host;
    this.port = options.port;
  }

  /** Starts the server if asked to, then connects. */
  async open(): Promise<void> {
    if (this.options.serve !== undefined && this.child === undefined) await this.startServer(this.options.serve);
    await this.connection();
  }

  /** Sends a command (at a Unix time when `atUnixMs` is given) and returns its answer; a lost connection is a failure with `transport: true`. */
  async call(address: string, args: readonly OscValue[] = [], options: { timeoutMs?: number; atUnixMs?: number } = {}): Promise<Answer> {
    let reply;
    try {
      const client = await this.connection();
      reply = await client.request(address, args, options);
    } catch (error) {
      return { ok: false, code: 'E_CONNECTION', message: (error as Error).message, transport: true };
    }
    if (reply.address === '/fail') return { ok: false, code: String(reply.args[1]), message: String(reply.args[2]) };
    return { ok: true, args: reply.address === '/done' ? reply.args.slice(1) : reply.args };
  }

  /** Calls a command whose first reply argument is JSON, and parses it. */
  async json<T>(address: string, args: readonly OscValue[] = []): Promise<{ ok: true; value: T; args: readonly OscValue[] } | Extract<Answer, { ok: false }>> {
    const answer = await this.call(address, args);
    if (!answer.ok) return answer;
    return { ok: true, value: JSON.parse(String(answer.args[0])) as T, args: answer.args };
  }

  async close(): Promise<void> {
    if (this.child !== undefined && this.child.exitCode === null) {
      await this.call('/quit', [], { timeoutMs: 2000 });
      const child = this.child;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.exitCode !== null) resolve();
      });
    }
    this.client?.close();
    this.client = undefined;
  }

  private async connection(): Promise<OscTcpClient> {
    if (this.client?.isOpen === true) return this.client;
    const client = await OscTcpClient.connect(this.host, this.port);
    // Subscribed, so /mod is answered like every other command (tools wait for the frame).
    await client.request('/notify', [1]);
    this.client = client;
    return client;
  }

  /** Spawns `chronus serve --port <port> ...` and waits for its "listening" line. */
  private async startServer(extra: readonly string[]): Promise<void> {
    const log = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const child = spawn(process.execPath, [CLI, 'serve', '--host', this.host, '--port', String(this.port), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let text = '';
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start within 20 s:\n${text}`)), 20000);
      child.stderr.on('data', (chunk: Buffer) => {
        const lines = chunk.toString();
        text += lines;
        for (const line of lines.split('\n')) if (line !== '') log(`[serve] ${line}`);
        const m = /listening for OSC on .*:(\d+) /.exec(text);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with code ${code}:\n${text}`));
      });
    });
  }
}
