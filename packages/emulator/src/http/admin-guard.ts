/**
 * What the admin path `/_emulator/` accepts, against a web page in a browser on the same machine:
 *
 * - a `Host` that names the address the emulator is bound to (DNS rebinding sends the attacker's
 *   host name), and an `Origin`, when one is sent, of that same address (another site's page sends
 *   its own);
 * - the admin token, when one is set (always under strict auth), as `authorization: Bearer TOKEN` or
 *   `x-emulator-admin-token: TOKEN`;
 * - a body only as `content-type: application/json` (a page can send `text/plain` or a form to any
 *   address without asking, but not JSON).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import type { EmulatorErrorCode } from '../emulator-error.js';

/** Who may use the admin path of one running emulator. */
export interface AdminPolicy {
  /** Host names and addresses (lower-case, IPv6 without brackets) the Host header may name. */
  readonly hostnames: ReadonlySet<string>;
  /** The port the Host header must name (80 when it names none). */
  readonly port: number;
  /** SHA-256 of the admin token, or undefined when none is required. */
  readonly tokenDigest: Buffer | undefined;
}

/** Why an admin request is refused: the HTTP status and the coded error of the answer. */
export interface AdminRefusal {
  readonly status: number;
  readonly code: EmulatorErrorCode;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);
const TOKEN_HEADER = 'x-emulator-admin-token';

function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1' || address === 'localhost';
}

/** `[::1]` -> `::1`, lower-case. */
function bare(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/**
 * The admin policy of an emulator bound to `boundAddress:port` (what `server.address()` says),
 * started with `--host configuredHost`:
 *
 * - bound to loopback: `127.0.0.1`, `localhost` and `[::1]` at the port (and the bound address);
 * - bound to one other address: that address and the configured host name;
 * - bound to every interface (`0.0.0.0`, `::`): the loopback names, the machine's own interface
 *   addresses and its host name (never a name that an attacker's DNS controls).
 */
export function adminPolicy(
  boundAddress: string,
  configuredHost: string,
  port: number,
  token: string | undefined,
): AdminPolicy {
  const names = new Set<string>([bare(boundAddress), bare(configuredHost)]);
  if (isLoopback(bare(boundAddress)) || isLoopback(bare(configuredHost))) {
    for (const name of LOOPBACK_NAMES) names.add(name);
  }
  if (WILDCARDS.has(bare(boundAddress))) {
    for (const name of LOOPBACK_NAMES) names.add(name);
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) names.add(bare(info.address));
    }
    names.add(hostname().toLowerCase());
  }
  for (const wildcard of WILDCARDS) names.delete(wildcard);
  return { hostnames: names, port, tokenDigest: token === undefined ? undefined : digest(token) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `host` (a Host header, or the authority of an Origin) names this emulator. */
function isOwnHost(host: string, policy: AdminPolicy): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (match === null) return false;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  return port === policy.port && policy.hostnames.has(bare(match[1] as string));
}

/** The first value of a header. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The admin token a request carries, if any. */
function tokenOf(req: IncomingMessage): string | undefined {
  const authorization = header(req, 'authorization');
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return bearer ?? header(req, TOKEN_HEADER);
}

function hasBody(req: IncomingMessage): boolean {
  const length = header(req, 'content-length');
  return header(req, 'transfer-encoding') !== undefined || (length !== undefined && length.trim() !== '0');
}

/**
 * Checks an admin request before anything reads or changes state: Host, then Origin, then the
 * token (`GET /health` and the console's static files need none: they tell nothing), then the
 * content type of a body.
 *
 * @param route - `METHOD /path` below `/_emulator`, e.g. `GET /state`
 * @returns why it is refused, or undefined when it may go on
 */
export function refuseAdminRequest(req: IncomingMessage, route: string, policy: AdminPolicy): AdminRefusal | undefined {
  const host = header(req, 'host');
  if (host === undefined || !isOwnHost(host, policy)) {
    return {
      status: 403,
      code: 'ERR_LG_EMU_ADMIN_HOST',
      message:
        `The admin path answers requests to the emulator's own address only (Host ${[...policy.hostnames].map((name) => `${name.includes(':') ? `[${name}]` : name}:${policy.port}`).join(', ')}); ` +
        `got Host ${JSON.stringify(host ?? null)}. A page whose host name resolves here (DNS rebinding) is refused.`,
    };
  }
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    const authority = /^http:\/\/([^/]+)$/i.exec(origin.trim())?.[1];
    if (authority === undefined || !isOwnHost(authority, policy)) {
      return {
        status: 403,
        code: 'ERR_LG_EMU_ADMIN_ORIGIN',
        message: `The admin path does not answer web pages of other origins; got Origin ${JSON.stringify(origin)}. Call it from a test, curl or a script, which send no Origin.`,
      };
    }
  }
  // The console's static files tell nothing either: the page sends the token with each call it makes.
  const open = route === 'GET /health' || route === 'GET /console' || route.startsWith('GET /console/');
  if (policy.tokenDigest !== undefined && !open) {
    const token = tokenOf(req);
    if (token === undefined || !timingSafeEqual(digest(token), policy.tokenDigest)) {
      return {
        status: 401,
        code: 'ERR_LG_EMU_ADMIN_TOKEN',
        message:
          `The admin path needs the admin token, ${token === undefined ? 'which this request does not carry' : 'and this is not it'}: ` +
          'send "authorization: Bearer TOKEN" or "x-emulator-admin-token: TOKEN". The command line prints a generated ' +
          'token at start under --strict-auth (or takes --admin-token); startEmulator() answers it as adminToken.',
        headers: { 'WWW-Authenticate': 'Bearer realm="licensegate-emulator admin"' },
      };
    }
  }
  if (hasBody(req)) {
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        code: 'ERR_LG_EMU_ADMIN_CONTENT_TYPE',
        message: `An admin request body must be sent as content-type: application/json; got ${JSON.stringify(header(req, 'content-type') ?? null)}.`,
      };
    }
  }
  return undefined;
}
