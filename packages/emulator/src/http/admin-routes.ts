import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LicenseManagerEmulator } from '../emulator.js';
import { EmulatorError } from '../emulator-error.js';
import { serveConsoleFile } from '../console/console-files.js';
import { moveClock } from './clock-move.js';
import { readBody, sendJson } from './wire.js';

/** Prefix of the test-control path, apart from the AWS protocol. */
export const ADMIN_PREFIX = '/_emulator';

function badRequest(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_ADMIN_REQUEST', message);
}

function clockView(emulator: LicenseManagerEmulator): object {
  const now = emulator.clock.now();
  return {
    now: new Date(now).toISOString(),
    epochMs: now,
    offsetMs: emulator.clock.offsetMs,
    skewMs: emulator.clock.skewMs,
  };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('The body must be JSON.');
  }
}

/** The charts' default window: the last hour. */
const DEFAULT_WINDOW_MS = 3_600_000;
/** The longest window: 400 days. */
const MAX_WINDOW_MS = 400 * 86_400_000;

/** `window=MS` of an overview query: how far back the charts go (default one hour). */
function windowOf(query: string): number {
  const text = new URLSearchParams(query).get('window');
  if (text === null) return DEFAULT_WINDOW_MS;
  if (!/^\d{1,15}$/.test(text) || Number(text) > MAX_WINDOW_MS)
    throw badRequest(`window must be a whole number of ms from 0 to ${MAX_WINDOW_MS}; got ${JSON.stringify(text)}.`);
  return Number(text);
}

/** `METHOD /path` below {@link ADMIN_PREFIX}, e.g. `GET /state`: what the admin routes switch on. */
export function adminRoute(req: IncomingMessage, path: string): string {
  return `${req.method ?? 'GET'} ${path.slice(ADMIN_PREFIX.length) || '/'}`;
}

/**
 * The test-control path (plain JSON, apart from the AWS protocol). The server lets a request through
 * only once `refuseAdminRequest` (admin-guard.ts) has checked its Host, Origin, token and content type.
 *
 * | method and path | what it does |
 * | --- | --- |
 * | GET /_emulator/health | `{"ok": true}` |
 * | GET /_emulator/state | the whole state (licenses with versions, consumptions, faults, call counts) |
 * | POST /_emulator/reset | back to the seed licenses, real time, no faults |
 * | GET /_emulator/clock, POST /_emulator/clock | read or move the virtual clock |
 * | GET, POST, DELETE /_emulator/faults[/ID] | list, add or clear injected faults |
 * | POST /_emulator/licenses | add seed licenses (a list, or one object); answers their ARNs |
 * | POST /_emulator/licenses/version | a new license version: the current one with some changes |
 * | GET /_emulator/overview?window=MS | what the console shows (only with the console on) |
 * | GET /_emulator/console/ | the console page and its files (only with the console on) |
 * | GET /_emulator/calls | calls per operation |
 * | GET /_emulator/signing-key | PEM public key of borrow SignedTokens |
 */
export async function handleAdminRequest(
  emulator: LicenseManagerEmulator,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query = '',
  consoleOn = false,
): Promise<void> {
  const route = adminRoute(req, path);
  try {
    if (consoleOn) {
      if (route === 'GET /console') {
        res.writeHead(308, { Location: `${ADMIN_PREFIX}/console/` });
        return void res.end();
      }
      if (route.startsWith('GET /console/')) return await serveConsoleFile(res, route.slice('GET /console/'.length));
      if (route === 'GET /overview') return sendJson(res, 200, emulator.overview(windowOf(query)));
    }
    const faultId = /^DELETE \/faults\/(\d+)$/.exec(route);
    if (faultId !== null) {
      emulator.faults.clear(Number(faultId[1]));
      return sendJson(res, 200, { faults: emulator.faults.list() });
    }
    switch (route) {
      case 'GET /health':
        return sendJson(res, 200, { ok: true });
      case 'GET /state':
        return sendJson(res, 200, emulator.dump());
      case 'POST /reset':
        emulator.reset();
        return sendJson(res, 200, { ok: true });
      case 'GET /clock':
        return sendJson(res, 200, clockView(emulator));
      case 'POST /clock':
        moveClock(emulator.clock, await jsonBody(req));
        return sendJson(res, 200, clockView(emulator));
      case 'GET /faults':
        return sendJson(res, 200, { faults: emulator.faults.list() });
      case 'POST /faults': {
        const body = await jsonBody(req);
        const added = emulator.addFaults(Array.isArray(body) ? body : [body]);
        return sendJson(res, 201, { faults: added });
      }
      case 'DELETE /faults':
        emulator.faults.clear();
        return sendJson(res, 200, { faults: [] });
      case 'POST /licenses': {
        const body = await jsonBody(req);
        const arns = emulator.addLicenses(Array.isArray(body) ? body : [body]);
        return sendJson(res, 201, { LicenseArns: arns });
      }
      case 'POST /licenses/version':
        return sendJson(res, 201, emulator.newLicenseVersion(await jsonBody(req)));
      case 'GET /calls':
        return sendJson(res, 200, emulator.callCounts());
      case 'GET /signing-key':
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        return void res.end(emulator.signingKeyPem());
      default:
        return sendJson(res, 404, {
          code: 'ERR_LG_EMU_BAD_ADMIN_REQUEST',
          message: `No admin route ${route}; see the emulator's README.`,
        });
    }
  } catch (error) {
    if (error instanceof EmulatorError) return sendJson(res, 400, { code: error.code, message: error.message });
    throw error;
  }
}
