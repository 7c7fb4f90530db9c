// A real browser for the dashboard tests: Debian's chromium (installed by .ci/run) driven by
// playwright-core; CHROMIUM_PATH overrides where it is. Screenshots go to test-artifacts/
// (gitignored), one per state a test reaches.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { RunningServer } from './server-process.js';

export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/** Where chromium is, or an error saying how to get it. */
export function chromiumPath(): string {
  const env = process.env['CHROMIUM_PATH'];
  if (env !== undefined && existsSync(env)) return env;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('no chromium found: install Debian\'s chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH');
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The dashboard address a `chronus serve --ui` printed (waits for the line), and its token if any. */
export async function dashboardAddress(server: RunningServer, timeoutMs = 10_000): Promise<{ url: string; port: number; token: string | undefined }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /dashboard on (http:\/\/[^\s]+:(\d+)\/)(?: \(beyond loopback: token ([0-9a-f]+)\))?/.exec(server.log());
    if (m !== null) return { url: m[1]!, port: Number(m[2]), token: m[3] };
    if (Date.now() > deadline) throw new Error(`no dashboard line in the server log:\n${server.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
