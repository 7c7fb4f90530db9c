// The adapter to @modelcontextprotocol/sdk (v1): the only file that imports the SDK, so moving
// to the v2 packages is a change here. It registers an AgentSurface (tool-kit.ts) on an
// McpServer and serves it over stdio.
//
// Threading: main thread of the MCP process.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import type { AgentSurface, AgentTool, ToolResult } from './tool-kit.js';

/** Every tool's output schema: an object with a one-line summary (and anything else). */
const OUTPUT_SHAPE = z.object({ summary: z.string() }).passthrough();

/** An SDK-agnostic handle on a built server. */
export interface BuiltServer {
  /** Connects to a transport made by `stdioTransport` or a test's in-memory pair. */
  connect(transport: unknown): Promise<void>;
  close(): Promise<void>;
}

function callResult(result: ToolResult): { content: Array<{ type: 'text'; text: string }>; structuredContent: Record<string, unknown>; isError?: boolean } {
  return {
    content: [{ type: 'text', text: JSON.stringify(result.structured) }],
    structuredContent: result.structured,
    ...(result.isError === true ? { isError: true } : {}),
  };
}

function registerTool(server: McpServer, tool: AgentTool): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: OUTPUT_SHAPE,
      annotations: { title: tool.title, ...tool.hints, openWorldHint: false },
    },
    (async (args: unknown) => {
      try {
        return callResult(await tool.run(args as never));
      } catch (error) {
        return callResult({
          isError: true,
          structured: {
            summary: `${tool.name} failed unexpectedly: ${(error as Error).message}`,
            error: { code: 'E_INTERNAL', message: String(error), changed: 'unknown', retrySafe: tool.hints.idempotentHint },
          },
        });
      }
    }),
  );
}

export function buildServer(surface: AgentSurface): BuiltServer {
  const server = new McpServer({ name: surface.name, version: surface.version }, { instructions: surface.instructions });
  for (const tool of surface.tools) registerTool(server, tool);
  for (const r of surface.resources) {
    server.registerResource(r.name, r.uri, { title: r.title, description: r.description, mimeType: r.mimeType }, (uri) => ({
      contents: [{ uri: uri.href, mimeType: r.mimeType, text: r.read() }],
    }));
  }
  for (const p of surface.prompts) {
    const argsSchema = Object.fromEntries(Object.entries(p.args).map(([name, doc]) => [name, z.string().optional().describe(doc)]));
    const messages = (args: Record<string, string | undefined>) => ({
      description: p.description,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: p.text(args) } }],
    });
    // An empty argsSchema would still reject a call without arguments: leave it out then.
    if (Object.keys(argsSchema).length === 0) server.registerPrompt(p.name, { title: p.title, description: p.description }, () => messages({}));
    else server.registerPrompt(p.name, { title: p.title, description: p.description, argsSchema }, ((args: Record<string, string | undefined>) => messages(args)));
  }
  return {
    connect: (transport) => server.connect(transport as Transport),
    close: () => server.close(),
  };
}

/** A transport over this process's stdin and stdout (stdout then carries only MCP messages). */
export function stdioTransport(): unknown {
  return new StdioServerTransport();
}
