/**
 * The demo table's driver for examples/fastify (`npm run start:fastify`): the gates made and
 * started as its `main.ts` does, `await createDemoApp(gates)` listening on 127.0.0.1, and its
 * Ctrl-C: `app.close()` (the requests in flight finish), then both gates stopped.
 */
import { createDemoApp } from '@licensegate/example-fastify';

import { runOnce, type DemoDriver } from './demo-driver.js';
import { startDemoGates } from './demo-gates.js';

/** examples/fastify, for the demo table. */
export const fastifyDemoDriver: DemoDriver = {
  example: 'examples/fastify',
  // @fastify/session's default cookie name.
  sessionCookie: 'sessionId',
  statusPage: true,

  async serve(world) {
    const { tiers, usage } = await startDemoGates(world);
    const app = await createDemoApp({ tiers, usage });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const stop = runOnce(async () => {
      await app.close();
      await Promise.all([tiers.stop(), usage.stop()]);
    });
    return {
      url,
      tiers,
      usage,
      stop,
      async dispose() {
        app.server.closeAllConnections();
        await stop();
      },
    };
  },
};
