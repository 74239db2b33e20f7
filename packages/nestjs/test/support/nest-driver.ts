/**
 * The adapter table's drivers for `@licensegate/nestjs`: the tier, seat and work apps of
 * `./tier-app.js`, `./seat-app.js` and `./work-app.js` on `LicenseGateModule.forRoot()`, the same
 * on every Nest platform, served on 127.0.0.1 and closed with the README's shutdown recipe —
 * `app.close()` (what SIGTERM runs under `enableShutdownHooks()`), which stops the server and then
 * the module's gate. A platform says how to make the app and how to put sessions on it:
 * `nestDriver` here is Nest on Express; `nestFastifyDriver` (`./nest-fastify-driver.js`) Nest on
 * Fastify.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { AdapterDriver, SeatAppOptions, ServedApp } from '@licensegate/testkit';
import { sessionStoreOf } from '@licensegate/testkit/express-session';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModule } from '@nestjs/testing';

import { LicenseGateModule, LicenseGateService } from '../../src/index.js';
import { byUser, seatModule, userInfo, withSessions } from './seat-app.js';
import { tableUnitsOf } from './table-units.js';
import { tierModule } from './tier-app.js';
import { probeRequests, workModule } from './work-app.js';

/** What differs between Nest platforms, for the table's apps. */
export interface NestPlatform {
  /** The driver's name in the table's titles. */
  readonly name: string;
  /** The app of a compiled module, on this platform, without Nest's logger. */
  create(testing: TestingModule): INestApplication;
  /**
   * Puts sessions on the seat app (before it is served), kept in a store of `kind` behind the
   * gate's seat-aware hooks; answers how many sessions the store holds.
   */
  withSessions(app: INestApplication, kind: SeatAppOptions['sessionStore']): Promise<() => Promise<number>>;
}

/** The adapter table's driver of `@licensegate/nestjs` on `platform`. */
export function nestDriverOn(platform: NestPlatform): AdapterDriver {
  /** Compiles the app of `metadata`, lets `setup` configure it, and serves it on a loopback port. */
  async function serve(
    metadata: ModuleMetadata,
    setup?: (app: INestApplication) => void | Promise<void>,
  ): Promise<ServedApp> {
    const testing = await Test.createTestingModule(metadata).compile();
    const app = platform.create(testing);
    await setup?.(app);
    await app.listen(0, '127.0.0.1');
    return {
      url: await app.getUrl(),
      server: app.getHttpServer() as Server,
      gate: app.get(LicenseGateService).gate,
      close: () => app.close(),
    };
  }

  return {
    name: platform.name,

    async tierApp({ gate }) {
      const served: string[] = [];
      return { ...(await serve(tierModule(LicenseGateModule.forRoot({ gate }), served))), served };
    },

    async seatApp({ gate, seatKey, seatInfo, sessionStore }) {
      const module = LicenseGateModule.forRoot({
        gate,
        ...(seatKey === 'user' ? { seatKey: byUser } : {}),
        ...(seatInfo === 'user' ? { seatInfo: userInfo } : {}),
      });
      let closed = 0;
      let sessions: () => Promise<number> = () => Promise.resolve(0);
      const served = await serve(seatModule(module), async (app) => {
        app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
          res.on('close', () => closed++);
          next();
        });
        sessions = await platform.withSessions(app, sessionStore);
      });
      return { ...served, closed: () => closed, sessions: () => sessions() };
    },

    async workApp({ gate, dimension, units, probe, chargeWhen }) {
      const module = LicenseGateModule.forRoot({
        gate,
        ...(chargeWhen === undefined ? {} : { chargeWhen: (_req, res) => chargeWhen(res.statusCode) }),
      });
      return serve(workModule(module, dimension, tableUnitsOf(units), probe), probeRequests(probe));
    },

    appError: () => ({ status: 500, body: { statusCode: 500, message: 'Internal server error' } }),
  };
}

/** Nest on its Express platform, with express-session. */
export const expressPlatform: NestPlatform = {
  name: 'nestjs',
  create: (testing) => testing.createNestApplication<NestExpressApplication>({ logger: false }),
  withSessions(app, kind) {
    const { store, sessions } = sessionStoreOf(kind);
    withSessions(app as NestExpressApplication, store);
    return Promise.resolve(sessions);
  },
};

/** `@licensegate/nestjs` on the Express platform, for the adapter table. */
export const nestDriver: AdapterDriver = nestDriverOn(expressPlatform);
