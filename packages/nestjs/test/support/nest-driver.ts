/**
 * The adapter table's driver for `@licensegate/nestjs` on the Express platform: the tier, seat and
 * work apps of `./tier-app.js`, `./seat-app.js` and `./work-app.js` on `LicenseGateModule.forRoot()`,
 * served on 127.0.0.1, and closed with the README's shutdown recipe — `app.close()` (what SIGTERM
 * runs under `enableShutdownHooks()`), which stops the server and then the module's gate.
 */
import type { Server } from 'node:http';

import type { AdapterDriver, ServedApp } from '@licensegate/testkit';
import { sessionStoreOf } from '@licensegate/testkit/express-session';
import { expressUnitsOf } from '@licensegate/testkit/express-units';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';

import { LicenseGateModule, LicenseGateService } from '../../src/index.js';
import { byUser, seatModule, withSessions } from './seat-app.js';
import { tierModule } from './tier-app.js';
import { probeRequests, workModule } from './work-app.js';

/** Compiles the app of `metadata`, lets `setup` configure it, and serves it on a loopback port. */
async function serve(metadata: ModuleMetadata, setup?: (app: NestExpressApplication) => void): Promise<ServedApp> {
  const testing = await Test.createTestingModule(metadata).compile();
  const app = testing.createNestApplication<NestExpressApplication>({ logger: false });
  setup?.(app);
  await app.listen(0, '127.0.0.1');
  return {
    url: await app.getUrl(),
    server: app.getHttpServer() as Server,
    gate: app.get(LicenseGateService).gate,
    close: () => app.close(),
  };
}

/** `@licensegate/nestjs` on the Express platform, for the adapter table. */
export const nestDriver: AdapterDriver = {
  name: 'nestjs',

  async tierApp({ gate }) {
    const served: string[] = [];
    return { ...(await serve(tierModule(LicenseGateModule.forRoot({ gate }), served))), served };
  },

  async seatApp({ gate, seatKey, seatInfo, sessionStore }) {
    const module = LicenseGateModule.forRoot({
      gate,
      ...(seatKey === 'user' ? { seatKey: byUser } : {}),
      ...(seatInfo === 'user' ? { seatInfo: (req: Request) => ({ user: req.session.user }) } : {}),
    });
    const { store, sessions } = sessionStoreOf(sessionStore);
    let closed = 0;
    const served = await serve(seatModule(module), (app) => {
      app.use((_req: unknown, res: Response, next: () => void) => {
        res.on('close', () => closed++);
        next();
      });
      withSessions(app, store);
    });
    return { ...served, closed: () => closed, sessions };
  },

  async workApp({ gate, dimension, units, probe, chargeWhen }) {
    const module = LicenseGateModule.forRoot({
      gate,
      ...(chargeWhen === undefined ? {} : { chargeWhen: (_req: Request, res: Response) => chargeWhen(res.statusCode) }),
    });
    return serve(workModule(module, dimension, expressUnitsOf(units), probe), probeRequests(probe));
  },

  appError: () => ({ status: 500, body: { statusCode: 500, message: 'Internal server error' } }),
};
