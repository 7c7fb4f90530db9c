// The real `chronus mcp` binary over stdio: spawned with --serve (it starts and stops its own
// server), it lists the tools and answers status; stdout carries only MCP messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('chronus mcp --serve over stdio: tools listed, status answered, the server stopped on close', { timeout: 60000 }, async () => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--serve'], stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'smoke', version: '1' });
  try {
    await client.connect(transport);
    const tools = (await client.listTools()).tools;
    assert.deepEqual(tools.map((t) => t.name), ['status', 'modules', 'get_patch', 'edit_patch', 'validate', 'commit', 'undo', 'control', 'sequencer', 'record', 'hear', 'osc']);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.deepEqual(t.outputSchema?.required, ['summary'], t.name);
    }
    const status = (await client.callTool({ name: 'status', arguments: {} })) as { structuredContent?: Record<string, any>; isError?: boolean };
    assert.notEqual(status.isError, true, JSON.stringify(status));
    assert.match(String(status.structuredContent?.['summary']), /48000 Hz/);
    assert.match(String(status.structuredContent?.['live']['fingerprint']), /^[0-9a-f]{16}$/);
  } finally {
    await client.close();
  }
  // Closing stdin ends the MCP process, which stops the server it started.
  await new Promise((r) => setTimeout(r, 1500));
  assert.match(stderr, /started a server on 127\.0\.0\.1:\d+/);
  assert.match(stderr, /\[serve\] chronus: \/quit: shutting down/, stderr);
});

test('chronus mcp without a server: tools answer with a connection error, changed unknown', { timeout: 30000 }, async () => {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--port', '1'], stderr: 'pipe' });
  const client = new Client({ name: 'smoke', version: '1' });
  try {
    await client.connect(transport);
    const status = (await client.callTool({ name: 'status', arguments: {} })) as { structuredContent?: Record<string, any>; isError?: boolean };
    assert.equal(status.isError, true);
    assert.equal(status.structuredContent?.['error']['code'], 'E_CONNECTION');
    assert.equal(status.structuredContent?.['error']['changed'], 'unknown');
    assert.equal(status.structuredContent?.['error']['retrySafe'], true, 'status is idempotent');
  } finally {
    await client.close();
  }
});
