/**
 * The demo table's driver for examples/nestjs (`npm run start:nestjs`), as its `main.ts` runs it:
 * the AWS SDK pointed at the emulator the standard way (`AWS_ENDPOINT_URL_LICENSE_MANAGER`, the
 * gates' options carry no endpoint), `createDemoApp(gates)` on the example's `demoGates()` (plus
 * the test's clock and logger) listening on 127.0.0.1, and its Ctrl-C: `app.close()`, which closes
 * the server and then stops the module's gates.
 */
import 'reflect-metadata';

import type { LicenseGate } from '@licensegate/core';
import { createDemoApp, demoGates } from '@licensegate/example-nestjs';
import { getLicenseGateToken } from '@licensegate/nestjs';
import type { Server } from 'node:http';

import { runOnce, type DemoDriver } from './demo-driver.js';

/** The environment `main.ts` sets before it makes the app. */
const ENV = ['AWS_ENDPOINT_URL_LICENSE_MANAGER', 'AWS_REGION'] as const;

/** examples/nestjs, for the demo table. */
export const nestjsDemoDriver: DemoDriver = {
  example: 'examples/nestjs',
  // express-session's default cookie name.
  sessionCookie: 'connect.sid',
  statusPage: true,

  async serve(world) {
    const saved = ENV.map((name) => [name, process.env[name]] as const);
    process.env['AWS_REGION'] = world.region;
    process.env['AWS_ENDPOINT_URL_LICENSE_MANAGER'] = world.endpoint;
    const restore = (): void => {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    try {
      const gates = demoGates();
      const injected = {
        clock: world.clock,
        logger: world.logger,
        ...(world.onUnavailable === undefined ? {} : { onUnavailable: world.onUnavailable }),
      };
      const app = await createDemoApp({
        tiers: { ...gates.tiers, ...injected },
        usage: { ...gates.usage, ...injected },
      });
      await app.listen(0, '127.0.0.1');
      const server = app.getHttpServer() as Server;
      const stop = runOnce(() => app.close());
      return {
        url: await app.getUrl(),
        tiers: app.get<symbol, LicenseGate>(getLicenseGateToken('tiers')),
        usage: app.get<symbol, LicenseGate>(getLicenseGateToken('usage')),
        stop,
        async dispose() {
          server.closeAllConnections();
          await stop().finally(restore);
        },
      };
    } catch (error) {
      restore();
      throw error;
    }
  },
};
