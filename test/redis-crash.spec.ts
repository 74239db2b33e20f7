import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { createLicenseGate, silentLogger, type LicenseGate } from '@licensegate/core';
import { RedisStore } from '@licensegate/redis';

import { useRedisAndEmulator } from './redis-support/suite.js';
import { RedisWorld, RETRY, UNITS } from './redis-support/world.js';
import { ChildApp } from './support/child-app.js';

// An app instance killed with SIGKILL in the middle of traffic: another instance on the same Redis
// adopts its drawdown journal once its heartbeat lapses (1 s here, in real time: the child runs on
// its own system clock), and License Manager ends up with exactly the units the app served.
//
// "Served" is the child's word: it says `served` for a request only after the request's debit
// resolved (the debit is in Redis), and `start` before the debit. What the emulator consumed is then:
// - at least the units of every served request (nothing served is lost, whatever the kill hit:
//   a debit, a seal, or a report whose answer never came — resent with its ClientToken, counted once);
// - at most those plus the units of requests whose debit was in flight at the kill: such a debit may
//   have reached Redis without its request being served, and Redis cannot be asked which did.
// With traffic stopped before the kill (no request in flight), the two bounds meet: exactly equal.

const APP = fileURLToPath(new URL('./redis-support/debit-app.js', import.meta.url));

/** The debit app as a child process, and the requests it said it started, served and failed. */
class DebitChild {
  readonly app: ChildApp;
  readonly started = new Map<number, number>();
  readonly served = new Map<number, number>();
  readonly failed: string[] = [];

  constructor(env: Record<string, string>) {
    this.app = new ChildApp(APP, env, (line) => this.#take(line));
  }

  /** Units of the requests served (debit resolved). */
  get servedUnits(): number {
    return [...this.served.values()].reduce((a, b) => a + b, 0);
  }

  /** Units of the requests started and neither served nor failed. */
  get inflightUnits(): number {
    let units = 0;
    for (const [n, u] of this.started) if (!this.served.has(n)) units += u;
    return units;
  }

  /** Whether a line is one of the request lines, taken here. */
  #take(line: string): boolean {
    const [word, n, units] = line.split(' ');
    if (word === 'start') this.started.set(Number(n), Number(units));
    else if (word === 'served') this.served.set(Number(n), Number(units));
    else if (word === 'failed') {
      this.failed.push(line);
      this.started.delete(Number(n));
    } else return false;
    return true;
  }
}

describe('Redis: an app instance killed with SIGKILL in the middle of traffic', function () {
  this.timeout(20_000);
  const suite = useRedisAndEmulator();
  let world: RedisWorld;
  let child: DebitChild | undefined;
  let adopter: LicenseGate | undefined;

  beforeEach(() => {
    world = RedisWorld.create(suite.lm, suite.redis, { seats: 1, units: 1_000_000 });
    // Reports take a while, so that the kill often finds one under way.
    suite.lm.addFault({ operation: 'CheckoutLicense', kind: 'latency', latencyMs: 15 });
  });
  afterEach(async () => {
    await child?.app.kill();
    child = undefined;
    await adopter?.stop();
    adopter = undefined;
    await world.close();
  });

  function startChild(): DebitChild {
    return new DebitChild({
      LG_LM_URL: suite.lm.url,
      LG_REDIS_PORT: String(suite.redis.port),
      LG_SKU: world.sku,
      LG_PREFIX: world.prefix,
      LG_CONCURRENCY: '4',
    });
  }

  /** Another instance (system clock, 1 s lease) adopts the journal; resolves once the journal is empty. */
  async function adoptAndDrain(): Promise<void> {
    adopter = createLicenseGate({
      productSku: world.sku,
      drawdown: { [UNITS]: { mode: 'batch', batchUnits: 25, batchIntervalMs: 200 } },
      store: new RedisStore({
        client: { host: suite.redis.host, port: suite.redis.port },
        prefix: world.prefix,
        logger: silentLogger,
      }),
      client: { endpoint: suite.lm.url, region: 'us-east-1' },
      instanceLeaseMs: 1_000,
      retry: RETRY,
      logger: silentLogger,
    });
    await adopter.start();
    const deadline = performance.now() + 8_000;
    while ((await world.records('drawdown')).length > 0) {
      assert.ok(performance.now() < deadline, 'the journal of the killed instance was not drained');
      await sleep(100);
    }
    await adopter.stop();
  }

  it('reports at least every unit served and at most those plus the debits in flight at the kill', async () => {
    child = startChild();
    await child.app.until((line) => line.startsWith('ready '));
    await child.app.waitFor(() => (child?.servedUnits ?? 0) >= 200);
    await sleep(Math.random() * 200);
    await child.app.kill();
    const served = child.servedUnits;
    const inflight = child.inflightUnits;
    assert.deepEqual(child.failed, []);
    assert.ok((await world.records('drawdown')).length > 0, 'the killed instance left a journal to adopt');

    await adoptAndDrain();
    const consumed = await world.consumed(UNITS);
    assert.ok(
      consumed >= served && consumed <= served + inflight,
      `consumed ${consumed}, served ${served}, in flight at the kill ${inflight}`,
    );
  });

  it('reports exactly the units served when the traffic stopped before the kill', async () => {
    child = startChild();
    await child.app.until((line) => line.startsWith('ready '));
    await child.app.waitFor(() => (child?.servedUnits ?? 0) >= 200);
    child.app.send('quiesce');
    await child.app.until((line) => line === 'quiet');
    await child.app.kill();
    assert.equal(child.inflightUnits, 0);
    assert.deepEqual(child.failed, []);
    const served = child.servedUnits;

    await adoptAndDrain();
    assert.equal(await world.consumed(UNITS), served);
  });
});
