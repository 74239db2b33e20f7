/**
 * The adapter table's driver for `@licensegate/express`: the tier, seat and work apps of
 * `./tier-app.js`, `./seat-app.js` and `./work-app.js` on `licenseGate()`, served on 127.0.0.1,
 * and closed with the README's shutdown recipe — `server.close()`, then `await gate.stop()`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AdapterDriver, ServedApp } from '@licensegate/testkit';
import { sessionStoreOf } from '@licensegate/testkit/express-session';
import { expressUnitsOf } from '@licensegate/testkit/express-units';
import express, { type Express, type Request } from 'express';

import { licenseGate, type LicenseGateMiddleware, type LicenseGateMiddlewareOptions } from '../../src/index.js';
import { byUser, seatApp } from './seat-app.js';
import { tierApp } from './tier-app.js';
import { workApp } from './work-app.js';

/** Serves `app` on a loopback port; closing stops the server, then the gate. */
async function serve(app: Express, lg: LicenseGateMiddleware): Promise<ServedApp> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    gate: lg.gate,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await lg.gate.stop();
      await closed;
    },
  };
}

/**
 * `@licensegate/express` on `framework` (Express 5, or Express 4 through the `express4` alias), for
 * the adapter table.
 */
export function expressDriverOf(framework: typeof express, name: string): AdapterDriver {
  return {
    name,

    async tierApp({ gate }) {
      const lg = licenseGate(gate);
      const served: string[] = [];
      return { ...(await serve(tierApp(lg, served, framework), lg)), served };
    },

    async seatApp({ gate, seatKey, seatInfo, sessionStore }) {
      const options: LicenseGateMiddlewareOptions = {
        ...(seatKey === 'user' ? { seatKey: byUser } : {}),
        ...(seatInfo === 'user' ? { seatInfo: (req: Request) => ({ user: req.session.user }) } : {}),
      };
      const lg = licenseGate(gate, options);
      const { store, sessions } = sessionStoreOf(sessionStore);
      const app = seatApp(lg, store, framework);
      return { ...(await serve(app, lg)), closed: () => app.locals['closed'] as number, sessions };
    },

    async workApp({ gate, dimension, units, probe, chargeWhen }) {
      const lg = licenseGate(
        gate,
        chargeWhen === undefined ? {} : { chargeWhen: (_req, res) => chargeWhen(res.statusCode) },
      );
      return serve(workApp(lg, dimension, expressUnitsOf(units), probe, framework), lg);
    },

    appError: (message) => ({ status: 500, body: { error: message } }),
  };
}

/** `@licensegate/express` on Express 5, for the adapter table. */
export const expressDriver: AdapterDriver = expressDriverOf(express, 'express');
