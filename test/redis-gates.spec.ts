import assert from 'node:assert/strict';

import { LicenseUnavailableError, SeatsExhaustedError, type LicenseGate } from '@licensegate/core';
import { problemFor } from '@licensegate/core/http';
import { CapturingLogger } from '@licensegate/core/testing';
import { RedisUnavailableError } from '@licensegate/redis';

import { useRedisAndEmulator } from './redis-support/suite.js';
import { TcpProxy } from './redis-support/tcp-proxy.js';
import { MINUTE, RedisWorld, SEATS, SECOND, UNITS, type WorldGate } from './redis-support/world.js';

// Several instances of one app — three gates in this process, each with its own RedisStore (as each
// instance has its own client) — on ONE Redis and ONE emulator (real SDK over HTTP). World time is one
// ManualClock moved together with the emulator's clock; a "dead" instance has its own clock, which
// simply stops: its timers never fire again and it cleans nothing up.

const events = RedisWorld.events;

function ownerOf(record: { value: Record<string, unknown> } | undefined): unknown {
  return record?.value['owner'];
}

describe('Redis: three instances of one app on one Redis and one emulator', () => {
  const suite = useRedisAndEmulator();
  let world: RedisWorld;
  beforeEach(() => {
    world = RedisWorld.create(suite.lm, suite.redis, { seats: 3, units: 100_000 });
  });
  afterEach(() => world.close());

  it('hold the seat limit across instances: 7 concurrent acquisitions through 3 gates on 3 seats get 3 seats', async () => {
    const gates = [await world.gate(), await world.gate(), await world.gate()];
    const results = await Promise.allSettled(
      Array.from({ length: 7 }, (_, i) => (gates[i % 3] as WorldGate).gate.seats.acquire(`user-${i}`)),
    );
    const granted = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof SeatsExhaustedError).length;
    assert.equal(granted, 3);
    assert.equal(refused, 4);
    assert.equal(await world.consumed(SEATS), 3);
    for (const g of gates) assert.equal((await g.gate.seats.held()).length, 3, 'every instance sees the 3 seats');
    assert.equal((await world.records('seats')).length, 3);
  });

  it('release through another instance a seat taken through one (a logout that lands elsewhere)', async () => {
    const [a, b, c] = [await world.gate(), await world.gate(), await world.gate()];
    for (const key of ['u1', 'u2', 'u3']) await a.gate.seats.acquire(key);
    await assert.rejects(c.gate.seats.acquire('u4'), SeatsExhaustedError);
    assert.equal(await b.gate.seats.release('u2'), true);
    assert.deepEqual(events(b, 'seatReleased'), [{ key: 'u2', reason: 'release' }]);
    assert.equal(await world.consumed(SEATS), 2, 'the seat went back to License Manager');
    assert.equal(await c.gate.seats.get('u2'), undefined);
    await c.gate.seats.acquire('u4');
    assert.equal(await world.consumed(SEATS), 3);
    assert.equal(await b.gate.seats.release('u2'), false, 'a second logout is a no-op');
    // The instance that took it lets go of it at its next look (within the idle timeout), with no call.
    assert.equal(a.gate.seats.size, 3);
    const calls = suite.lm.calls('CheckInLicense');
    await world.advance(11 * MINUTE, {
      each: () => {
        a.gate.seats.touch('u1');
        a.gate.seats.touch('u3');
        c.gate.seats.touch('u4');
      },
    });
    assert.equal(a.gate.seats.size, 2);
    assert.equal(suite.lm.calls('CheckInLicense'), calls);
    const owners = Object.fromEntries((await world.records('seats')).map((r) => [r.key, ownerOf(r)]));
    assert.deepEqual(owners, { u1: a.gate.instanceId, u3: a.gate.instanceId, u4: c.gate.instanceId });
    assert.equal(await world.consumed(SEATS), 3);
  });

  it('adopt the seats of an instance stopped without cleanup: the active one is kept alive by one live instance, the idle one checked in within the idle timeout', async () => {
    const a = await world.gate({ ownClock: true });
    const [b, c] = [await world.gate(), await world.gate()];
    await a.gate.seats.acquire('active');
    await a.gate.seats.acquire('idle');
    const diedAt = world.clock.now();
    const eventsBeforeDeath = a.events.length;
    world.kill(a);
    let adoptedAt: number | undefined;
    let idleReleasedAt: number | undefined;
    await world.advance(70 * MINUTE, {
      stepMs: 30 * SECOND,
      each: async () => {
        b.gate.seats.touch('active'); // the active user's requests now land on B
        const owners = (await world.records('seats')).map(ownerOf);
        if (adoptedAt === undefined && owners.length > 0 && !owners.includes(a.gate.instanceId))
          adoptedAt = world.clock.now();
        const released = [...events(b, 'seatReleased'), ...events(c, 'seatReleased')];
        if (idleReleasedAt === undefined && released.length > 0) idleReleasedAt = world.clock.now();
      },
    });
    const lease = 30 * SECOND;
    assert.ok(
      adoptedAt !== undefined && adoptedAt - diedAt <= lease + lease / 3 + 30 * SECOND,
      'adopted after one lease',
    );
    assert.ok(
      idleReleasedAt !== undefined && idleReleasedAt - diedAt <= 10 * MINUTE,
      'idle seat back within the idle timeout',
    );
    assert.deepEqual(
      [...events(b, 'seatReleased'), ...events(c, 'seatReleased')],
      [{ key: 'idle', reason: 'orphan' }],
      'taken over from a dead instance, then returned idle',
    );
    const [active, ...others] = await world.records('seats');
    assert.equal(others.length, 0);
    assert.equal(active?.key, 'active');
    const keeper = [b, c].find((g) => g.gate.instanceId === ownerOf(active));
    assert.ok(keeper, 'a live instance owns the active seat');
    const other = keeper === b ? c : b;
    assert.ok(events(keeper, 'seatExtended').length >= 2, 'extended past its 60-minute lease, twice');
    assert.equal(events(other, 'seatExtended').length, 0, 'and by that one instance only');
    assert.equal(a.events.length, eventsBeforeDeath, 'the dead instance did nothing');
    assert.equal(await world.consumed(SEATS), 1, 'the active seat is alive at 70 minutes; the idle one is back');
  });

  it('send the sealed batches of an instance stopped without cleanup once, with their original ClientToken', async () => {
    const a = await world.gate({ ownClock: true });
    const [b, c] = [await world.gate(), await world.gate()];
    for (let i = 0; i < 3; i++) await a.gate.drawdown.debit(UNITS, 10);
    // Its report reaches License Manager, but the answer is lost: the batch stays sealed in Redis.
    suite.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', phase: 'after', times: 10 });
    await a.gate.drawdown.flush();
    suite.lm.clearFaults();
    assert.equal(await world.consumed(UNITS), 30);
    const sealed = await world.records<{ units: number; attempt: { clientToken: string } }>('drawdown');
    assert.equal(sealed.length, 1);
    assert.match(sealed[0]?.key ?? '', /^batch:/);
    const token = sealed[0]?.value.attempt.clientToken;
    await a.gate.drawdown.debit(UNITS, 12); // pending, not sealed
    world.kill(a);

    await world.advance(2 * MINUTE, { stepMs: 5 * SECOND });
    assert.deepEqual(await world.records('drawdown'), [], 'nothing left in the journal');
    assert.equal(await world.consumed(UNITS), 42, 'each unit reported once');
    const reported = [...events(b, 'unitsReported'), ...events(c, 'unitsReported')];
    assert.deepEqual(reported.map((e) => e['units']).sort(), [12, 30]);
    assert.equal(
      reported.find((e) => e['units'] === 30)?.['clientToken'],
      token,
      'resent with its original ClientToken',
    );
    assert.equal(events(a, 'unitsReported').length, 0);
  });

  it('share tier answers: three instances make about one tier checkout per refresh interval, not three', async () => {
    const tiered = RedisWorld.create(suite.lm, suite.redis, 'tiered');
    try {
      const before = suite.lm.calls('CheckoutLicense');
      const gates = [
        await tiered.gate({ tiers: true }),
        await tiered.gate({ tiers: true }),
        await tiered.gate({ tiers: true }),
      ];
      await tiered.advance(60 * MINUTE);
      const checkouts = suite.lm.calls('CheckoutLicense') - before;
      // One at start, then one per 15-minute interval (13.5 to 15 minutes with the jitter): 5, give or take one.
      assert.ok(checkouts >= 4 && checkouts <= 6, `${checkouts} tier checkouts for 3 instances in an hour`);
      for (const g of gates) assert.equal(g.gate.hasTier('Intermediate'), true);
      assert.equal((await tiered.records('tier')).filter((r) => r.key === 'answer').length, 1);
    } finally {
      await tiered.close();
    }
  });
});

describe('Redis unreachable: the gate', () => {
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

  /** Debits 1 unit until Redis answers again (real time: the client reconnects by itself). */
  async function untilBack(gate: LicenseGate): Promise<number> {
    const deadline = performance.now() + 5_000;
    for (let failures = 0; ; failures++) {
      try {
        await gate.drawdown.debit(UNITS, 1);
        return failures;
      } catch (error) {
        if (!(error instanceof RedisUnavailableError) || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  it("under onUnavailable 'deny', answers 503 for seats and debits at once, logs the outage, and recovers when Redis is back; every unit whose debit resolved is reported", async function () {
    this.timeout(10_000);
    const logger = new CapturingLogger();
    const storeLogger = new CapturingLogger();
    const g = await world.gate({ redisPort: proxy.port, logger, storeLogger, extra: { onUnavailable: 'deny' } });
    await g.gate.drawdown.debit(UNITS, 5);
    await g.gate.seats.acquire('u1');

    proxy.cut();
    for (const call of [() => g.gate.drawdown.debit(UNITS, 3), () => g.gate.seats.acquire('u2')]) {
      const started = performance.now();
      await assert.rejects(call(), (error: Error) => {
        assert.ok(error instanceof LicenseUnavailableError, `${error.name}: ${error.message}`);
        assert.equal(problemFor(error)?.problem.status, 503);
        assert.equal(problemFor(error)?.retryAfterSeconds, 1);
        return true;
      });
      assert.ok(performance.now() - started < 250, 'refused at once');
    }
    await world.advance(30 * SECOND, { stepMs: 10 * SECOND });
    assert.ok(
      logger.events('licensegate.instance.heartbeat_failed').length >= 1,
      'the engine logs its failed heartbeat',
    );
    assert.equal(storeLogger.events('licensegate.redis.unavailable').length, 1, 'the store logs the outage once');

    proxy.restore();
    await untilBack(g.gate);
    assert.equal(storeLogger.events('licensegate.redis.recovered').length, 1);
    await g.gate.drawdown.debit(UNITS, 4);
    await g.gate.seats.acquire('u2');
    await world.advance(20 * SECOND, { stepMs: 10 * SECOND });
    assert.equal((await world.records('instances')).length, 1, 'the heartbeat is back');

    await g.gate.stop();
    g.alive = false; // stopped: close() must not stop it again
    assert.equal(await world.consumed(UNITS), 5 + 1 + 4, 'the debits that resolved, each once; the refused one not');
    assert.equal(await world.consumed(SEATS), 0);
  });

  it('keeps answering tier checks: each instance checks out by itself while shared answers cannot be read', async () => {
    const tiered = RedisWorld.create(suite.lm, suite.redis, 'tiered');
    try {
      const g = await tiered.gate({ tiers: true, redisPort: proxy.port });
      proxy.cut();
      const before = suite.lm.calls('CheckoutLicense');
      await tiered.advance(31 * MINUTE);
      assert.ok(suite.lm.calls('CheckoutLicense') - before >= 2, 'it refreshed by itself');
      assert.equal(g.gate.hasTier('Intermediate'), true);
      assert.equal(g.gate.status().degraded, false);
    } finally {
      proxy.restore();
      await tiered.close();
    }
  });
});
