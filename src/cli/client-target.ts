// Where client commands (send, status, mcp) connect: --host/--port, else CHRONUS_HOST and
// CHRONUS_PORT, else 127.0.0.1:5005. One rule for every client command.

import { UsageError } from './usage-error.js';

export interface ClientTarget {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5005;

/** `fallbackPort`: the port when neither --port nor CHRONUS_PORT is given (mcp --serve: 0). */
export function clientTarget(options: { readonly host?: string | undefined; readonly port?: number | undefined }, env: NodeJS.ProcessEnv = process.env, fallbackPort = DEFAULT_PORT): ClientTarget {
  const envHost = env['CHRONUS_HOST'];
  const host = options.host ?? (envHost === undefined || envHost === '' ? DEFAULT_HOST : envHost);
  let port = options.port;
  if (port === undefined) {
    const envPort = env['CHRONUS_PORT'];
    if (envPort === undefined || envPort === '') port = fallbackPort;
    else if (/^\d+$/.test(envPort.trim())) port = Number(envPort);
    else throw new UsageError(`CHRONUS_PORT must be a port number, not '${envPort}'`);
  }
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`port must be in [0, 65535], not '${String(port)}'`);
  return { host, port };
}
