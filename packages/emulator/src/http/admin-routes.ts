import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LicenseManagerEmulator } from '../emulator.js';
import { EmulatorError } from '../emulator-error.js';
import { readBody, sendJson } from './wire.js';

/** Prefix of the test-control path, apart from the AWS protocol. */
export const ADMIN_PREFIX = '/_emulator';

const DURATION = /^(\d{1,12})(ms|s|m|h|d)$/;
const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function badRequest(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_ADMIN_REQUEST', message);
}

/** `90000`, `"90s"`, `"15m"`, `"61m"`, `"2h"`, `"30d"` -> ms. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_CLOCK',
      `A duration is a whole number of ms or text such as "90s", "61m", "2h", "30d"; got ${JSON.stringify(value)}.`,
    );
  }
  return Number(match[1]) * (DURATION_MS[match[2] as string] as number);
}

function clockView(emulator: LicenseManagerEmulator): object {
  const now = emulator.clock.now();
  return { now: new Date(now).toISOString(), epochMs: now, offsetMs: emulator.clock.offsetMs };
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

function moveClock(emulator: LicenseManagerEmulator, body: unknown): void {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b['reset'] === true) return emulator.clock.reset();
  if (b['advance'] !== undefined) return void emulator.clock.advance(parseDuration(b['advance']));
  if (b['set'] !== undefined) {
    const at = typeof b['set'] === 'number' ? b['set'] : Date.parse(String(b['set']));
    if (!Number.isFinite(at))
      throw new EmulatorError(
        'ERR_LG_EMU_BAD_CLOCK',
        `"set" takes an ISO date-time or epoch ms; got ${JSON.stringify(b['set'])}.`,
      );
    return void emulator.clock.set(at);
  }
  throw new EmulatorError(
    'ERR_LG_EMU_BAD_CLOCK',
    'POST /_emulator/clock takes {"advance": "61m"}, {"set": "2027-01-01T00:00:00Z"} or {"reset": true}.',
  );
}

/**
 * The test-control path (plain JSON, no auth; the emulator binds to loopback by default):
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
  const route = `${req.method ?? 'GET'} ${path.slice(ADMIN_PREFIX.length) || '/'}`;
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
        moveClock(emulator, await jsonBody(req));
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
    if (error instanceof RangeError)
      return sendJson(res, 400, { code: 'ERR_LG_EMU_BAD_CLOCK', message: error.message });
    throw error;
  }
}
