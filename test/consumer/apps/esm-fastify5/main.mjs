// A Fastify 5 app as the Fastify README writes it: tier, drawdown and a seat per @fastify/session session.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { licenseGatePlugin } from '@licensegate/fastify';
import Fastify from 'fastify';

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const licenses = join(
  dirname(createRequire(import.meta.url).resolve('@licensegate/emulator/package.json')),
  'licenses',
  'demo.json',
);
const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
const gate = createLicenseGate({
  productSku: 'lg-demo-configurable',
  seats: { entitlement: 'ConcurrentUsers' },
  drawdown: { DataConsumption: { mode: 'sync' } },
  client: { endpoint: lm.url, region: 'us-east-1' },
});
await gate.start();

const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, { secret: 'a consumer test secret of 32 chars!!', cookie: { secure: false } });
await app.register(licenseGatePlugin, { gate });
app.post(
  '/login',
  {
    preHandler: async (request) => request.session.set('user', 'ann'),
    config: { licensegate: { seat: 'acquire' } },
  },
  async (request) => ({ seat: request.license.seat?.key ?? null }),
);
app.get('/app', { config: { licensegate: { seat: 'require' } } }, async () => ({ inside: true }));
app.post('/logout', { config: { licensegate: { seat: 'release' } } }, async (request) => {
  await request.session.destroy();
  return { out: true };
});
app.post(
  '/backup',
  {
    config: {
      licensegate: { drawdown: { dimension: 'DataConsumption', units: (request) => Number(request.query.gb) } },
    },
  },
  async () => ({ ok: true }),
);
const url = await app.listen({ host: '127.0.0.1', port: 0 });

try {
  assert.equal((await fetch(`${url}/app`)).status, 403);
  const login = await fetch(`${url}/login`, { method: 'POST' });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  assert.equal((await fetch(`${url}/app`, { headers: { cookie } })).status, 200);
  assert.equal((await gate.seats.held()).length, 1);
  assert.equal((await fetch(`${url}/logout`, { method: 'POST', headers: { cookie } })).status, 200);
  assert.equal((await gate.seats.held()).length, 0);
  assert.equal((await fetch(`${url}/backup?gb=25`, { method: 'POST' })).status, 200);
  assert.equal((await fetch(`${url}/backup?gb=5000`, { method: 'POST' })).status, 402);
  process.stdout.write('fastify 5, ESM: seat 403/login/200/logout, drawdown 200/402\n');
} finally {
  await app.close();
  await gate.stop();
  await lm.close();
}
