// Starts a real `chronus serve` process on a free loopback port for integration tests, and
// gives a UDP client connected to it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OscClient } from '../../src/control/osc-client.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface RunningServer {
  readonly port: number;
  readonly dataDir: string;
  readonly client: OscClient;
  readonly process: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  readonly log: () => string;
  /** Sends /quit (or SIGTERM if that fails) and waits for exit; returns the exit code. */
  stop(): Promise<number | null>;
  newClient(): OscClient;
}

/**
 * `options.sink`: the --sink value (default 'null'; the device tests pass 'device').
 * `options.env`: extra environment variables for the server process.
 */
export async function startServer(args: string[] = [], options: { readonly sink?: string; readonly env?: Readonly<Record<string, string>> } = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronus-server-'));
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, '--sink', options.sink ?? 'null', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening for OSC on [^:]+:(\d+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  const clients: OscClient[] = [];
  const newClient = (): OscClient => {
    const c = new OscClient('127.0.0.1', port);
    clients.push(c);
    return c;
  };
  const client = newClient();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  return {
    port,
    dataDir,
    client,
    process: child,
    log: () => stderr,
    newClient,
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
  };
  async function stopOnce(): Promise<number | null> {
    try {
      await client.request('/quit', [], 2000);
    } catch {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    const code = await exited;
    clearTimeout(timer);
    for (const c of clients) c.close();
    return code;
  }
}

/** Parses the JSON payload of /engine/status.reply. */
export async function engineStatus(client: OscClient): Promise<Record<string, any>> {
  const reply = await client.request('/engine/status');
  return JSON.parse(String(reply.args[0])) as Record<string, any>;
}
