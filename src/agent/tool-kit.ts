// What a `chronus mcp` tool, resource and prompt is, independent of the MCP SDK (the adapter,
// mcp-sdk.ts, turns these into SDK registrations). Every result is a self-contained object
// with a one-line `summary` first (some clients show the model only the structured result);
// errors are results too (`isError`), with the /fail code, whether anything changed and
// whether the same call may be retried.
//
// Threading: main thread of the MCP process.

import type { z } from 'zod';

/** The structured result of a tool call. */
export type Structured = { readonly summary: string } & Record<string, unknown>;

export interface ToolResult {
  readonly structured: Structured;
  readonly isError?: boolean;
}

/** MCP tool annotations, set truthfully for each tool (they are hints to clients). */
export interface ToolHints {
  /** Changes nothing on the server or on disk (beyond caches). */
  readonly readOnlyHint: boolean;
  /** May undo or overwrite earlier work (replace the live patch, drop staged edits). */
  readonly destructiveHint: boolean;
  /** The same call again with the same arguments has no further effect. */
  readonly idempotentHint: boolean;
}

export interface AgentTool<S extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: S;
  readonly hints: ToolHints;
  run(args: z.infer<z.ZodObject<S>>): Promise<ToolResult>;
}

/** Helps TypeScript infer a tool's argument type from its input shape. */
export function defineTool<S extends z.ZodRawShape>(tool: AgentTool<S>): AgentTool {
  return tool;
}

export interface AgentResource {
  readonly name: string;
  readonly uri: string;
  readonly title: string;
  readonly description: string;
  readonly mimeType: string;
  read(): string;
}

export interface AgentPrompt {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Optional string arguments (name → description). */
  readonly args: Readonly<Record<string, string>>;
  text(args: Readonly<Record<string, string | undefined>>): string;
}

export interface AgentSurface {
  readonly name: string;
  readonly version: string;
  readonly instructions: string;
  readonly tools: readonly AgentTool[];
  readonly resources: readonly AgentResource[];
  readonly prompts: readonly AgentPrompt[];
}
