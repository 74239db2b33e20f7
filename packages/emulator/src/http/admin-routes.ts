import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LicenseManagerEmulator } from '../emulator.js';
import { EmulatorError } from '../emulator-error.js';
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
 * | GET /_emulator/calls | calls per operation |
 * | GET /_emulator/signing-key | PEM public key of borrow SignedTokens |
 */
export async function handleAdminRequest(
  emulator: LicenseManagerEmulator,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const route = adminRoute(req, path);
  try {
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
