/**
 * A small app for the crash test, run as a CHILD process: a gate on a RedisStore with one batch-mode
 * drawdown dimension, debiting in a loop with a few requests in flight, on the system clock.
 *
 * It talks over its standard streams, one line each:
 * - out `ready <instanceId>` once started;
 * - out `start <n> <units>` before request n's debit, and `served <n> <units>` once it resolved —
 *   the request is served only then — or `failed <n> <units> <message>` when it rejected;
 * - in `quiesce`: start no more requests; out `quiet` once none is in flight.
 *
 * Environment: LG_LM_URL, LG_REDIS_PORT, LG_SKU, LG_PREFIX, LG_CONCURRENCY (default 4).
 * Standard output is a pipe, which Node writes synchronously on Linux: a line written before a
 * SIGKILL reaches the parent.
 */
import { createInterface } from 'node:readline';

import { createLicenseGate, silentLogger } from '@licensegate/core';
import { RedisStore } from '@licensegate/redis';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const gate = createLicenseGate({
  productSku: env('LG_SKU'),
  drawdown: { DataConsumption: { mode: 'batch', batchUnits: 25, batchIntervalMs: 200 } },
  store: new RedisStore({
    client: { host: '127.0.0.1', port: Number(env('LG_REDIS_PORT')) },
    prefix: env('LG_PREFIX'),
    logger: silentLogger,
  }),
  client: { endpoint: env('LG_LM_URL'), region: 'us-east-1' },
  instanceLeaseMs: 1_000,
  retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1_000 },
  logger: silentLogger,
});

const say = (line: string): void => void process.stdout.write(`${line}\n`);

let quiescing = false;
let next = 0;

async function worker(): Promise<void> {
  while (!quiescing) {
    const n = next++;
    const units = (n % 3) + 1;
    say(`start ${n} ${units}`);
    try {
      await gate.drawdown.debit('DataConsumption', units);
      say(`served ${n} ${units}`);
    } catch (error) {
      say(`failed ${n} ${units} ${(error as Error).message.replace(/\s+/g, ' ')}`);
    }
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'quiesce') quiescing = true;
});

await gate.start();
say(`ready ${gate.instanceId}`);
const concurrency = Number(process.env['LG_CONCURRENCY'] ?? 4);
await Promise.all(Array.from({ length: concurrency }, worker));
say('quiet');
// Nothing in flight. Keep running (its timers seal and report batches) until the parent kills it.
setInterval(() => undefined, 1_000);
