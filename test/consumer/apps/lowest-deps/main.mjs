// Core on the lowest versions its dependency ranges admit (an app that pins them shares them with core), with the
// file store: tiers, a seat, and sync drawdown units against the emulator, all counted by License Manager.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { FileStore } from '@licensegate/file-store';

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const require = createRequire(import.meta.url);
// The copies core itself loads: the app's pins, deduplicated.
const coreRequire = createRequire(require.resolve('@licensegate/core/package.json'));
const sdk = JSON.parse(
  readFileSync(coreRequire.resolve('@aws-sdk/client-license-manager/package.json'), 'utf8'),
).version;
assert.equal(sdk, '3.321.1', 'core runs on the app’s SDK 3.321.1');
// lru-cache exports no package.json: read the one installed at the top, where core finds it too.
assert.equal(JSON.parse(readFileSync('node_modules/lru-cache/package.json', 'utf8')).version, '10.0.0');

const licenses = join(dirname(require.resolve('@licensegate/emulator/package.json')), 'licenses', 'demo.json');
const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
const folder = mkdtempSync(join(tmpdir(), 'lg-consumer-store-'));
const store = new FileStore({ directory: folder });
const gate = createLicenseGate({
  productSku: 'lg-demo-configurable',
  seats: { entitlement: 'ConcurrentUsers' },
  drawdown: { DataConsumption: { mode: 'sync' } },
  store,
  client: { endpoint: lm.url, region: 'us-east-1' },
});
try {
  await gate.start();
  await gate.seats.acquire('ann');
  assert.equal((await gate.seats.held()).length, 1);
  await gate.drawdown.debit('DataConsumption', 7);
  await gate.seats.release('ann');
  assert.equal((await gate.seats.held()).length, 0);
  process.stdout.write(`SDK ${sdk}, lru-cache 10.0.0, file store: a seat taken and returned, 7 units debited\n`);
} finally {
  await gate.stop();
  await lm.close();
  rmSync(folder, { recursive: true, force: true });
}
