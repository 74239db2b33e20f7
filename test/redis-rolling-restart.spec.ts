import assert from 'node:assert/strict';

import { useRedisAndEmulator } from './redis-support/suite.js';
import { MINUTE, RedisWorld, SEATS, SECOND, type WorldGate } from './redis-support/world.js';

// A rolling restart — every deploy is one — of three instances sharing Redis, under traffic: each
// instance in turn stops cleanly (`gate.stop()`) and a new one starts in its place, while every user
// keeps making requests that land on any live instance. No active user may lose a seat: a clean stop
// hands the seats in use to the live instances instead of checking them in, and License Manager's
// count stays the number of users throughout. Only the last instance's stop returns them all.

describe('Redis: a rolling restart of three instances under traffic', function () {
  this.timeout(30_000);
  const suite = useRedisAndEmulator();
  let world: RedisWorld;
  const USERS = 8;
  beforeEach(() => {
    world = RedisWorld.create(suite.lm, suite.redis, { seats: USERS, units: 1_000 });
  });
  afterEach(() => world.close());

  it('no active user loses a seat, and no seat is taken twice', async () => {
    const live: WorldGate[] = [await world.gate(), await world.gate(), await world.gate()];
    const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
    for (const [i, user] of users.entries()) await (live[i % 3] as WorldGate).gate.seats.acquire(user);
    assert.equal(await world.consumed(SEATS), USERS);

    const lost: string[] = [];
    let requests = 0;
    /** Every user makes one request through some live instance: the seat must be there (requireSeat). */
    const traffic = async (): Promise<void> => {
      for (const user of users) {
        const instance = live[(requests++ * 7) % live.length] as WorldGate;
        instance.gate.seats.touch(user);
        if ((await instance.gate.seats.get(user)) === undefined) lost.push(`${user} at ${world.clock.now()}`);
      }
    };

    for (let round = 0; round < 3; round++) {
      await world.advance(5 * MINUTE, { stepMs: 30 * SECOND, each: traffic });
      const leaving = live.shift() as WorldGate;
      const report = await leaving.gate.stop();
      leaving.alive = false;
      assert.ok(report.seatsHandedOver > 0, `round ${round}: the seats in use were handed over`);
      assert.equal(await world.consumed(SEATS), USERS, `round ${round}: nothing checked in at the stop`);
      await traffic(); // at once: the other instances serve the seats right after the stop
      live.push(await world.gate()); // the new version of the instance
      await world.advance(MINUTE, { stepMs: 10 * SECOND, each: traffic });
      const owners = new Set((await world.records('seats')).map((r) => r.value['owner']));
      assert.ok(!owners.has(leaving.gate.instanceId), `round ${round}: the live instances adopted every seat`);
    }
    // Past the first 60-minute lease: the adopted seats are extended by their new owners.
    await world.advance(65 * MINUTE, { stepMs: MINUTE, each: traffic });

    assert.deepEqual(lost, [], 'an active user lost a seat');
    assert.equal(await world.consumed(SEATS), USERS, 'one seat per user, none lost, none taken twice');
    assert.equal((await world.records('seats')).length, USERS);

    // The last instances stop: the last one returns every seat.
    for (const instance of live.splice(0)) {
      await instance.gate.stop();
      instance.alive = false;
    }
    assert.equal(await world.consumed(SEATS), 0);
    assert.deepEqual(await world.records('seats'), []);
  });
});
