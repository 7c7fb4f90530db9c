// Access to the dashboard. On loopback (the default) there is no token: as with OSC, anyone on
// the machine may use it. Beyond loopback (`--ui-host`) the server makes a random token and
// prints it at start; the page asks for it once (a form that sets an HttpOnly, SameSite=Strict
// cookie), and every request and WebSocket must carry it: that cookie, `Authorization: Bearer
// <token>`, or `?token=<token>`. Only the login form itself is served without it.
//
// Independently of the token, a WebSocket whose Origin header names another host than the one
// it connects to is refused: a web page the browser happens to show must not drive the synth
// through it (browsers do not apply CORS to WebSockets).
//
// Threading: main thread.

import { randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_COOKIE = 'chronus_token';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** A fresh random token (128 bits, hex). */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** True when `given` equals `token` (constant time for equal lengths). */
export function tokenMatches(token: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries, if any: cookie, bearer header or query parameter. */
export function tokenOf(headers: Record<string, string | string[] | undefined>, url: string): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = headers['cookie'];
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  const query = url.indexOf('?');
  if (query >= 0) return new URLSearchParams(url.slice(query + 1)).get('token') ?? undefined;
  return undefined;
}

/** False when an Origin header is present and names a different host:port than Host. */
export function sameOrigin(headers: Record<string, string | string[] | undefined>): boolean {
  const origin = headers['origin'];
  if (typeof origin !== 'string') return true;
  try {
    return new URL(origin).host === headers['host'];
  } catch {
    return false;
  }
}

/** The login form (no script, no data): asks for the token once. */
export function loginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chronus dashboard: token</title>
<style>body{font:15px system-ui,sans-serif;background:#14161a;color:#dde;display:grid;place-items:center;height:90vh}
form{background:#1d2026;padding:24px 28px;border-radius:8px}input{font:inherit;padding:6px;margin:8px 0;width:22em}
button{font:inherit;padding:6px 14px}.bad{color:#f77}</style></head>
<body><form method="post" action="/login"><h1>Chronus</h1>
<p>This dashboard listens beyond loopback: enter the token the server printed at start.</p>
${failed ? '<p class="bad">That token is not right.</p>' : ''}
<input name="token" type="password" autocomplete="off" autofocus aria-label="token"><br><button type="submit">Open</button></form></body></html>`;
}
