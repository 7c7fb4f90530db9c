// Access to the dashboard (src/dashboard/auth.ts): beyond loopback every request and WebSocket
// without the token printed at start is refused (only the login form is served), and with it
// (bearer header, query or the login cookie) they work; a cross-origin WebSocket is refused
// even on loopback.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { dashboardAddress } from '../helpers/browser.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

let open: RunningServer;
let guarded: RunningServer;
let guardedPort = 0;
let token = '';
let openPort = 0;

before(async () => {
  [open, guarded] = await Promise.all([
    startServer(['--ui', '--ui-port', '0']),
    startServer(['--ui', '--ui-port', '0', '--ui-host', '0.0.0.0']),
  ]);
  openPort = (await dashboardAddress(open)).port;
  const address = await dashboardAddress(guarded);
  guardedPort = address.port;
  token = address.token ?? '';
});

after(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to 127.0.0.1:port; a WebSocket upgrade answers 101 when accepted. */
function fetchRaw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; upgrade?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.upgrade === true) Object.assign(headers, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
    // A fresh connection each time (agent: false): a refused upgrade leaves its socket unusable.
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('beyond loopback the server prints a token; without it nothing but the login form is served', async () => {
  assert.match(token, /^[0-9a-f]{32}$/);
  const home = await fetchRaw(guardedPort, '/');
  assert.equal(home.status, 401);
  assert.match(home.body, /<form method="post" action="\/login">/);
  assert.doesNotMatch(home.body, /<script/);
  for (const path of ['/ui/app.js', '/ui/index.html', '/vendor/preact.mjs', '/ws', '/anything']) {
    assert.equal((await fetchRaw(guardedPort, path)).status, 401, path);
  }
  assert.equal((await fetchRaw(guardedPort, '/ws', { upgrade: true })).status, 401, 'WebSocket without the token');
  assert.equal((await fetchRaw(guardedPort, `/ws?token=${'0'.repeat(32)}`, { upgrade: true })).status, 401, 'WebSocket with a wrong token');
  assert.equal((await fetchRaw(guardedPort, '/ui/app.js', { headers: { authorization: 'Bearer nope' } })).status, 401);
});

test('with the token (header, query, or the cookie the login form sets) everything works', async () => {
  assert.equal((await fetchRaw(guardedPort, '/ui/app.js', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await fetchRaw(guardedPort, `/vendor/preact.mjs?token=${token}`)).status, 200);
  assert.equal((await fetchRaw(guardedPort, `/ws?token=${token}`, { upgrade: true })).status, 101);
  const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  assert.equal((await fetchRaw(guardedPort, '/login', { ...form, body: 'token=wrong' })).status, 401);
  const login = await fetchRaw(guardedPort, '/login', { ...form, body: `token=${token}` });
  assert.equal(login.status, 302);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  const home = await fetchRaw(guardedPort, '/', { headers: { cookie } });
  assert.equal(home.status, 200);
  assert.match(home.body, /type="importmap"/);
  assert.equal((await fetchRaw(guardedPort, '/ws', { upgrade: true, headers: { cookie } })).status, 101);
});

test('on loopback no token is needed, but a WebSocket from another origin is refused', async () => {
  assert.doesNotMatch(open.log(), /token/);
  assert.equal((await fetchRaw(openPort, '/')).status, 200);
  assert.equal((await fetchRaw(openPort, '/ws', { upgrade: true })).status, 101);
  assert.equal((await fetchRaw(openPort, '/ws', { upgrade: true, headers: { origin: `http://127.0.0.1:${openPort}` } })).status, 101);
  assert.equal((await fetchRaw(openPort, '/ws', { upgrade: true, headers: { origin: 'http://evil.example' } })).status, 403);
});
