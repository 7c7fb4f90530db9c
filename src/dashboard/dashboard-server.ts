// `chronus serve --ui`: the live dashboard, served by fastify with @fastify/websocket. The page
// (ui/, Preact + htm, shipped with the package: no CDN, no build step) opens one WebSocket and
// gets:
//   binary frames   scopes, spectra, meters, loudness (live-feed.ts), FRAME_HZ times a second
//   'hello'         the module specs, the live patch and its layout, the recent event log
//   'status'        /engine/status plus the staged patch, sequencers, recording (STATUS_HZ)
//   'steps'         the step each sequencer is playing (STEPS_HZ, when it changed)
//   'patch'         the live patch and its layout, after every commit
//   'event'         commits, /fail and /late replies, failovers, rejoins, outages, module faults
//   'reply'         the replies to the page's own commands
// and sends { type: 'cmd', id, address, args }: OSC addresses, run by the server's dispatcher
// and command table exactly like an OSC client's (validated, answered, journalled), and
// { type: 'tap', module, output } (which module output the module scope shows: a view choice,
// not an engine command). Several pages may watch at once; a page that reads too slowly loses
// frames (never audio: everything here reads shared rings the audio threads fill regardless).
//
// Threading: main thread.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { OscValue } from '../control/command-table.js';
import type { ChronusServer, ServerEvent } from '../control/server.js';
import type { PatchDocument } from '../patch/document.js';
import { TOKEN_COOKIE, isLoopback, loginPage, newToken, sameOrigin, tokenMatches, tokenOf } from './auth.js';
import { layoutPatch } from './graph-layout.js';
import { LiveFeed } from './live-feed.js';

export interface DashboardOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Required token; default: none on loopback, a fresh random one beyond it. */
  readonly token?: string;
  readonly log: (line: string) => void;
}

export const FRAME_HZ = 30;
const STATUS_HZ = 5;
const STEPS_HZ = 15;
/** A page whose socket holds more than this unsent is skipped (it loses frames). */
const MAX_BUFFERED_BYTES = 256 * 1024;
const EVENTS_KEPT = 200;

/** What the dashboard uses of a ws WebSocket. */
interface PageSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close' | 'error', listener: () => void): void;
}

interface Page {
  readonly id: number;
  readonly socket: PageSocket;
}

/** What the dashboard sent, for the benchmark and tests. */
export interface DashboardStats {
  pages: number;
  framesSent: number;
  framesDropped: number;
  bytesSent: number;
}

const UI_DIR = fileURLToPath(new URL('../../../ui/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };

function typeOf(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/** The page's files (ui/) and the UI library's ES modules, read once at start. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(UI_DIR, { recursive: true }) as string[]) {
    if (/\.(html|js|css|png|svg)$/.test(name)) assets.set(`/ui/${name.split('\\').join('/')}`, { type: typeOf(name), body: readFileSync(`${UI_DIR}${name}`) });
  }
  const vendor: Record<string, string> = { '/vendor/preact.mjs': 'preact', '/vendor/hooks.mjs': 'preact/hooks', '/vendor/htm.mjs': 'htm' };
  for (const [path, specifier] of Object.entries(vendor)) {
    const body = readFileSync(fileURLToPath(import.meta.resolve(specifier))).toString('utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
    assets.set(path, { type: 'text/javascript; charset=utf-8', body: Buffer.from(body) });
  }
  return assets;
}

export class Dashboard {
  readonly token: string | undefined;
  readonly stats: DashboardStats = { pages: 0, framesSent: 0, framesDropped: 0, bytesSent: 0 };
  port = 0;
  private app: FastifyInstance | undefined;
  private readonly pages = new Set<Page>();
  private nextPage = 1;
  private readonly feed: LiveFeed;
  private readonly events: Array<{ t: number; kind: string; text: string }> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private livePatch: PatchDocument | undefined;
  private lastSteps = '';
  private tap: { module: string; output: number } | undefined;
  private readonly observer = (event: ServerEvent): void => this.onServerEvent(event);

  constructor(private readonly server: ChronusServer, private readonly options: DashboardOptions) {
    this.token = options.token ?? (isLoopback(options.host) ? undefined : newToken());
    this.feed = new LiveFeed(server.supervisor);
  }

  /** The page's address (with the port actually bound). */
  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}/`;
  }

  async start(): Promise<void> {
    const assets = loadAssets();
    const app = fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app = app;
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    const token = this.token;
    app.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/ws') && !sameOrigin(request.headers)) return reply.code(403).send('cross-origin WebSocket refused');
      if (token === undefined || request.url === '/login' || tokenMatches(token, tokenOf(request.headers, request.url))) return undefined;
      if (request.method === 'GET' && (request.url === '/' || request.url.startsWith('/?'))) return reply.code(401).type('text/html; charset=utf-8').send(loginPage(false));
      return reply.code(401).send('token required');
    });
    app.post('/login', async (request, reply) => {
      const given = request.body instanceof URLSearchParams ? request.body.get('token') ?? undefined : undefined;
      if (token === undefined) return reply.redirect('/');
      if (!tokenMatches(token, given)) return reply.code(401).type('text/html; charset=utf-8').send(loginPage(true));
      return reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(given!)}; HttpOnly; SameSite=Strict; Path=/`).redirect('/');
    });
    const index = assets.get('/ui/index.html')!;
    app.get('/', async (_request, reply) => reply.type(index.type).header('cache-control', 'no-store').send(index.body));
    app.get('/ui/*', async (request, reply) => serveAsset(assets, request, reply));
    app.get('/vendor/*', async (request, reply) => serveAsset(assets, request, reply));
    app.get('/ws', { websocket: true }, (socket) => this.open(socket as unknown as PageSocket));
    await app.listen({ host: this.options.host, port: this.options.port });
    const address = app.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : this.options.port;
    this.server.observers.add(this.observer);
    this.timers.push(setInterval(() => this.sendFrame(), 1000 / FRAME_HZ));
    this.timers.push(setInterval(() => this.sendStatus(), 1000 / STATUS_HZ));
    this.timers.push(setInterval(() => this.sendSteps(), 1000 / STEPS_HZ));
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.server.observers.delete(this.observer);
    for (const page of this.pages) page.socket.close(1001, 'server stopping');
    await this.app?.close();
  }

  // ------------------------------------------------------------------ pages

  private open(socket: PageSocket): void {
    const page: Page = { id: this.nextPage++, socket };
    this.pages.add(page);
    this.stats.pages = this.pages.size;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.onPageMessage(page, data.toString('utf8'));
    });
    socket.on('close', () => {
      this.pages.delete(page);
      this.stats.pages = this.pages.size;
    });
    socket.on('error', () => socket.terminate());
    const live = this.server.editor.live;
    this.livePatch = live;
    this.sendTo(page, JSON.stringify({
      type: 'hello', page: page.id, modules: (this.server.schema() as { modules: unknown }).modules, patch: live, layout: layoutPatch(live),
      events: this.events, tap: this.tap ?? null, frameHz: FRAME_HZ,
    }));
    this.sendTo(page, JSON.stringify(this.statusMessage()));
  }

  private onPageMessage(page: Page, text: string): void {
    let message: { type?: unknown; id?: unknown; address?: unknown; args?: unknown; module?: unknown; output?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'cmd' && typeof message.address === 'string' && Array.isArray(message.args)) {
      const args = message.args.filter((a): a is OscValue => typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean');
      const id = typeof message.id === 'number' ? message.id : null;
      this.server.handleMessages([{ address: message.address, args, timeMs: undefined }], `dashboard:${page.id}`, (address, replyArgs) => {
        this.sendTo(page, JSON.stringify({ type: 'reply', id, address, args: replyArgs }));
      });
    } else if (message.type === 'tap') {
      this.tap = typeof message.module === 'string' ? { module: message.module, output: typeof message.output === 'number' ? message.output : 0 } : undefined;
      this.applyTap();
      this.broadcast(JSON.stringify({ type: 'tap', tap: this.tap ?? null }));
    }
  }

  /** Points the engine's tap at the chosen module output (by id, so it follows commits). */
  private applyTap(): void {
    const entry = this.tap === undefined ? undefined : this.server.editor.liveModule(this.tap.module);
    const output = this.tap?.output ?? 0;
    if (entry === undefined || output < 0 || output >= entry.spec.outputs.length) this.server.supervisor.setTap(-1, 0);
    else this.server.supervisor.setTap(entry.handle, output);
  }

  private sendTo(page: Page, data: string | Buffer): boolean {
    if (page.socket.readyState !== 1 /* OPEN */ || page.socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    page.socket.send(data);
    return true;
  }

  private broadcast(data: string): void {
    for (const page of this.pages) this.sendTo(page, data);
  }

  // ------------------------------------------------------------------ periodic

  private sendFrame(): void {
    if (this.pages.size === 0) return;
    const frame = this.feed.frame(this.tap !== undefined);
    for (const page of this.pages) {
      if (this.sendTo(page, frame)) {
        this.stats.framesSent++;
        this.stats.bytesSent += frame.length;
      } else this.stats.framesDropped++;
    }
  }

  private statusMessage(): Record<string, unknown> {
    const editor = this.server.editor;
    const mirror = this.server.sequencers;
    const sequencers: Record<string, unknown> = {};
    for (const id of mirror.sequencers.keys()) sequencers[id] = mirror.describe(id);
    const live = editor.live;
    return {
      type: 'status', status: this.server.status(), stagedChanges: JSON.stringify(editor.staged) !== JSON.stringify(live),
      sequencers, transport: mirror.transport, loudness: this.feed.last.lufs,
    };
  }

  private sendStatus(): void {
    if (this.pages.size === 0) return;
    const live = this.server.editor.live;
    if (live !== this.livePatch) {
      this.livePatch = live;
      this.applyTap();
      this.broadcast(JSON.stringify({ type: 'patch', patch: live, layout: layoutPatch(live) }));
    }
    this.broadcast(JSON.stringify(this.statusMessage()));
  }

  private sendSteps(): void {
    if (this.pages.size === 0) return;
    const steps = JSON.stringify(this.server.supervisor.sequencerSteps());
    if (steps === this.lastSteps) return;
    this.lastSteps = steps;
    this.broadcast(`{"type":"steps","steps":${steps}}`);
  }

  // ------------------------------------------------------------------ events

  private onServerEvent(event: ServerEvent): void {
    const text = `${event.address} ${event.args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ')}${event.client === undefined ? '' : ` (${event.client})`}`;
    const entry = { t: Date.now(), kind: event.kind === 'notice' ? event.address.split('/').pop()! : event.kind, text };
    this.events.push(entry);
    if (this.events.length > EVENTS_KEPT) this.events.splice(0, this.events.length - EVENTS_KEPT);
    if (this.pages.size > 0) this.broadcast(JSON.stringify({ type: 'event', event: entry }));
  }
}

function serveAsset(assets: Map<string, { type: string; body: Buffer }>, request: FastifyRequest, reply: import('fastify').FastifyReply): unknown {
  const path = request.url.split('?')[0]!;
  const asset = assets.get(path);
  if (asset === undefined) return reply.code(404).send('not found');
  return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
}
