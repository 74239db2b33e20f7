// An Express app in ESM, as the Express README writes it (shared by esm-express4 and esm-express5, each installing its
// major): a tier route and a drawdown route, against the emulator.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { licenseGate } from '@licensegate/express';
import express from 'express';
import expressPackage from 'express/package.json' with { type: 'json' };

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const licenses = join(
  dirname(createRequire(import.meta.url).resolve('@licensegate/emulator/package.json')),
  'licenses',
  'demo.json',
);
const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
const client = { endpoint: lm.url, region: 'us-east-1' };
const tiers = createLicenseGate({ productSku: 'lg-demo-tiered', tiers: ['Basic', 'Intermediate', 'Premium'], client });
const usage = createLicenseGate({
  productSku: 'lg-demo-configurable',
  drawdown: { DataConsumption: { mode: 'sync' } },
  client,
});
await Promise.all([tiers.start(), usage.start()]);
const lt = licenseGate(tiers);
const lu = licenseGate(usage);

const app = express();
app.get('/basic', lt.requireTier('Basic'), (req, res) => res.json({ tier: req.license?.tier }));
app.get('/premium', lt.requireTier('Premium'), (_req, res) => res.json({ ok: true }));
app.post(
  '/backup',
  lu.drawdown('DataConsumption', (req) => Number(req.query.gb)),
  (_req, res) => res.json({ ok: true }),
);
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

try {
  const basic = await fetch(`${url}/basic`);
  assert.equal(basic.status, 200);
  assert.deepEqual(await basic.json(), { tier: 'Intermediate' });
  const premium = await fetch(`${url}/premium`);
  assert.equal(premium.status, 403);
  assert.match(premium.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal((await fetch(`${url}/backup?gb=25`, { method: 'POST' })).status, 200);
  assert.equal((await fetch(`${url}/backup?gb=5000`, { method: 'POST' })).status, 402);
  process.stdout.write(`express ${expressPackage.version}, ESM: tier 200/403, drawdown 200/402\n`);
} finally {
  server.close();
  await Promise.all([tiers.stop(), usage.stop()]);
  await lm.close();
}
