/**
 * The health table (`@licensegate/testkit`) against `@licensegate/fastify`: `licenseGateHealthPlugin`
 * in a real Fastify 5 app, beside nothing else.
 */
import type { HealthReport } from '@licensegate/core/http';
import { runHealthTable } from '@licensegate/testkit';
import Fastify from 'fastify';

import { licenseGateHealthPlugin } from '../src/index.js';

runHealthTable({
  name: 'fastify',
  async serve(gates) {
    const app = Fastify();
    await app.register(licenseGateHealthPlugin, { gates });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  gatesOf: (body) => (body as HealthReport).gates,
});
