import assert from 'node:assert/strict';

import { LicenseUnavailableError, silentLogger, type LicenseGate } from '@licensegate/core';
import { SessionSeats } from '@licensegate/core/http';
import { CapturingLogger } from '@licensegate/core/testing';
import { RedisUnavailableError } from '@licensegate/redis';

import { useRedisAndEmulator } from './redis-support/suite.js';
import { TcpProxy } from './redis-support/tcp-proxy.js';
import { MINUTE, RedisWorld, SEATS, SECOND, UNITS } from './redis-support/world.js';

// Redis unreachable: the gate follows its onUnavailable policy, as while License Manager is unreachable.
// (Needs the core changes C1-C3 of the Redis store report.)

describe('Redis unreachable: the failure policy', () => {
  const suite = useRedisAndEmulator();
  let world: RedisWorld;
  let proxy: TcpProxy;
  beforeEach(async () => {
    world = RedisWorld.create(suite.lm, suite.redis, { seats: 3, units: 100_000 });
    proxy = await TcpProxy.start(suite.redis.port);
  });
  afterEach(async () => {
    proxy.restore();
    await world.close();
    await proxy.close();
  });

  /** Cuts Redis off, and waits until the clients have seen their connections close (a command sent before would be ambiguous). */
  async function cut(): Promise<void> {
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  async function untilBack(gate: LicenseGate): Promise<void> {
    const deadline = performance.now() + 5_000;
    for (;;) {
      try {
        await gate.seats.held();
        return;
      } catch (error) {
        if (!(error instanceof RedisUnavailableError) || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  it('grace: keeps debits in memory (the bound, then graceMs), serves known seats, journals it all once Redis is back', async function () {
    this.timeout(15_000);
    const logger = new CapturingLogger();
    const g = await world.gate({
      redisPort: proxy.port,
      logger,
      drawdown: { batchUnits: 20 },
      extra: { onUnavailable: 'grace', graceMs: 2 * MINUTE },
    });
    const sessions = new SessionSeats(() => g.gate.seats, silentLogger);
    const alice = { request: { sessionID: 'alice', session: {} as Record<string, unknown> }, userKey: undefined };
    await sessions.acquire(alice);
    const other = await world.gate({ drawdown: false });
    await other.gate.seats.acquire('bob');
    await g.gate.drawdown.debit(UNITS, 3);

    await cut();
    let served = 3;
    for (let i = 0; i < 10; i++) {
      await g.gate.drawdown.debit(UNITS, 3); // within the bound, then within graceMs
      served += 3;
    }
    assert.equal(g.gate.drawdown.stats(UNITS).pending, served);
    assert.equal(logger.events('licensegate.drawdown.store_unavailable').length, 1);
    assert.equal((await sessions.require(alice))?.key, 'alice', 'a seat this instance knows is served');
    await assert.rejects(g.gate.seats.get('bob'), LicenseUnavailableError, 'a seat it never saw is not');

    await world.advance(2 * MINUTE, { stepMs: 10 * SECOND });
    await assert.rejects(g.gate.drawdown.debit(UNITS, 3), (error: Error) => {
      assert.ok(error instanceof LicenseUnavailableError && !(error instanceof RedisUnavailableError), error.message);
      return true;
    });
    await assert.rejects(sessions.require(alice), LicenseUnavailableError, 'grace is over');

    proxy.restore();
    await untilBack(g.gate);
    await g.gate.drawdown.debit(UNITS, 1);
    served += 1;
    assert.equal(logger.events('licensegate.drawdown.store_back').length, 1);
    await g.gate.stop();
    g.alive = false;
    assert.equal(await world.consumed(UNITS), served, 'every unit whose debit resolved, once');
    assert.equal(logger.events('licensegate.drawdown.units_lost').length, 0);
  });

  it('deny: refuses debits and seat checks at once', async () => {
    const g = await world.gate({ redisPort: proxy.port, extra: { onUnavailable: 'deny' } });
    await g.gate.seats.acquire('alice');
    g.gate.seats.touch('alice');
    await g.gate.seats.get('alice');
    await cut();
    await assert.rejects(g.gate.drawdown.debit(UNITS, 1), RedisUnavailableError);
    await assert.rejects(g.gate.seats.get('alice'), RedisUnavailableError);
  });

  it('says which units are lost when the gate stops before Redis is back', async () => {
    const logger = new CapturingLogger();
    const g = await world.gate({ redisPort: proxy.port, logger, extra: { onUnavailable: 'allow' } });
    await cut();
    await g.gate.drawdown.debit(UNITS, 7);
    await g.gate.stop();
    g.alive = false;
    const lost = logger.events('licensegate.drawdown.units_lost')[0];
    assert.equal(lost?.fields['units'], 7);
    assert.equal(lost?.level, 'error');
  });

  it('adopts nothing from a live instance right after an outage longer than the instance lease', async function () {
    this.timeout(15_000);
    const a = await world.gate({ redisPort: proxy.port });
    await world.advance(5 * SECOND, { stepMs: 5 * SECOND });
    const b = await world.gate({ redisPort: proxy.port });
    await b.gate.seats.acquire('ub');
    await b.gate.drawdown.debit(UNITS, 7);
    await cut();
    await world.advance(60 * SECOND, { stepMs: 5 * SECOND });
    proxy.restore();
    await untilBack(a.gate);
    await untilBack(b.gate);
    await world.advance(60 * SECOND, { stepMs: 5 * SECOND });
    const [seat] = await world.records('seats');
    assert.equal(seat?.value['owner'], b.gate.instanceId, 'B still keeps its seat');
    await b.gate.drawdown.debit(UNITS, 1);
    const report = await b.gate.stop();
    b.alive = false;
    assert.equal(await world.consumed(UNITS), 8);
    assert.equal(report.seatsHandedOver, 1, 'A is live: the seat in use is left to it, not checked in');
    assert.equal(await world.consumed(SEATS), 1);
    await world.advance(30 * SECOND, { stepMs: 5 * SECOND });
    const [handed] = await world.records('seats');
    assert.equal(handed?.value['owner'], a.gate.instanceId, 'A keeps it alive now');
  });
});
