// `chronus mcp`: the MCP server for agents, over stdio (stdout carries only MCP messages; logs
// go to stderr). Connects to a running Chronus server (--host/--port, or CHRONUS_HOST and
// CHRONUS_PORT), or starts one (--serve) and stops it on exit. See docs/agents.md.
//
// Threading: main thread.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '../dsp/modules/index.js';
import { buildServer, stdioTransport } from '../agent/mcp-sdk.js';
import { ChronusLink } from '../agent/link.js';
import { AgentSession } from '../agent/session.js';
import { agentSurface } from '../agent/surface.js';
import { DEFAULT_PORT, clientTarget } from './client-target.js';

export interface McpOptions {
  readonly host?: string;
  readonly port?: number;
  readonly serve: boolean;
  /** Sink of a started server (--serve). */
  readonly sink: string;
  readonly outDir?: string;
}

export const VERSION = '0.1.0';

export async function runMcp(options: McpOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  const { host, port } = clientTarget(options, process.env, options.serve ? 0 : DEFAULT_PORT);
  const link = new ChronusLink({ host, port, ...(options.serve ? { serve: ['--sink', options.sink] } : {}), log });
  if (options.serve) {
    await link.open();
    log(`chronus mcp: started a server on ${link.host}:${link.port}`);
  } else {
    // Not fatal: tools report the connection error, and it is retried on every call.
    await link.open().catch((error: unknown) => log(`chronus mcp: ${(error as Error).message}; tools will retry`));
  }
  const session = new AgentSession(link, createRegistry(), options.outDir ?? join(tmpdir(), `chronus-mcp-${process.pid}`));
  const server = buildServer(agentSurface(session, VERSION));
  await server.connect(stdioTransport());
  log(`chronus mcp: serving MCP on stdio for ${link.host}:${link.port}; hear files in ${session.outDir}`);
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await link.close();
}
