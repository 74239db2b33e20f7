/**
 * The demo table's driver for examples/express (`npm start`): the gates made and started as its
 * `main.ts` does, `createDemoApp(gates).listen(port, '127.0.0.1')`, and its Ctrl-C: `server.close()`
 * and, without waiting for it, both gates stopped.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { createDemoApp } from '@licensegate/example-express';

import { runOnce, type DemoDriver } from './demo-driver.js';
import { startDemoGates } from './demo-gates.js';

/** examples/express, for the demo table. */
export const expressDemoDriver: DemoDriver = {
  example: 'examples/express',
  sessionCookie: 'connect.sid',
  statusPage: true,

  async serve(world) {
    const { tiers, usage } = await startDemoGates(world);
    const server = createDemoApp({ tiers, usage }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const closed = once(server, 'close');
    const stop = runOnce(async () => {
      server.close();
      await Promise.all([tiers.stop(), usage.stop()]);
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      tiers,
      usage,
      stop,
      async dispose() {
        server.closeAllConnections();
        await stop();
        await closed;
      },
    };
  },
};
