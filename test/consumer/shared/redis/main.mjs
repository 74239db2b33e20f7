// The Redis store on the ioredis its app installs (redis-ioredis5: 5.0.0, the lowest of the peer range, which hands
// its class to ES modules only as the module's default export; redis-ioredis6: the latest 6), against a redis-server
// started here on a loopback port: the store makes its own client from options, then a seat and batch units, reported
// at stop. Skipped, in one line, where redis-server is missing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';

import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { RedisStore } from '@licensegate/redis';

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (spawnSync('redis-server', ['--version']).error !== undefined) {
  process.stdout.write('redis-server is not installed: the Redis store app is skipped\n');
  process.exit(0);
}

/** A free loopback port. */
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});

/** Until redis-server answers on `on` (it starts in a few milliseconds). */
async function waitForRedis(on) {
  for (let i = 0; i < 100; i++) {
    const answered = await new Promise((resolve) => {
      const socket = connect(on, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer on port ${on}`);
}

const redis = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
const require = createRequire(import.meta.url);
const licenses = join(dirname(require.resolve('@licensegate/emulator/package.json')), 'licenses', 'demo.json');
const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
const gate = createLicenseGate({
  productSku: 'lg-demo-configurable',
  seats: { entitlement: 'ConcurrentUsers' },
  drawdown: { DataConsumption: { mode: 'batch' } },
  store: new RedisStore({ client: { host: '127.0.0.1', port } }),
  client: { endpoint: lm.url, region: 'us-east-1' },
});
try {
  await waitForRedis(port);
  await gate.start();
  await gate.seats.acquire('ann');
  assert.equal((await gate.seats.held()).length, 1);
  await gate.drawdown.debit('DataConsumption', 3);
  await gate.stop();
  const ioredis = JSON.parse(readFileSync('node_modules/ioredis/package.json', 'utf8')).version;
  process.stdout.write(
    `ioredis ${ioredis}, a client the store made: a seat held in Redis, 3 batch units reported at stop\n`,
  );
} finally {
  await gate.stop();
  redis.kill();
  await lm.close();
}
