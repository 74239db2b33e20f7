import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthOptions } from './auth/sigv4.js';
import { EmulatorError } from './emulator-error.js';
import { LicenseManagerEmulator, type EmulatorSettings } from './emulator.js';
import type { FaultSpec, Fault } from './faults.js';
import { adminPolicy, refuseAdminRequest, type AdminPolicy } from './http/admin-guard.js';
import { ADMIN_PREFIX, adminRoute, handleAdminRequest } from './http/admin-routes.js';
import { handleAwsRequest } from './http/aws-handler.js';
import { sendJson } from './http/wire.js';
import { CONSOLE_PATH } from './console/console-files.js';

/** Options of {@link startEmulator}: the emulator's settings plus where to listen. */
export interface EmulatorOptions extends EmulatorSettings {
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; `0` (the default) picks a free one. */
  port?: number;
  /**
   * Token the admin path `/_emulator/` requires, as `authorization: Bearer TOKEN` or
   * `x-emulator-admin-token: TOKEN` (1 to 512 visible ASCII characters). Under `auth: 'strict'` a
   * random one is made when none is given; otherwise none is required unless one is given. The
   * programmatic controls (`addFault()`, `clock`, `reset()`...) never need it.
   */
  adminToken?: string;
  /**
   * Serve the console, a web page at `/_emulator/console/` that shows licenses, seats and units
   * over time and drives the emulator (`--console`), and record what it shows
   * (`recordActivity`). Default `false`.
   */
  console?: boolean;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://HOST:PORT`: the endpoint to give an AWS SDK or `aws --endpoint-url`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * The token the admin path requires (the given `adminToken`, or the one made under strict auth),
   * or undefined when it requires none.
   */
  readonly adminToken: string | undefined;
  /**
   * The console's address when it is on (`console: true`), with the admin token in the URL
   * fragment (`#token=…`) when one is required: the page reads it there, and a fragment is never
   * sent to a server. Undefined when the console is off.
   */
  readonly consoleUrl: string | undefined;
  /** The emulator behind the server: state, clock, faults, counts. */
  readonly emulator: LicenseManagerEmulator;
  /** Virtual clock: `now()`, `advance(ms)`, `set(epochMs)`, `reset()`. */
  readonly clock: LicenseManagerEmulator['clock'];
  /** Injects a fault (see {@link FaultSpec}); throws ERR_LG_EMU_BAD_FAULT when it is malformed. */
  addFault(spec: FaultSpec): Fault;
  /** Clears one fault, or all. */
  clearFaults(id?: number): void;
  /** Adds seed licenses; answers their ARNs. */
  addLicenses(seeds: readonly unknown[]): string[];
  /** Calls of one operation so far, or of all. */
  calls(operation?: string): number;
  /** Back to the seed licenses, real time, no faults. */
  reset(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts an emulator on an HTTP server.
 *
 * @example
 * ```ts
 * const lm = await startEmulator({ licenses: 'licenses/demo.json' });
 * const client = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1' });
 * // ...
 * await lm.close();
 * ```
 * @throws EmulatorError for bad options or seed licenses; the listen error when the port is taken
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_OPTION',
      `port must be a whole number from 0 to 65535; got ${String(port)}.`,
    );
  }
  const adminToken = checkedAdminToken(options);
  const consoleOn = options.console === true;
  const emulator = new LicenseManagerEmulator(consoleOn ? { ...options, recordActivity: true } : options);
  const auth: AuthOptions = {
    mode: emulator.auth,
    keys: emulator.accessKeys,
    now: () => emulator.clock.wallNow(),
    accountId: emulator.accountId,
  };
  // Set once listening (it needs the bound address and port), before any request is read.
  let policy: AdminPolicy | undefined;
  const server: Server = createServer((req, res) => {
    // A skewed wall clock shows in the Date header (Node writes real time otherwise).
    if (emulator.clock.skewMs !== 0) res.setHeader('Date', new Date(emulator.clock.wallNow()).toUTCString());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (path.startsWith(`${ADMIN_PREFIX}/`)) {
      const refusal = refuseAdminRequest(req, adminRoute(req, path), policy as AdminPolicy);
      if (refusal !== undefined) {
        if (refusal.headers !== undefined)
          for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
        return sendJson(res, refusal.status, { code: refusal.code, message: refusal.message });
      }
    }
    const work = path.startsWith(`${ADMIN_PREFIX}/`)
      ? handleAdminRequest(emulator, req, res, path, query, consoleOn)
      : handleAwsRequest(emulator, auth, req, res, path, query);
    work.catch((error: unknown) => {
      console.error('licensegate-emulator: request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      policy = adminPolicy(bound.address, host, bound.port, adminToken);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  return {
    url,
    host: address.address,
    port: address.port,
    adminToken,
    consoleUrl: consoleOn
      ? `${url}${CONSOLE_PATH}${adminToken === undefined ? '' : `#token=${encodeURIComponent(adminToken)}`}`
      : undefined,
    emulator,
    clock: emulator.clock,
    addFault: (spec) => emulator.addFault(spec),
    clearFaults: (id) => emulator.faults.clear(id),
    addLicenses: (seeds) => emulator.addLicenses(seeds),
    calls: (operation) => emulator.calls(operation),
    reset: () => emulator.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Visible ASCII, no spaces: what travels in an HTTP header as it is. */
const ADMIN_TOKEN = /^[\x21-\x7e]{1,512}$/;

/** The admin token to require: the one given (checked), one made under strict auth, or none. */
function checkedAdminToken(options: EmulatorOptions): string | undefined {
  const given = options.adminToken;
  if (given !== undefined) {
    if (typeof given !== 'string' || !ADMIN_TOKEN.test(given)) {
      throw new EmulatorError(
        'ERR_LG_EMU_BAD_OPTION',
        'adminToken (--admin-token) must be 1 to 512 visible ASCII characters without spaces, since it travels in ' +
          `a header; got ${typeof given === 'string' ? `${given.length} characters that are not` : `a ${typeof given}`}.`,
      );
    }
    return given;
  }
  return options.auth === 'strict' ? randomBytes(32).toString('base64url') : undefined;
}
